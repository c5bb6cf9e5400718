"""Commands for living in the desktop session: ``autostart``, ``tray``, ``doctor`` and
``completion``. Registered on the main group by ``cli.py``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .clibase import Failure, db_path, removing


def _chosen_db(ctx: click.Context) -> Path | None:
    """The --db given on this command line (absolute), to carry into what runs later."""
    db = (ctx.find_root().obj or {}).get("db")
    return Path(db).absolute() if db else None


@click.group()
def autostart() -> None:
    """Start recording (and the status icon) with your desktop session.

    \b
    Examples:
      onlooker autostart enable
      onlooker autostart status
      onlooker autostart disable
    """


@autostart.command("enable")
@click.option("--method", type=click.Choice(["auto", "systemd", "xdg"]), default="auto",
              show_default=True, help="systemd --user units, or an XDG autostart entry; auto "
                                      "uses systemd where it runs your session.")
@click.option("--no-tray", is_flag=True, help="Only the recorder, without the status icon.")
@click.pass_context
def autostart_enable(ctx: click.Context, method: str, no_tray: bool) -> None:
    """Start the recorder with your session from now on (restarted if it fails, where systemd
    runs the session).

    \b
    Examples:
      onlooker autostart enable
      onlooker autostart enable --method xdg --no-tray
    """
    from .autostart import AutostartError, enable

    try:
        done = enable(method, db=_chosen_db(ctx), tray=not no_tray)
    except AutostartError as exc:
        raise Failure(str(exc)) from None
    for path in done.written:
        click.echo(f"wrote {path}")
    if done.method == "systemd":
        click.echo("enabled and started (systemd user units); the recorder's log is in "
                   "~/.local/state/onlooker/onlooker.log")
    else:
        click.echo("starts at your next login (XDG autostart); 'onlooker watch' starts it now")


@autostart.command("disable")
def autostart_disable() -> None:
    """Stop starting with the session, and remove what 'autostart enable' wrote.

    \b
    Example:
      onlooker autostart disable
    """
    from .autostart import AutostartError, disable

    removing(disable, AutostartError, "autostart was not enabled; nothing to remove")


@autostart.command("status")
@click.pass_context
def autostart_status(ctx: click.Context) -> None:
    """Which autostart is active (systemd units or an XDG entry) and whether the recorder runs.

    \b
    Example:
      onlooker autostart status
    """
    from onlooker.storage.lockfile import holder

    from .autostart import describe, status

    st = status()
    click.echo(f"autostart: {describe(st)}")
    if st.note:
        click.echo(f"note: {st.note}")
    pid = holder(db_path(ctx))
    click.echo(f"recorder: {'running (pid %d)' % pid if pid else 'not running'}")


@click.command()
@click.pass_context
def tray(ctx: click.Context) -> None:
    """A status icon (StatusNotifierItem): recording, paused, or a tracker would flag you now;
    its menu pauses for 30 min, resumes, opens the dashboard and quits recording.

    Shown by KDE Plasma, most wlroots bars and XFCE's StatusNotifier plugin; on GNOME only with
    the AppIndicator extension. Ctrl-C removes it.

    \b
    Example:
      onlooker tray
    """
    import signal
    import threading

    from onlooker.storage.paths import default_config_path

    from .desktop import command
    from .tray import Actions, Tray, TrayError, session_address

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    path = db_path(ctx)
    try:
        actions = Actions(path, default_config_path(), command(_chosen_db(ctx)))
        Tray(actions, session_address(), echo=click.echo, stop=stop).run()
    except TrayError as exc:
        raise Failure(str(exc), 2) from None


@click.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check what Onlooker needs here (display, input, D-Bus and lock signals, browser extension,
    database, autostart, disk space), each with its fix. Exit status 1 if something needed is
    missing.

    \b
    Example:
      onlooker doctor
    """
    from . import doctor as checks

    results = checks.run(os.environ, db_path(ctx))
    for check in results:
        for line in check.lines():
            click.echo(line)
    if not checks.healthy(results):
        ctx.exit(1)


SHELLS = {"bash": "~/.local/share/bash-completion/completions/onlooker",
          "zsh": "a directory on your $fpath, as _onlooker",
          "fish": "~/.config/fish/completions/onlooker.fish"}


@click.command()
@click.argument("shell", type=click.Choice(sorted(SHELLS)))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script (click's own) for bash, zsh or fish.

    \b
    Save it where your shell looks (bash: ~/.local/share/bash-completion/completions/onlooker;
    fish: ~/.config/fish/completions/onlooker.fish), or evaluate it from your shell's rc file.

    \b
    Examples:
      onlooker completion bash > ~/.local/share/bash-completion/completions/onlooker
      eval "$(onlooker completion zsh)"
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    cls = get_completion_class(shell)
    click.echo(cls(root.command, {}, "onlooker", "_ONLOOKER_COMPLETE").source(), nl=False)
