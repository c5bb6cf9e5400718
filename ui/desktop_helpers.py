"""``onlooker desktop install-helper`` / ``uninstall-helper``: put Onlooker's in-compositor helper
where the running desktop loads it (GNOME: a Shell extension; KDE Plasma: a KWin script), and
say whether a re-login is needed. wlroots desktops (sway, Hyprland...) need none.

Only files Onlooker ships are copied, into the user's own folders (nothing system-wide), and
uninstall removes exactly those folders.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import click

from onlooker.shim.backends import wayland_desktop
from onlooker.shim.errors import BackendUnavailable

from .clibase import Failure

GNOME_UUID = "onlooker-helper@onlooker"
KWIN_ID = "onlooker-helper"
ESM_SINCE = 45  # GNOME 45 changed extensions to ES modules


@dataclass
class Done:
    desktop: str
    path: Path
    relogin: bool
    note: str


def _data_home(env) -> Path:
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _helpers() -> Path:
    return Path(str(resources.files("onlooker.shim.backends").joinpath("helpers")))


def target(desktop: str, env) -> Path:
    if desktop == "gnome":
        return _data_home(env) / "gnome-shell" / "extensions" / GNOME_UUID
    return _data_home(env) / "kwin" / "scripts" / KWIN_ID


def detect(env) -> str:
    """'gnome', 'kde' or 'wlroots' for this session (the backend selector's answer)."""
    if not (env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland"):
        raise Failure("this is not a Wayland session; the X11 backend needs no helper "
                      "(use --desktop gnome or --desktop kde to install one anyway)", 2)
    try:
        return wayland_desktop(env)
    except BackendUnavailable as exc:
        raise Failure(str(exc)) from None


def gnome_major(run=subprocess.run) -> int | None:
    """The running GNOME Shell's major version ('GNOME Shell 43.9' -> 43), or None."""
    try:
        out = run(["gnome-shell", "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)(?:\.\d+)*", out or "")
    return int(m.group(1)) if m else None


def install(desktop: str, env, *, gnome_version: int | None = None) -> Done:
    dest = target(desktop, env)
    if desktop == "gnome":
        variant = "esm" if (gnome_version or 0) >= ESM_SINCE else "legacy"
        source = _helpers() / "gnome" / variant
    elif desktop == "kde":
        source = _helpers() / "kwin"
    else:
        raise Failure(f"{desktop} needs no helper: Onlooker reads it directly")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    if desktop == "kde":
        return Done(desktop, dest, False, "no re-login needed: 'onlooker watch' loads it into "
                    "KWin when it starts and unloads it when it stops")
    enabled = _gnome_enable(env, True)
    note = ("log out and back in: GNOME on Wayland loads new extensions only at login"
            + ("" if enabled else "; then run 'gnome-extensions enable " + GNOME_UUID + "'"))
    return Done(desktop, dest, True, note)


def uninstall(desktop: str, env) -> list[Path]:
    removed = []
    dest = target(desktop, env)
    if dest.exists():
        shutil.rmtree(dest)
        removed.append(dest)
    if desktop == "gnome":
        _gnome_enable(env, False)
    return removed


def _gnome_enable(env, on: bool) -> bool:
    """Add or remove the extension in org.gnome.shell enabled-extensions (what
    'gnome-extensions enable' does, but it also works before the shell has seen the
    extension); False when gsettings is not there."""
    gsettings = shutil.which("gsettings")
    if gsettings is None:
        return False
    try:
        current = subprocess.run([gsettings, "get", "org.gnome.shell", "enabled-extensions"],
                                 capture_output=True, text=True, timeout=10, env={**os.environ, **env})
        if current.returncode != 0:
            return False
        uuids = re.findall(r"'([^']+)'", current.stdout)
        wanted = [u for u in uuids if u != GNOME_UUID] + ([GNOME_UUID] if on else [])
        if wanted == uuids:
            return True
        value = "[" + ", ".join(f"'{u}'" for u in wanted) + "]"
        done = subprocess.run([gsettings, "set", "org.gnome.shell", "enabled-extensions", value],
                              capture_output=True, text=True, timeout=10, env={**os.environ, **env})
        return done.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


_DESKTOP = click.option("--desktop", type=click.Choice(["gnome", "kde"]),
                        help="install for this desktop instead of the running one")


@click.command("install-helper")
@_DESKTOP
def install_helper(desktop: str | None) -> None:
    """Install the small helper that lets Onlooker see windows on a Wayland desktop: a GNOME
    Shell extension on GNOME, a KWin script on KDE Plasma (sway, Hyprland and other wlroots
    desktops need none). It reports window focus and minimize to Onlooker only.

    \b
    Examples:
      onlooker desktop install-helper
      onlooker desktop install-helper --desktop kde
    """
    env = dict(os.environ)
    desktop = desktop or detect(env)
    if desktop not in ("gnome", "kde"):
        click.echo(f"this {desktop} desktop needs no helper: 'onlooker watch' reads it directly")
        return
    try:
        done = install(desktop, env, gnome_version=gnome_major() if desktop == "gnome" else None)
    except OSError as exc:
        raise Failure(f"could not install the helper ({exc})") from None
    click.echo(f"installed the {'GNOME Shell extension' if desktop == 'gnome' else 'KWin script'}"
               f" into {done.path}")
    click.echo(("re-login needed: " if done.relogin else "") + done.note)


@click.command("uninstall-helper")
@_DESKTOP
def uninstall_helper(desktop: str | None) -> None:
    """Remove the helper 'install-helper' installed (for the running desktop, or both with
    --desktop). Windows are then no longer seen on that Wayland desktop.

    \b
    Examples:
      onlooker desktop uninstall-helper
      onlooker desktop uninstall-helper --desktop gnome
    """
    env = dict(os.environ)
    desktops = [desktop] if desktop else ["gnome", "kde"]
    removed = []
    try:
        for d in desktops:
            removed += uninstall(d, env)
    except OSError as exc:
        raise Failure(f"could not remove the helper ({exc})") from None
    for path in removed:
        click.echo(f"removed {path}")
    if not removed:
        click.echo("no helper was installed")
    elif "gnome" in desktops:
        click.echo("GNOME unloads the extension at your next login")
