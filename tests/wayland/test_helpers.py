"""The GNOME and KWin helpers: their files are valid, install-helper puts them where the desktop
looks, and their D-Bus messages reach the store's sink through the real backend on a private
session bus (a real dbus-daemon), with a stand-in for gnome-shell speaking the extension's
exact messages (what a fake can provoke that a real shell will not, such as forged senders).
The helpers inside a real KWin and GNOME Shell: test_kwin.py, test_gnome.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from onlooker.shim.backends import _gnome
from onlooker.shim.counter import InputCounter
from onlooker.shim.errors import BackendUnavailable
from tests.desktop.session_bus import session_bus  # noqa: F401 (a fixture)

HELPERS = Path(_gnome.__file__).parent / "helpers"


@pytest.mark.parametrize("variant", ["legacy", "esm"])
def test_the_gnome_extension_is_well_formed(variant):
    meta = json.loads((HELPERS / "gnome" / variant / "metadata.json").read_text())
    assert meta["uuid"] == "onlooker-helper@onlooker" and meta["name"] and meta["description"]
    assert all(v.isdigit() for v in meta["shell-version"])
    source = (HELPERS / "gnome" / variant / "extension.js").read_text()
    assert "notify::focus-window" in source and "notify::minimized" in source
    assert "setInterval" not in source and "timeout_add" not in source  # event-driven only
    assert "'org.onlooker.Recorder'" in source  # unicast to Onlooker, not broadcast
    _js_syntax(HELPERS / "gnome" / variant / "extension.js", module=variant == "esm")


def test_the_kwin_script_is_well_formed():
    meta = json.loads((HELPERS / "kwin" / "metadata.json").read_text())
    assert meta["KPlugin"]["Id"] == "onlooker-helper"
    assert meta["X-Plasma-API"] == "javascript" and meta["KPackageStructure"] == "KWin/Script"
    script = HELPERS / "kwin" / "contents" / "code" / "main.js"
    source = script.read_text()
    assert "windowActivated" in source and "clientActivated" in source  # Plasma 6 and 5
    assert "setInterval" not in source and "Timer" not in source
    _js_syntax(script, module=False)


def _js_syntax(path: Path, module: bool) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs) to check JavaScript syntax")
    copy = path.read_text()
    suffix = ".mjs" if module else ".js"
    tmp = Path(subprocess.run(["mktemp", "--suffix", suffix], capture_output=True, text=True,
                              check=True).stdout.strip())
    try:
        tmp.write_text(copy)
        out = subprocess.run([node, "--check", str(tmp)], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
    finally:
        tmp.unlink()


def test_install_helper_puts_each_helper_where_its_desktop_looks(tmp_path):
    from onlooker.ui.desktop_helpers import install, target, uninstall

    env = {"XDG_DATA_HOME": str(tmp_path)}
    done = install("kde", env)
    assert (done.path / "contents" / "code" / "main.js").is_file() and not done.relogin
    done = install("gnome", env, gnome_version=43)
    assert done.relogin and "import " not in (done.path / "extension.js").read_text()
    assert install("gnome", env, gnome_version=46).path == target("gnome", env)
    assert "export default" in (target("gnome", env) / "extension.js").read_text()
    assert set(uninstall("gnome", env) + uninstall("kde", env)) == {target("gnome", env),
                                                                    target("kde", env)}
    assert not any(tmp_path.rglob("*.js"))


class FakeShell:
    """Owns org.gnome.Shell on the bus and behaves as the extension does: Resend() answers with
    the windows and the focus, and ``send`` emits a signal addressed to Onlooker only."""

    def __init__(self, address: str, export: bool = True):
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address)
        self.conn.send_and_get_reply(message_bus.RequestName("org.gnome.Shell"), timeout=5)
        self.export = export
        self.windows = {"1": ("zoom", "Zoom Meeting"), "2": ("org.gnome.Terminal", "~")}
        self.focused = "2"
        self._lock = threading.Lock()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        while True:
            try:
                msg = self.conn.receive()
            except OSError:
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            if self.export and msg.header.fields.get(HeaderFields.member) == "Resend":
                with self._lock:
                    self.conn.send(new_method_return(msg))
                for wid, _ in self.windows.items():
                    self.send("seen", wid)
                self.send("focus", self.focused)
            else:
                with self._lock:
                    self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownObject"))

    def send(self, event: str, wid: str):
        from jeepney import DBusAddress, new_signal

        app, title = self.windows.get(wid, ("", ""))
        msg = new_signal(DBusAddress("/org/onlooker/Helper", bus_name="org.onlooker.Recorder",
                                     interface="org.onlooker.Helper1"), "Window", "ssss",
                         (event, wid, app, title))
        with self._lock:
            self.conn.send(msg)


def _wait(items, test, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = [o for o in list(items) if test(o)]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"not observed; got {items}")


def test_gnome_helper_messages_become_focus_minimize_and_meetings(session_bus):  # noqa: F811
    shell = FakeShell(session_bus)
    seen: list = []
    backend = _gnome.Backend(seen.append, InputCounter(), env={
        "DBUS_SESSION_BUS_ADDRESS": session_bus}).start()
    try:
        _wait(seen, lambda o: o.kind == "focus" and o.app == "org.gnome.Terminal")  # the start
        assert backend.blind_spots  # no Mutter idle monitor on this bus: said so
        t0 = time.time()
        shell.send("focus", "1")
        focus = _wait(seen, lambda o: o.kind == "focus" and o.app == "zoom")[0]
        assert 0 <= focus.ts - t0 < 0.5 and focus.title is None and focus.category == "meeting"
        assert any(o.kind == "meeting_start" and o.app == "zoom" for o in seen)
        shell.send("minimize", "1")
        _wait(seen, lambda o: o.kind == "minimize" and o.app == "zoom")
        shell.send("gone", "1")
        _wait(seen, lambda o: o.kind == "meeting_end")
    finally:
        backend.stop()


def test_messages_from_another_program_are_ignored(session_bus):  # noqa: F811
    FakeShell(session_bus)
    seen: list = []
    backend = _gnome.Backend(seen.append, InputCounter(), env={
        "DBUS_SESSION_BUS_ADDRESS": session_bus}).start()
    try:
        _wait(seen, lambda o: o.kind == "focus")
        count = len(seen)
        from jeepney.io.blocking import open_dbus_connection

        forger = open_dbus_connection(bus=session_bus)
        forger.send(__import__("jeepney").new_signal(
            __import__("jeepney").DBusAddress("/x", bus_name="org.onlooker.Recorder",
                                              interface="org.onlooker.Helper1"),
            "Window", "ssss", ("focus", "9", "evil", "")))
        time.sleep(0.3)  # nothing to wait for: the point is that nothing arrives
        assert len(seen) == count
    finally:
        backend.stop()


def test_watch_says_the_gnome_helper_is_missing(session_bus):  # noqa: F811
    FakeShell(session_bus, export=False)
    with pytest.raises(BackendUnavailable, match="install-helper"):
        _gnome.Backend(lambda o: None, InputCounter(),
                       env={"DBUS_SESSION_BUS_ADDRESS": session_bus}).start()
