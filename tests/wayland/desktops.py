"""Real headless KWin 5.27 and GNOME Shell 43 (Debian 12) with two test windows each, on private
D-Bus buses, for the KDE and GNOME backends' live tests and the ``wayland`` benchmark.

Each desktop runs in its own process group (killed whole at the end: the buses' activated
services, Xwayland and the windows go with it), in a fresh XDG_RUNTIME_DIR / HOME under a
temporary directory. What each needed to start here, found by trying:

- KWin: ``/usr/bin/kwin_wayland`` carries the file capability ``cap_sys_resource``, which a
  container's bounding set usually lacks, so exec fails with EPERM ("Operation not
  permitted"); a copy of the binary has no file capabilities and runs. foot dies with SIGFPE on
  KWin's virtual output, so the windows are xterms through KWin's own Xwayland.
- GNOME Shell: its UI needs a *system* bus too (without one: ``JS ERROR: Gio.IOErrorEnum: Could
  not connect: No such file or directory``); a private ``dbus-daemon`` with a copy of
  system.conf (own socket, no ``<user>``, no pidfile, no service activation) serves.
  Extensions are enabled in dconf before the shell starts, as at a login.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

TEST_DRIVER = Path(__file__).parent / "gnome_test_driver"  # a test-only extension
DRIVER_UUID = "onlooker-test-driver@onlooker"
HELPER_UUID = "onlooker-helper@onlooker"


class Unavailable(Exception):
    """The desktop cannot run on this machine; the message says exactly why."""


def deadline(what: str, check, timeout: float = 20.0, proc=None, log: Path | None = None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-1500:] if log and log.exists() else ""
    raise Unavailable(f"{what} did not happen" + (f"; its log ends: {tail}" if tail else ""))


class _Desktop:
    name = ""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix=f"onlooker-{self.name}-"))
        self.runtime = self.base / "rt"
        self.home = self.base / "home"
        self.runtime.mkdir(mode=0o700)
        self.home.mkdir()
        self.groups: list[subprocess.Popen] = []  # each the leader of a process group
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(self.home),
                    "XDG_RUNTIME_DIR": str(self.runtime), "XDG_SESSION_TYPE": "wayland",
                    "XDG_DATA_HOME": str(self.home / ".local" / "share"),
                    "XDG_CONFIG_HOME": str(self.home / ".config"),
                    "XDG_CACHE_HOME": str(self.home / ".cache"),
                    "XDG_STATE_HOME": str(self.home / ".local" / "state"), "LANG": "C.UTF-8"}

    def spawn(self, cmd: list[str], log: str, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=kw.pop("env", self.env), start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=open(self.base / log, "wb"),
                                stderr=subprocess.STDOUT, **kw)
        self.groups.append(proc)
        return proc

    def bus(self, config: list[str], name: str) -> str:
        """A private dbus-daemon (--nofork, so the services it activates share its group)."""
        proc = subprocess.Popen(["dbus-daemon", "--nofork", "--print-address=1", *config],
                                env=self.env, start_new_session=True, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        self.groups.append(proc)
        address = proc.stdout.readline().strip()
        if not address:
            raise Unavailable(f"the private {name} bus (dbus-daemon) did not start")
        return address

    def session_bus(self) -> None:
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus(
            ["--session", f"--address=unix:path={self.base}/session-bus"], "session")

    def install_helper(self) -> str:
        out = subprocess.run(["onlooker", "desktop", "install-helper", "--desktop", self.name],
                             env={**self.env, "PATH": _venv_bin() + ":" + self.env["PATH"]},
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def call(self, dest: str, path: str, iface: str, member: str, sig=None, body=()):
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        with contextlib.closing(open_dbus_connection(self.env["DBUS_SESSION_BUS_ADDRESS"])) as c:
            msg = new_method_call(DBusAddress(path, bus_name=dest, interface=iface), member,
                                  sig, body)
            return unwrap_msg(c.send_and_get_reply(msg, timeout=10))

    def stop(self) -> None:
        for proc in reversed(self.groups):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.groups):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        shutil.rmtree(self.base, ignore_errors=True)


def _venv_bin() -> str:
    import sys

    return str(Path(sys.executable).parent)


class KWin(_Desktop):
    """kwin_wayland --virtual --xwayland; windows are xterms of class onlooker-one/-two."""

    name = "kde"
    APPS = ("onlooker-one", "onlooker-two")

    def start(self) -> "KWin":
        binary = shutil.which("kwin_wayland")
        if binary is None:
            raise Unavailable("kwin_wayland is not installed (apt-get install kwin-wayland)")
        # the copy drops the file capability a container cannot grant (see the module's notes)
        kwin = self.base / "kwin_wayland"
        shutil.copy(binary, kwin)
        self.session_bus()
        self.env.update({"XDG_CURRENT_DESKTOP": "KDE", "WAYLAND_DISPLAY": "wayland-onlooker",
                         "QT_LOGGING_RULES": "js=true;kwin_scripting=true"})
        display_file = self.base / "display"
        # KWin starts this program once Xwayland is up, with DISPLAY set to it
        tell = self.base / "tell-display"
        tell.write_text(f'#!/bin/sh\necho "$DISPLAY" > {display_file}\nexec sleep 1d\n')
        tell.chmod(0o755)
        self.proc = self.spawn([str(kwin), "--virtual", "--no-lockscreen", "--xwayland",
                                "--socket", "wayland-onlooker", "--width", "1024", "--height", "768",
                                str(tell)], "kwin.log")
        log = self.base / "kwin.log"
        display = deadline("KWin starting Xwayland", lambda: display_file.exists()
                           and display_file.read_text().strip(), proc=self.proc, log=log)
        self.env["DISPLAY"] = display
        self.install_helper()
        for app in self.APPS:
            self.spawn(["xterm", "-class", app, "-title", app], f"{app}.log")
        deadline("two xterm windows in KWin", lambda: set(self.windows()) >= set(self.APPS),
                 proc=self.proc, log=log)
        return self

    def script(self, source: str, name: str = "onlooker-test-driver"):
        """Run a KWin script of the test's own (loaded and started over KWin's D-Bus)."""
        path = self.base / f"{name}.js"
        path.write_text(source)
        scripting = ("org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting")
        self.call(*scripting, "unloadScript", "s", (name,))
        self.call(*scripting, "loadScript", "ss", (str(path), name))
        self.call(*scripting, "start")

    def windows(self) -> list[str]:
        out = subprocess.run(["xwininfo", "-root", "-tree"], env=self.env, capture_output=True,
                             text=True, timeout=10).stdout
        return re.findall(r'\("[^"]*" "([^"]+)"\)', out)

    def activate(self, app: str) -> None:
        self.script('var cs = workspace.clientList();\n'
                    'for (var i = 0; i < cs.length; i++)\n'
                    f'    if (cs[i].resourceClass == "{app}") workspace.activeClient = cs[i];\n')

    def minimize(self, app: str) -> None:
        self.script('var cs = workspace.clientList();\n'
                    'for (var i = 0; i < cs.length; i++)\n'
                    f'    if (cs[i].resourceClass == "{app}") cs[i].minimized = true;\n')


class GnomeShell(_Desktop):
    """gnome-shell --headless --wayland --virtual-monitor with Onlooker's extension installed by
    ``onlooker desktop install-helper``; windows are foot terminals (app ids onlooker-one/-two)."""

    name = "gnome"
    APPS = ("onlooker-one", "onlooker-two")

    def start(self) -> "GnomeShell":
        for tool in ("gnome-shell", "gsettings", "foot"):
            if shutil.which(tool) is None:
                raise Unavailable(f"{tool} is not installed (apt-get install gnome-shell foot)")
        self.system_bus()
        self.session_bus()
        self.env.update({"XDG_CURRENT_DESKTOP": "GNOME", "WAYLAND_DISPLAY": "wayland-onlooker"})
        said = self.install_helper()
        driver = Path(self.env["XDG_DATA_HOME"]) / "gnome-shell" / "extensions" / DRIVER_UUID
        shutil.copytree(TEST_DRIVER, driver)
        enabled = subprocess.run(["gsettings", "set", "org.gnome.shell", "enabled-extensions",
                                  f"['{HELPER_UUID}', '{DRIVER_UUID}']"], env=self.env,
                                 capture_output=True, text=True, timeout=30)
        assert enabled.returncode == 0, enabled.stderr
        self.install_note = said
        self.proc = self.spawn(["gnome-shell", "--headless", "--wayland", "--no-x11",
                                "--wayland-display=wayland-onlooker",
                                "--virtual-monitor", "1024x768"], "shell.log")
        log = self.base / "shell.log"
        deadline("GNOME Shell starting", lambda: "GNOME Shell started" in log.read_text(
            errors="replace"), timeout=60, proc=self.proc, log=log)
        for app in self.APPS:
            self.spawn(["foot", "--app-id", app], f"{app}.log")
        deadline("two foot windows in GNOME Shell", lambda: set(self.windows()) >= set(self.APPS),
                 proc=self.proc, log=log)
        return self

    def system_bus(self) -> None:
        conf = Path("/usr/share/dbus-1/system.conf").read_text()
        conf = re.sub(r"<listen>.*?</listen>",
                      f"<listen>unix:path={self.base}/system-bus</listen>", conf)
        conf = re.sub(r"<user>.*?</user>|<pidfile>.*?</pidfile>|<standard_system_servicedirs/>",
                      "", conf)
        (self.base / "system.conf").write_text(conf)
        self.env["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus(
            [f"--config-file={self.base}/system.conf"], "system")

    def _driver(self, member: str, sig=None, body=()):
        return self.call("org.gnome.Shell", "/org/onlooker/TestDriver", "org.onlooker.TestDriver",
                         member, sig, body)[0]

    def windows(self) -> list[str]:
        try:
            return list(self._driver("Windows"))
        except Exception:  # noqa: BLE001 (the shell or the driver is not up yet)
            return []

    def activate(self, app: str) -> None:
        assert self._driver("Activate", "s", (app,)), f"no {app} window"

    def minimize(self, app: str) -> None:
        assert self._driver("Minimize", "s", (app,)), f"no {app} window"


def start(kind: str) -> _Desktop:
    desk = {"kde": KWin, "gnome": GnomeShell}[kind]()
    try:
        return desk.start()
    except BaseException:
        desk.stop()
        raise
