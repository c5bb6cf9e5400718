"""The status icon on a private session bus: it registers with a StatusNotifierWatcher, and its
menu (com.canonical.dbusmenu, clicked as a panel clicks it) pauses, resumes and stops a real
recorder."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.ui.tray import look, menu
from tests.poll import until

from .session_bus import Host, StatusNotifierWatcher, session_bus  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def wait_for(what, deadline_s=15.0, every=0.05):
    return until(what, deadline_s, every)


def onlooker(env, db, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.fixture
def procs():
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_tray_menu_pauses_resumes_and_quits_a_real_recorder(session_bus, tmp_path,  # noqa: F811
                                                              procs):
    db = tmp_path / "t.db"
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": session_bus, "ONLOOKER_BACKEND": "fake",
           "ONLOOKER_FAKE_LOG": "attentive-student"}
    recorder = onlooker(env, db, "watch")
    procs.append(recorder)
    assert "recording into" in recorder.stderr.readline()
    watcher = StatusNotifierWatcher(session_bus)
    try:
        tray = onlooker(env, db, "tray")
        procs.append(tray)
        assert watcher.registered.wait(20), tray.stderr.read() if tray.poll() is not None else ""
        assert "status icon is in the tray" in tray.stderr.readline()
        host = Host(session_bus, *watcher.items[0])
        title = lambda: host.properties()["ToolTip"][2]  # noqa: E731
        wait_for(lambda: title() == "Onlooker is recording")
        props = host.properties()
        assert (props["Status"], props["IconName"], props["Menu"]) == \
            ("Active", "media-record", "/MenuBar")
        items = host.menu()
        assert items["Pause 30 min"][1] and not items["Resume"][1]
        assert {"Open dashboard", "Quit recording"} <= set(items)

        store = Store(connect(db, readonly=True))
        t_pause = time.time()
        host.click("Pause 30 min")
        until = store.paused_until()
        assert until is not None and abs(until - (t_pause + 1800)) < 5
        assert title().startswith("Onlooker is paused until")
        assert host.menu()["Resume"][1] and not host.menu()["Pause 30 min"][1]
        # while paused, the recorder drops what happens: the scenario's input (0-40 s) is lost
        time.sleep(3)  # a stretch of time with nothing recorded is the behaviour under test
        t_resume = time.time()
        host.click("Resume")
        assert store.paused_until() is None
        assert store.counts(t_pause + 1, t_resume - 1)["active_seconds"] == 0
        # resumed: the recorder reports the app in front and counts input again
        wait_for(lambda: store.counts(t_resume, time.time() + 60)["focus_changes"] >= 1)
        wait_for(lambda: store.counts(t_resume, time.time() + 60)["active_seconds"] >= 1)
        assert title() == "Onlooker is recording"

        host.click("Quit recording")
        assert recorder.wait(15) == 0  # a clean stop: everything recorded is saved
        wait_for(lambda: title() == "Onlooker is not recording")
        assert not host.menu()["Quit recording"][1]
        host.click("Close this icon")
        assert tray.wait(15) == 0
        host.close()
    finally:
        watcher.close()


def test_without_a_watcher_the_tray_says_where_icons_show_and_keeps_waiting(
        session_bus, tmp_path, procs):  # noqa: F811
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": session_bus}
    tray = onlooker(env, tmp_path / "t.db", "tray")
    procs.append(tray)
    line = tray.stderr.readline()
    assert "no StatusNotifierWatcher" in line and "GNOME needs the AppIndicator extension" in line
    watcher = StatusNotifierWatcher(session_bus)  # a panel starts later: the icon joins it
    try:
        assert watcher.registered.wait(15)
        host = Host(session_bus, *watcher.items[0])
        assert host.properties()["ToolTip"][2] == "Onlooker is not recording"
        host.close()
    finally:
        watcher.close()
    tray.terminate()
    assert tray.wait(15) == 0


def test_tray_without_a_session_bus_is_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    out = subprocess.run([sys.executable, "-m", "onlooker.ui", "tray"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert out.stderr.strip() == ("onlooker: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is "
                                  "not set); start the tray from within your desktop session")


def test_the_icon_and_menu_follow_the_state():
    assert look(True, None, []).title == "Onlooker is recording"
    flagged = look(True, None, ["A 2020 Zoom host would now see the clock icon next to your name"])
    assert (flagged.status, flagged.icon) == ("NeedsAttention", "dialog-warning")
    assert "clock icon" in flagged.detail
    paused = look(True, float("inf"), ["ignored while paused"])
    assert paused.title == "Onlooker is paused until resumed" and paused.status == "Active"
    enabled = {i.label: i.enabled for i in menu(paused) if not i.separator}
    assert enabled == {"Onlooker is paused until resumed": False, "Pause 30 min": False,
                       "Resume": True, "Open dashboard": True, "Quit recording": True,
                       "Close this icon": True}
    assert not {i.label: i.enabled for i in menu(look(False, None, []))}["Quit recording"]


def test_the_icon_asks_for_attention_while_a_tracker_would_flag_you(tmp_path):
    """A recorder holds the database; the meeting window has been out of focus for 90 s while
    someone shares: a 2020 Zoom host would see the clock icon, and the icon says so."""
    from onlooker.shim.obslog import parse
    from onlooker.storage.loadlog import load_log
    from onlooker.storage.lockfile import RecorderLock
    from onlooker.ui.tray import Actions

    db = tmp_path / "t.db"
    lines = ['{"at": 0, "event": "focus", "app": "zoom"}',
             '{"at": 0, "event": "meeting_start", "app": "zoom"}',
             '{"at": 0, "event": "share_start"}',
             '{"at": 30, "event": "focus", "app": "thunderbird"}']
    header, events = parse(lines)
    load_log(Store(connect(db)), header, events, time.time() - 120)
    actions = Actions(db, tmp_path / "config.toml", [sys.executable, "-m", "onlooker.ui"])
    assert actions.state().title == "Onlooker is not recording"
    lock = RecorderLock(db).acquire()
    try:
        state = actions.state()
    finally:
        lock.release()
    assert (state.status, state.title) == ("NeedsAttention", "A tracker would flag you now")
    assert "clock icon" in state.detail
