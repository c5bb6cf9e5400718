"""``onlooker doctor``: what this machine lets Onlooker see, what is missing, and the fix for each.

Each check is a small function of the environment and the database path returning a ``Check``;
nothing is changed (the database is opened read-only, and not at all while its file modes are
too loose, since opening it would tighten them). ``needed`` problems (no display, no session
bus, an unreadable or exposed database, a full disk) make the exit status non-zero; the rest
are advice.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

OK, WARN, FAIL = "ok", "warn", "FAIL"
LOW_DISK_FAIL, LOW_DISK_WARN = 50 * 2**20, 500 * 2**20  # a busy day takes ~0.3 MB


@dataclass
class Check:
    name: str
    result: str          # OK, WARN (advice) or FAIL (something needed is missing)
    text: str
    fix: str | None = None

    def lines(self) -> list[str]:
        out = [f"{self.result:<4}  {self.name}: {self.text}"]
        if self.fix:
            out.append(f"      fix: {self.fix}")
        return out


@dataclass
class Context:
    env: Mapping[str, str]
    db: Path


# --- the checks -------------------------------------------------------------------------------

def display(c: Context) -> list[Check]:
    """Display server, the backend chosen for it, and its input source."""
    from onlooker.shim import backends
    from onlooker.shim.errors import BackendUnavailable

    session = c.env.get("XDG_SESSION_TYPE") or ("wayland" if c.env.get("WAYLAND_DISPLAY") else
                                                "x11" if c.env.get("DISPLAY") else "none")
    try:
        name = backends.choose(c.env)
    except BackendUnavailable as exc:
        fix = ("log in to a desktop session, or point DISPLAY at a running X server "
               "(DISPLAY=:0 onlooker watch)") if not c.env.get("DISPLAY") else str(exc)
        return [Check("display", FAIL, f"{exc} (session type: {session})", fix),
                Check("input source", WARN, "not checked without a backend")]
    package = backends.missing(name)
    if package:
        return [Check("display", FAIL, f"the {name} backend cannot load: {package} is missing",
                      f"pip install {package} (into the environment onlooker runs from)")]
    if name == "fake":
        return [Check("display", OK, "ONLOOKER_BACKEND=fake replays a log instead of observing"),
                Check("input source", OK, "input activity (yes/no) comes from the replayed log")]
    if name != "x11":  # backends added later present themselves through their own checks
        return [Check("display", OK, f"the {name} backend observes this {session} session")]
    return _x11(c.env["DISPLAY"])


def _x11(where: str) -> list[Check]:
    try:
        from Xlib import display as xdisplay

        d = xdisplay.Display(where)
    except Exception as exc:  # Xlib raises DisplayError, ConnectionClosedError, OSError, ...
        return [Check("display", FAIL, f"cannot open the X display {where} ({exc})",
                      "check DISPLAY (and XAUTHORITY) from a terminal inside your desktop session"),
                Check("input source", WARN, "not checked without a display")]
    try:
        wm = d.screen().root.get_full_property(d.intern_atom("_NET_SUPPORTING_WM_CHECK"), 0)
        record = d.has_extension("RECORD")
        # idle counters, the input source that sees no events (python-xlib has no SYNC module,
        # so has_extension cannot tell: ask the server's list)
        sync = "SYNC" in d.list_extensions()
    finally:
        d.close()
    out = [Check("display", OK, f"X11 on {where}, observed by the x11 backend (focus, minimize, "
                                "screen saver)")]
    if wm is None:
        out[0] = Check("display", WARN, f"X11 on {where}, but no EWMH window manager announces "
                       "itself, so focus changes cannot be seen",
                       "run a window manager that sets _NET_ACTIVE_WINDOW (most do)")
    out.append(Check("input source", OK, "the X server's idle counters (SYNC): activity yes/no "
                     "per second, no input event reaches Onlooker") if sync else
               Check("input source", OK, "pynput over the X RECORD extension (every input event "
                     "reaches Onlooker, which keeps only yes/no per second)") if record else
               Check("input source", FAIL, "the X server has neither idle counters (SYNC) nor the "
                     "RECORD extension, so input activity cannot be seen", "enable RECORD in the "
                     "X server's configuration (Section \"Module\": Load \"record\")"))
    return out


def dbus(c: Context) -> list[Check]:
    """The session bus, who announces screen locks on it, and whether a tray can show the icon."""
    address = c.env.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        return [Check("D-Bus session", FAIL, "no session bus (DBUS_SESSION_BUS_ADDRESS is not "
                      "set): screen lock and unlock cannot be recorded, and neither the status "
                      "icon nor notifications can show",
                      "run onlooker from inside your desktop session (or: dbus-run-session -- "
                      "onlooker watch)")]
    try:
        owners = _names_with_owner(address, ("org.freedesktop.ScreenSaver",
                                             "org.gnome.ScreenSaver",
                                             "org.kde.StatusNotifierWatcher"))
    except Exception as exc:  # jeepney raises OSError, ValueError, TimeoutError, its own
        return [Check("D-Bus session", FAIL, f"cannot connect to the session bus {address} ({exc})",
                      "log out and in again, or unset a stale DBUS_SESSION_BUS_ADDRESS")]
    out = [Check("D-Bus session", OK, "connected")]
    lockers = [n for n in ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver") if n in owners]
    logind = bool(c.env.get("XDG_SESSION_ID")) and os.path.exists("/run/dbus/system_bus_socket")
    if lockers or logind:
        via = ", ".join(lockers + (["logind (system bus)"] if logind else []))
        out.append(Check("lock signals", OK, f"from {via}"))
    else:
        out.append(Check("lock signals", WARN, "no screen saver service on the session bus and no "
                         "logind session: locking the screen will not be recorded (only the X "
                         "screen saver is)", "use a locker that announces itself on D-Bus "
                         "(the GNOME, KDE, XFCE and light-locker ones do)"))
    from .tray import NOT_SHOWN

    out.append(Check("status icon", OK, "a StatusNotifierWatcher runs: 'onlooker tray' shows")
               if "org.kde.StatusNotifierWatcher" in owners else
               Check("status icon", WARN, NOT_SHOWN.replace(", so", "; so"),
                     "on GNOME install the AppIndicator extension; elsewhere use a panel with a "
                     "StatusNotifier tray"))
    return out


def _names_with_owner(address: str, names: tuple[str, ...]) -> set[str]:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as conn:
        return {n for n in names
                if conn.send_and_get_reply(message_bus.NameHasOwner(n), timeout=3).body[0]}


def browser(c: Context) -> list[Check]:
    """The browser extension's host manifest, and whether the extension ever connected."""
    import json

    from .browser_host import read_status
    from .browser_install import BROWSERS, installed

    found = {b: p for b, p in installed(list(BROWSERS)).items() if p}
    if not found:
        return [Check("browser extension", WARN, "the host manifest is not installed for any "
                      "browser, so tab visibility and page focus are not recorded",
                      "onlooker browser install --browser chromium (or firefox, chrome, ...), "
                      "then load the extension as it says")]
    out = []
    for name, path in found.items():
        try:
            target = Path(json.loads(path.read_text(encoding="utf-8"))["path"])
        except (OSError, ValueError, KeyError, TypeError):
            target = None
        if target is None or not os.access(target, os.X_OK):
            out.append(Check("browser extension", FAIL, f"{name}: the host manifest {path} names "
                             f"a program that is missing or not executable ({target})",
                             f"onlooker browser install --browser {name}"))
        else:
            out.append(Check("browser extension", OK, f"{name}: host manifest {path}"))
    st = read_status()
    if not st:
        out.append(Check("browser extension", WARN, "the extension has never connected",
                         "load it in the browser: 'onlooker browser install' prints how"))
    return out


def database(c: Context) -> list[Check]:
    """The database's file modes, owner and integrity, and its directory's."""
    from onlooker.storage.paths import data_dir

    out = []
    folder = c.db.parent
    if folder.exists():
        mode = stat.S_IMODE(folder.stat().st_mode)
        ours = folder.absolute() == data_dir().absolute()
        if ours and mode & 0o077:
            out.append(Check("data directory", FAIL, f"{folder} is open to other users ({mode:o})",
                             f"chmod 700 {folder}"))
        elif not os.access(folder, os.W_OK | os.X_OK):
            out.append(Check("data directory", FAIL, f"{folder} is not writable by you",
                             f"fix its permissions, or choose another place with --db PATH"))
        else:
            out.append(Check("data directory", OK, f"{folder} ({mode:o})"))
    if not c.db.exists():
        out.append(Check("database", OK, f"nothing recorded yet ({c.db} will be created 0600)"))
        return out
    loose = []
    for path in (c.db, Path(f"{c.db}-wal"), Path(f"{c.db}-shm")):
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if st.st_uid != os.getuid():
            out.append(Check("database", FAIL, f"{path} belongs to another user (uid {st.st_uid})",
                             f"chown $USER {path}, or choose another place with --db PATH"))
            return out
        if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
            loose.append((path, stat.S_IMODE(st.st_mode)))
    if loose:
        names = ", ".join(f"{p} ({m:o})" for p, m in loose)
        out.append(Check("database", FAIL, f"readable by other users of this machine: {names}; "
                         "not opened (opening it would change it)",
                         "chmod 600 " + " ".join(str(p) for p, _ in loose)))
        return out
    from onlooker.storage.db import connect
    from onlooker.storage.errors import StorageError

    try:
        connect(c.db, readonly=True, check=True).close()  # doctor says "integrity ok"
    except StorageError as exc:
        out.append(Check("database", FAIL, str(exc)))
        return out
    size = sum(os.path.getsize(p) for p in (c.db, Path(f"{c.db}-wal")) if p.exists())
    out.append(Check("database", OK, f"{c.db} (0600, {size / 2**20:.1f} MB, integrity ok)"))
    return out


def recorder(c: Context) -> list[Check]:
    from onlooker.storage.lockfile import holder

    from . import autostart

    pid = holder(c.db)
    out = [Check("recorder", OK, f"running (pid {pid})") if pid else
           Check("recorder", WARN, "not running", "onlooker watch (or: onlooker autostart enable)")]
    st = autostart.status(env=c.env)
    if st.method is None:
        out.append(Check("autostart", WARN, "off: recording stops when you log out",
                         "onlooker autostart enable"))
    else:
        out.append(Check("autostart", WARN if st.note else OK, autostart.describe(st),
                         st.note and "onlooker autostart enable --method xdg"))
    return out


def disk(c: Context) -> list[Check]:
    where = c.db.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    free = shutil.disk_usage(where).free
    text = f"{free / 2**30:.1f} GB free on the disk holding {c.db.parent}"
    if free < LOW_DISK_FAIL:
        return [Check("disk space", FAIL, text + "; recording stops when it is full",
                      "free some space, or move the database with --db PATH")]
    if free < LOW_DISK_WARN:
        return [Check("disk space", WARN, text, "free some space soon")]
    return [Check("disk space", OK, text)]


CHECKS: list[Callable[[Context], list[Check]]] = [display, dbus, browser, database, recorder,
                                                  disk]


def run(env: Mapping[str, str], db: Path) -> list[Check]:
    c = Context(env, Path(db))
    out: list[Check] = []
    for check in CHECKS:
        try:
            out.extend(check(c))
        except Exception as exc:  # one broken check must not hide the others' answers
            out.append(Check(check.__name__, WARN, f"could not be checked ({exc!r})"))
    return out


def healthy(checks: list[Check]) -> bool:
    return all(c.result != FAIL for c in checks)
