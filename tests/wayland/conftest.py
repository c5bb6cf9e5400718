"""A real headless sway per test module (wlroots 0.15 on Debian 12), with foot windows, driven
over sway's IPC. sway refuses to run as root, so as root it runs as uid 65534 with its own
XDG_RUNTIME_DIR (research: browser-and-wayland.md); clients (foot, the backend) connect to its
socket by path."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from tests.poll import until

NEEDED = ["sway", "foot", "wtype", "setpriv"]
NOBODY = 65534


def _deadline(what: str, check, timeout: float = 10.0):
    return until(check, timeout, what=what)


class Sway:
    def __init__(self, runtime: str, proc: subprocess.Popen, cache: str):
        self.runtime = runtime
        self.proc = proc
        self.socket = _deadline("sway's IPC socket",
                                lambda: (glob.glob(f"{runtime}/sway-ipc.*.sock") or [None])[0])
        _deadline("sway's Wayland socket", lambda: os.path.exists(f"{runtime}/wayland-1"))
        self.env = {**os.environ, "XDG_RUNTIME_DIR": runtime, "WAYLAND_DISPLAY": "wayland-1",
                    "SWAYSOCK": self.socket, "XDG_SESSION_TYPE": "wayland",
                    "XDG_CURRENT_DESKTOP": "sway", "XDG_CACHE_HOME": cache}
        for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_SESSION_ID", "ONLOOKER_BACKEND"):
            self.env.pop(key, None)
        from i3ipc import Connection

        self.ipc = Connection(socket_path=self.socket)
        self.clients: list[subprocess.Popen] = []

    def command(self, text: str) -> tuple[float, float]:
        """Run a sway command; the wall-clock window [before, after] it ran in."""
        before = time.time()
        replies = self.ipc.command(text)
        after = time.time()
        assert replies and all(r.success for r in replies), f"sway refused {text!r}: {replies}"
        return before, after

    def window(self, app_id: str) -> None:
        """Open a foot terminal with this app id and wait until sway manages it."""
        self.clients.append(subprocess.Popen(["foot", "--app-id", app_id], env=self.env,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _deadline(f"the {app_id} window", lambda: any(
            c.app_id == app_id for c in self.ipc.get_tree().descendants()))

    def close_windows(self) -> None:
        for p in self.clients:
            p.terminate()
        for p in self.clients:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        self.clients = []


@contextlib.contextmanager
def running_sway():
    """A headless sway for the tests and the ``wayland`` benchmark; AssertionError saying why
    when it cannot start."""
    missing = [t for t in NEEDED if shutil.which(t) is None]
    assert not missing, (f"the Wayland tests need {', '.join(missing)}: run ./bootstrap test "
                         "(it installs sway, foot and wtype)")
    runtime = tempfile.mkdtemp(prefix="onlooker-sway-")
    cache = tempfile.mkdtemp(prefix="onlooker-wlcache-")
    config = os.path.join(runtime, "config")
    with open(config, "w") as fh:
        fh.write("output HEADLESS-1 resolution 1280x800\nxwayland disable\n")
    os.chmod(config, 0o644)
    env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": runtime, "HOME": runtime,
           "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman"}
    cmd = ["sway", "-c", config]
    if os.geteuid() == 0:  # sway will not run as root
        os.chown(runtime, NOBODY, NOBODY)
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + cmd
    os.chmod(runtime, 0o700)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            s = Sway(runtime, proc, cache)
        except AssertionError:
            proc.kill()
            err = proc.stderr.read().decode(errors="replace")[-500:]
            raise AssertionError(f"sway did not start: {err}") from None
        try:
            yield s
        finally:
            s.close_windows()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture(scope="module")
def sway():
    pytest.importorskip("pywayland", reason="pip install 'onlooker[wayland]'")
    try:
        cm = running_sway()
        s = cm.__enter__()
    except AssertionError as exc:
        pytest.fail(str(exc))
    yield s
    cm.__exit__(None, None, None)
