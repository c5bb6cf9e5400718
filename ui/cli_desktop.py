"""``onlooker desktop ...``: how Onlooker sits in the desktop session. A group of its own so
that other desktop integrations (such as a Wayland helper) add their subcommands here."""

from __future__ import annotations

from pathlib import Path

import click

from .clibase import Failure, removing


@click.group()
def desktop() -> None:
    """Put Onlooker into the desktop: its launcher in the application menu, and more.

    \b
    Examples:
      onlooker desktop install
      onlooker desktop uninstall
    """


@desktop.command("install")
@click.pass_context
def desktop_install(ctx: click.Context) -> None:
    """Add the dashboard to your application menu (a .desktop file and an SVG icon, for this
    user only, in ~/.local/share).

    \b
    Example:
      onlooker desktop install
    """
    from .desktop import DesktopError, install_launcher

    db = (ctx.find_root().obj or {}).get("db")
    try:
        done = install_launcher(Path(db).absolute() if db else None)
    except DesktopError as exc:
        raise Failure(str(exc)) from None
    click.echo(f"launcher: {done.entry}")
    click.echo(f"icon: {done.icon}")


@desktop.command("uninstall")
def desktop_uninstall() -> None:
    """Remove what 'desktop install' added (files you wrote yourself are left alone).

    \b
    Example:
      onlooker desktop uninstall
    """
    from .desktop import DesktopError, uninstall_launcher

    removing(uninstall_launcher, DesktopError, "nothing to remove: the launcher was not installed")
