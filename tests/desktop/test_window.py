"""The dashboard in a real pywebview (GTK) window under Xvfb, and the recorder feeding it live."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS

pytestmark = pytest.mark.desktop
ROOT = Path(__file__).resolve().parents[2]


def listening_ports(pid: int) -> set[int]:
    """TCP ports this process listens on, from /proc (no extra tools)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            next(fh)
            for line in fh:
                parts = line.split()
                if parts[3] == "0A" and parts[9] in inodes:
                    ports.add(int(parts[1].split(":")[1], 16))
    return ports


def pixels(png: Path, colour: str) -> int:
    out = subprocess.run(["convert", str(png), "-format", "%c", "histogram:info:-"],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(line.split(":")[0]) for line in out.splitlines() if colour.lower() in line.lower())


def test_dashboard_window_shows_the_dashboard_and_closes_its_port(xdesktop, tmp_path):
    from tests.ui.conftest import seed

    db = tmp_path / "win.db"
    seed(db)
    proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), "dashboard"], cwd=ROOT,
                            env=xdesktop.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 40
        wid = ""
        while time.time() < deadline and not wid:
            wid = xdesktop.run("xdotool", "search", "--name", "^Onlooker — dashboard$", check=False)
            time.sleep(0.3)
        assert wid, proc.stderr.read() if proc.poll() is not None else "no window"
        ARTIFACTS.mkdir(exist_ok=True)
        png = ARTIFACTS / "dashboard-window.png"
        blue = 0
        while time.time() < deadline and blue < 2000:  # until the page has drawn its timeline
            time.sleep(0.5)
            xdesktop.run("import", "-window", "root", str(png))
            blue = pixels(png, "#1F4E79")
        assert blue >= 2000, "the timeline's in-focus segments never appeared"
        ports = listening_ports(proc.pid)
        assert len(ports) == 1  # only the dashboard's own loopback port; no bottle server, no CDP
        port = ports.pop()
        xdesktop.run("wmctrl", "-i", "-c", wid.split()[0])
        assert proc.wait(20) == 0
        import socket
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.browser
def test_open_dashboard_follows_the_recorder_live_and_its_pause_stops_recording(
        xdesktop, watcher_factory, chromium, tmp_path):
    """While 'onlooker watch' records, a focus change shows in the open dashboard within 2 s;
    pressing Pause there stops the recorder from storing input."""
    from Xlib import X, display as xdisplay
    from Xlib.ext import xtest

    db = tmp_path / "live.db"
    first = xdesktop.window("editor", "editor")
    w = watcher_factory(db)
    dash = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), "dashboard", "--browser"],
                            cwd=ROOT, env=xdesktop.env, stdout=subprocess.PIPE, text=True)
    try:
        url = next(line.split("dashboard: ")[1].strip() for line in dash.stdout if "dashboard: " in line)
        ctx = chromium.new_context(viewport={"width": 1300, "height": 900})
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_selector(".chip.live")
        page.wait_for_selector("#timeline svg")
        second = xdesktop.window("spreadsheet", "numbers")
        xdesktop.run("xdotool", "windowactivate", "--sync", str(second))
        changed = time.time()
        page.wait_for_selector("#timeline title:has-text('spreadsheet in front')", timeout=5000,
                               state="attached")
        assert time.time() - changed <= 2.5
        page.click("#tab-data")
        page.select_option("#pause-for", "")
        page.click("#pause")
        page.wait_for_selector(".chip:has-text('paused')")
        paused_at = time.time()
        time.sleep(1.2)
        d = xdisplay.Display(xdesktop.display)
        for i in range(100):
            xtest.fake_input(d, X.MotionNotify, x=200 + i, y=200)
        d.sync()
        d.close()
        time.sleep(1.5)
        import sqlite3
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        stored = conn.execute("SELECT coalesce(sum(pointer), 0) FROM input_spans WHERE start >= ?",
                              (int(paused_at) + 1,)).fetchone()[0]
        conn.close()
        assert stored == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-live-paused.png"), full_page=True)
        ctx.close()
    finally:
        dash.terminate()
        dash.wait(10)
        assert w.stop() == 0
    del first
