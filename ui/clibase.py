"""What every command module shares: the one-line failure and the database the command uses.

Kept apart from ``cli.py`` so that command groups living in modules of their own (``desktop``,
``autostart``, ``doctor``, ...) use them without importing the CLI that registers them."""

from __future__ import annotations

from pathlib import Path

import click


class Failure(click.ClickException):
    """One line on stderr, exit 2 for usage-like problems or 1 otherwise."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None):
        click.echo(f"onlooker: {self.message}", err=True)


def removing(remove, error: type[Exception], nothing: str) -> None:
    """Run an uninstall step (``remove()`` returns the paths it removed) and say what it did:
    each path removed, or ``nothing`` when there was nothing; its ``error`` as a Failure."""
    try:
        removed = remove()
    except error as exc:
        raise Failure(str(exc)) from None
    for path in removed:
        click.echo(f"removed {path}")
    if not removed:
        click.echo(nothing)


def db_path(ctx: click.Context) -> Path:
    """``--db`` (or ONLOOKER_DB), else the per-user default."""
    from onlooker.storage.paths import default_db_path

    obj = ctx.find_root().obj or {}
    return Path(obj["db"]) if obj.get("db") else default_db_path()
