"""A real virtual desktop per test module: Xvfb + openbox, driven with xdotool and wmctrl."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

NEEDED = ["Xvfb", "openbox", "xdotool", "wmctrl", "xterm"]


def _start_xvfb():
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(w)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            raise RuntimeError("Xvfb did not start")
        number += chunk
    os.close(r)
    return proc, f":{number.decode().strip()}"


class Desktop:
    def __init__(self, display: str):
        self.display = display
        self.env = {**os.environ, "DISPLAY": display}
        self.env.pop("WAYLAND_DISPLAY", None)
        self.procs: list[subprocess.Popen] = []

    def run(self, *args, check=True) -> str:
        out = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=30)
        if check and out.returncode != 0:
            raise RuntimeError(f"{args}: {out.stderr}")
        return out.stdout.strip()

    def window(self, cls: str, title: str) -> int:
        """Open an xterm with this WM_CLASS and title; return its window id once mapped."""
        before = set(self.run("xdotool", "search", "--class", cls, check=False).split())
        proc = subprocess.Popen(["xterm", "-class", cls, "-T", title, "-e", "sleep", "600"],
                                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        deadline = time.time() + 10
        while time.time() < deadline:
            out = self.run("xdotool", "search", "--onlyvisible", "--class", cls, check=False)
            new = [w for w in out.split() if w not in before]  # not a closing window of the same class
            if new:
                return int(new[-1])
            time.sleep(0.05)
        raise RuntimeError(f"window {cls} did not appear")

    def close(self):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()
        self.procs = []


@pytest.fixture(scope="module")
def xdesktop(tmp_path_factory):
    missing = [t for t in NEEDED if shutil.which(t) is None]
    if missing:
        pytest.fail(f"the desktop tests need {missing}; run ./bootstrap test (it installs them)")
    xvfb, display = _start_xvfb()
    env = {**os.environ, "DISPLAY": display}
    wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while subprocess.run(["wmctrl", "-m"], env=env, capture_output=True).returncode != 0:
        if time.time() > deadline:
            raise RuntimeError("openbox did not start")
        time.sleep(0.05)
    desk = Desktop(display)
    desk.env["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))  # not the real user's
    desk.xvfb = xvfb
    yield desk
    desk.close()
    wm.kill()
    xvfb.kill()
    wm.wait()
    xvfb.wait()


class Watcher:
    """``onlooker watch`` as a real subprocess."""

    def __init__(self, desk: Desktop, db: Path, extra_env=None):
        self.db = db
        # the recorder's log goes beside the test's database, not into the real state directory
        env = {**desk.env, "XDG_STATE_HOME": str(db.parent / "state"), **(extra_env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), "watch"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=Path(__file__).resolve().parents[2])
        line = self.proc.stderr.readline()
        if "recording into" not in line:
            self.proc.kill()
            raise RuntimeError(f"watch did not start: {line}{self.proc.stderr.read()}")

    def stop(self, sig=None) -> int:
        import signal

        self.proc.send_signal(sig or signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.stderr = self.proc.stderr.read()
        return self.proc.returncode


@pytest.fixture
def watcher_factory(xdesktop):
    started = []

    def start(db, **kw):
        w = Watcher(xdesktop, db, **kw)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()
