"""``onlooker autostart enable|disable|status``: start the recorder (and the status icon) with the
desktop session.

Where systemd runs the user's graphical session (graphical-session.target is active), as
``systemd --user`` units tied to that target (restarted on failure, except after exit status 2:
no display, which a restart would not fix); elsewhere as XDG autostart entries, which every
desktop following the freedesktop autostart spec starts at login. The recorder keeps its own
log in the XDG state directory either way (``ui/logs.py``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .desktop import (DesktopError, command, config_home, is_ours, remove_ours, render,
                      write_text)

RECORDER, TRAY = "onlooker", "onlooker-tray"
METHODS = ("auto", "systemd", "xdg")
Run = Callable[..., subprocess.CompletedProcess]


class AutostartError(Exception):
    """One line saying what to do."""


def unit_dir(env=None) -> Path:
    return config_home(env) / "systemd" / "user"


def xdg_dir(env=None) -> Path:
    return config_home(env) / "autostart"


def systemctl(*args: str, run: Run = subprocess.run, env=None) -> subprocess.CompletedProcess:
    return run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=30,
               env=env)


def systemd_user_available(run: Run = subprocess.run, env=None) -> bool:
    """Whether a ``systemd --user`` manager runs this session (it answers on its bus)."""
    if shutil.which("systemctl") is None:
        return False
    try:
        return systemctl("show-environment", run=run, env=env).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def session_runs_under_systemd(run: Run = subprocess.run, env=None) -> bool:
    """Whether systemd runs the graphical session itself (GNOME, KDE and others start
    graphical-session.target); under startx or a plain window manager the target never starts,
    so units tied to it would never run and the XDG entry is the one that works."""
    if not systemd_user_available(run, env):
        return False
    try:
        done = systemctl("is-active", "graphical-session.target", run=run, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout.strip() == "active"


def files(method: str, *, db: Path | None = None, tray: bool = True, env=None) -> dict[Path, str]:
    """What ``enable`` writes for a method: path -> content (pure)."""
    args = command(db)
    names = [RECORDER] + ([TRAY] if tray else [])
    template = {RECORDER: "onlooker", TRAY: "onlooker-tray"}
    if method == "systemd":
        return {unit_dir(env) / f"{n}.service": render(f"{template[n]}.service.in", args)
                for n in names}
    return {xdg_dir(env) / f"{n}.desktop": render(
        "onlooker-autostart.desktop.in" if n == RECORDER else "onlooker-tray-autostart.desktop.in",
        args) for n in names}


def _all_paths(env=None) -> dict[str, list[Path]]:
    return {"systemd": [unit_dir(env) / f"{n}.service" for n in (RECORDER, TRAY)],
            "xdg": [xdg_dir(env) / f"{n}.desktop" for n in (RECORDER, TRAY)]}


@dataclass
class Enabled:
    method: str
    written: list[Path]
    started: bool = False


def enable(method: str = "auto", *, db: Path | None = None, tray: bool = True, env=None,
           run: Run = subprocess.run) -> Enabled:
    """Write the units (and enable and start them) or the autostart entries; whatever the other
    method had written before is removed, so exactly one is active."""
    systemd = systemd_user_available(run, env)
    if method == "auto":
        method = "systemd" if systemd and session_runs_under_systemd(run, env) else "xdg"
    if method == "systemd" and not systemd:
        raise AutostartError("no systemd user manager runs this session ('systemctl --user' "
                             "does not answer); use --method xdg")
    other = "xdg" if method == "systemd" else "systemd"
    _disable(other, env=env, run=run, systemd=systemd)
    wanted = files(method, db=db, tray=tray, env=env)
    for stale in set(_all_paths(env)[method]) - set(wanted):  # --no-tray after a tray
        _disable_paths(method, [stale], env=env, run=run, systemd=systemd)
    try:
        for path, text in wanted.items():
            write_text(path, text)
    except DesktopError as exc:
        raise AutostartError(str(exc)) from None
    result = Enabled(method, list(wanted))
    if method == "systemd":
        _check(systemctl("daemon-reload", run=run, env=env), "reload the units")
        _check(systemctl("enable", "--now", *(p.name for p in wanted), run=run, env=env),
               "enable the units")
        result.started = True
    return result


def _check(done: subprocess.CompletedProcess, what: str) -> None:
    if done.returncode != 0:
        why = (done.stderr or done.stdout or "").strip().splitlines()
        raise AutostartError(f"systemctl could not {what} ({why[-1] if why else done.returncode}); "
                             "'systemctl --user status onlooker' says more, or use --method xdg")


def disable(*, env=None, run: Run = subprocess.run) -> list[Path]:
    """Stop and remove whatever ``enable`` set up, by either method; what was removed."""
    systemd = systemd_user_available(run, env)
    return _disable("systemd", env=env, run=run, systemd=systemd) + \
        _disable("xdg", env=env, run=run, systemd=systemd)


def _disable(method: str, *, env, run: Run, systemd: bool) -> list[Path]:
    return _disable_paths(method, _all_paths(env)[method], env=env, run=run, systemd=systemd)


def _disable_paths(method: str, paths: list[Path], *, env, run: Run, systemd: bool) -> list[Path]:
    ours = [p for p in paths if is_ours(p)]
    if method == "systemd" and ours and systemd:
        systemctl("disable", "--now", *(p.name for p in ours), run=run, env=env)  # best effort
    try:
        removed = remove_ours(ours)
    except DesktopError as exc:
        raise AutostartError(str(exc)) from None
    if method == "systemd" and removed and systemd:
        systemctl("daemon-reload", run=run, env=env)
    return removed


@dataclass
class Status:
    method: str | None                  # "systemd", "xdg" or None (off)
    files: list[Path] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # unit -> "enabled, active" (systemd)
    note: str | None = None


def status(*, env=None, run: Run = subprocess.run) -> Status:
    paths = _all_paths(env)
    units = [p for p in paths["systemd"] if is_ours(p)]
    entries = [p for p in paths["xdg"] if is_ours(p)]
    if units:
        st = Status("systemd", units)
        if systemd_user_available(run, env):
            for p in units:
                enabled = systemctl("is-enabled", p.name, run=run, env=env).stdout.strip()
                active = systemctl("is-active", p.name, run=run, env=env).stdout.strip()
                st.units[p.name] = f"{enabled or 'unknown'}, {active or 'unknown'}"
        else:
            st.note = ("the units are written but no systemd user manager runs this session; "
                       "'onlooker autostart enable --method xdg' uses an autostart entry instead")
        return st
    if entries:
        return Status("xdg", entries)
    return Status(None)


def describe(st: Status) -> str:
    if st.method is None:
        return "off ('onlooker autostart enable' starts the recorder with your session)"
    if st.method == "systemd":
        states = "; ".join(f"{u} {s}" for u, s in st.units.items())
        return "systemd user units" + (f": {states}" if states else "") + \
            f" ({', '.join(str(p) for p in st.files)})"
    return "XDG autostart entries, started at login (" + ", ".join(str(p) for p in st.files) + ")"
