"""``onlooker watch`` on a real X desktop: what it records, what it never records, how it fails."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.desktop


def rows(db, sql, *args):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def test_focus_minimize_restore_recorded_in_order_and_on_time(xdesktop, watcher_factory, tmp_path):
    """Every activation (xdotool and wmctrl), minimize and restore is stored in order, none
    missing, each within 50 ms of the moment the window manager carried it out."""
    zoom = xdesktop.window("zoom", "Zoom Meeting")
    mail = xdesktop.window("mail", "Inbox - private subject")
    db = tmp_path / "w.db"
    w = watcher_factory(db)
    actions = []

    def active():
        return int(xdesktop.run("xdotool", "getactivewindow", check=False) or 0)

    def act(expect, *cmd, until=None):
        before = time.time()
        xdesktop.run(*cmd)
        if until is not None:  # wmctrl returns before the WM acts: wait until it has
            assert wait_for(lambda: until(), 5)
        actions.append((expect, before, time.time()))
        time.sleep(0.1)

    for _ in range(10):
        act([("focus", "mail")], "xdotool", "windowactivate", "--sync", str(mail))
        act([("focus", "zoom")], "wmctrl", "-i", "-a", hex(zoom), until=lambda: active() == zoom)
    act([("minimize", "zoom"), ("focus", "mail")], "xdotool", "windowminimize", "--sync", str(zoom),
        until=lambda: active() == mail)
    act([("restore", "zoom"), ("focus", "zoom")], "wmctrl", "-i", "-a", hex(zoom),
        until=lambda: active() == zoom)
    time.sleep(0.3)
    assert w.stop() == 0

    stored = rows(db, "SELECT kind, app, ts / 1000.0 FROM events WHERE kind IN "
                      "('focus','minimize','restore') AND ts >= ? ORDER BY ts, id",
                  int((actions[0][1] - 0.05) * 1000))
    expected = [pair for exp, _, _ in actions for pair in exp]
    assert [(k, a) for k, a, _ in stored] == expected  # in order, none missing, nothing extra
    i = 0
    for exp, before, after in actions:
        for _ in exp:
            ts = stored[i][2]
            assert before - 0.05 <= ts <= after + 0.05, (stored[i], ts - before, after - before)
            i += 1
    # no titles without keep_titles; the meeting was recognised from the Zoom window
    assert rows(db, "SELECT count(*) FROM events WHERE title IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT app, category FROM events WHERE kind = 'meeting_start'") == [("zoom", "meeting")]
