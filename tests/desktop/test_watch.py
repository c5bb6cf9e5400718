"""``onlooker watch`` on a real X desktop: what it records, what it never records, how it fails."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.poll import db_rows as rows, poll

pytestmark = pytest.mark.desktop


def wait_for(predicate, timeout=5.0):
    return poll(predicate, timeout)


def test_focus_minimize_restore_recorded_in_order_and_on_time(xdesktop, watcher_factory, tmp_path):
    """Every activation (xdotool and wmctrl), minimize and restore is stored in order, none
    missing, each within 50 ms of the moment the window manager carried it out."""
    zoom = xdesktop.window("zoom", "Zoom Meeting")
    mail = xdesktop.window("mail", "Inbox - private subject")

    def active():
        return int(xdesktop.run("xdotool", "getactivewindow", check=False) or 0)

    xdesktop.run("xdotool", "windowactivate", "--sync", str(zoom))
    assert wait_for(lambda: active() == zoom)
    time.sleep(0.2)
    db = tmp_path / "w.db"
    w = watcher_factory(db)
    ready_at = time.time()  # the starting state was stored before this
    actions = []

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
                  int(ready_at * 1000) + 1)
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


def _xtest(display):
    from Xlib import X, display as xdisplay
    from Xlib.ext import xtest

    d = xdisplay.Display(display)

    def move(i):
        xtest.fake_input(d, X.MotionNotify, x=100 + (i % 400), y=100 + (i % 7))
        d.sync()
    return d, move


SECRETS = ("Zq7x", "zq7xkv3mw9jpltQ4rs")  # 4 and 18 characters (shifted capitals included)


def _at_second_start():
    """Sleep until just after the next whole second, so what follows falls in one second."""
    time.sleep(1.0 - time.time() % 1.0 + 0.02)


def _span_shapes(db, since):
    """Input spans from ``since``: (length, keys, pointer) each, oldest first."""
    return rows(db, "SELECT end - start, keys, pointer FROM input_spans WHERE start >= ? "
                    "ORDER BY start", int(since))


@pytest.mark.parametrize("source", ["xsync", "pynput"])
def test_typed_secrets_leave_no_bytes_and_no_length(xdesktop, watcher_factory, tmp_path, source):
    """xdotool types a 4- and an 18-character secret, each within one second, then 500 pointer
    moves follow: the two typed seconds are stored as identical rows (one second, keyboard yes),
    so a secret's length cannot be read back; the secrets' bytes are nowhere in the database,
    its WAL, the watcher's output or the log. Both input sources give the same rows."""
    term = xdesktop.window("notes", "notes")
    xdesktop.run("xdotool", "windowactivate", "--sync", str(term))
    db = tmp_path / "secret.db"
    w = watcher_factory(db, extra_env={"ONLOOKER_INPUT": source})
    time.sleep(1.5)  # the activation's own input is over
    began = time.time()
    for secret in SECRETS:
        _at_second_start()
        xdesktop.run("xdotool", "type", "--delay", "10", secret)
        time.sleep(1.6)  # a pause of more than a second between the two
    _at_second_start()
    d, move = _xtest(xdesktop.display)
    for i in range(500):
        move(i + 1)
    d.close()
    # read before stopping, so the WAL still holds what was written
    assert wait_for(lambda: len(_span_shapes(db, began)) == 3, 6), _span_shapes(db, began)
    files = {p: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("secret.db")}
    assert w.stop() == 0
    short, long, moves = _span_shapes(db, began)
    assert short == long == (1, 1, 0)  # 4 or 18 characters: the same one row
    assert moves == (1, 0, 1) or moves == (2, 0, 1)  # yes/no, however many moves
    assert rows(db, "SELECT max(keys), max(pointer) FROM input_spans") == [(1, 1)]
    log = subprocess.run([sys.executable, "-m", "onlooker.ui", "--db", str(db), "log"], capture_output=True,
                         text=True, env=xdesktop.env).stdout
    assert '"keys":1' in log.replace(" ", "") and '"keys":18' not in log.replace(" ", "")
    files.update({p: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("secret.db")})
    assert any(name.name.endswith("-wal") for name in files)
    for blob in list(files.values()) + [w.stderr.encode(), log.encode()]:
        for secret in SECRETS:
            for needle in (secret, secret[:4], secret[::-1]):
                assert needle.encode() not in blob
                assert needle.encode("utf-16-le") not in blob
    # the schema has no place for a key identity or a coordinate
    cols = {c[1] for t in ("events", "input_spans") for c in rows(db, f"PRAGMA table_info({t})")}
    assert not cols & {"key", "keycode", "char", "x", "y", "text"}


def test_idle_counters_record_activity_without_pynput_ever_loaded(xdesktop, watcher_factory, tmp_path):
    """With pynput made unimportable, the recorder still records typing and pointer moves: the
    X server's idle counters tell it, and no input event reaches the process. `status` names
    the source and its resolution; the recorder's log says pynput was not imported."""
    stub = tmp_path / "no-pynput" / "pynput"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ImportError("pynput must not be imported here")\n')
    db = tmp_path / "idle.db"
    w = watcher_factory(db, extra_env={"PYTHONPATH": str(stub.parent)})
    time.sleep(1.3)
    began = time.time()
    _at_second_start()
    xdesktop.run("xdotool", "type", "--delay", "30", "hello")
    time.sleep(1.6)
    _at_second_start()
    d, move = _xtest(xdesktop.display)
    for i in range(100):
        move(i + 1)
    d.close()
    assert wait_for(lambda: len(_span_shapes(db, began)) == 2, 6), _span_shapes(db, began)
    status = subprocess.run([sys.executable, "-m", "onlooker.ui", "--db", str(db), "status"],
                            env=xdesktop.env, capture_output=True, text=True).stdout
    assert w.stop() == 0
    typed, moved = _span_shapes(db, began)
    assert typed[1:] == (1, 0) and moved[1:] == (0, 1)
    assert "input: xsync" in status and "no input event reaches Onlooker" in status
    assert "resolution 1 s" in status
    logged = (tmp_path / "state" / "onlooker" / "onlooker.log").read_text()
    assert "input source xsync (resolution 1.0 s); pynput imported: no" in logged


def test_pause_stops_recording_within_a_second_and_resume_restarts(xdesktop, watcher_factory, tmp_path):
    db = tmp_path / "pause.db"
    w = watcher_factory(db)
    d, move = _xtest(xdesktop.display)
    cli = [sys.executable, "-m", "onlooker.ui", "--db", str(db)]
    subprocess.run(cli + ["pause"], check=True, env=xdesktop.env, capture_output=True)
    paused_at = time.time()
    time.sleep(1.0)
    for i in range(200):
        move(i)
    time.sleep(1.5)
    during = rows(db, "SELECT count(*) FROM input_spans WHERE start >= ?", int(paused_at) + 1)
    subprocess.run(cli + ["resume"], check=True, env=xdesktop.env, capture_output=True)
    time.sleep(1.2)  # the paused moves' activity period is over
    resumed_at = time.time()
    for i in range(100):
        move(i + 1)
    assert wait_for(lambda: rows(db, "SELECT count(*) FROM input_spans WHERE start >= ?",
                                 int(resumed_at)) == [(1,)])
    d.close()
    assert w.stop() == 0
    assert during == [(0,)]
    # only the moves after resume: one second (or two, across a boundary) with pointer input
    assert rows(db, "SELECT end - start <= 2, pointer FROM input_spans WHERE start >= ?",
                int(paused_at) + 1) == [(1, 1)]


def test_second_watch_on_the_same_database_refuses(xdesktop, watcher_factory, tmp_path):
    db = tmp_path / "one.db"
    first = watcher_factory(db)
    out = subprocess.run([sys.executable, "-m", "onlooker.ui", "--db", str(db), "watch"], env=xdesktop.env,
                         capture_output=True, text=True, timeout=20)
    assert out.returncode != 0
    assert f"pid {first.proc.pid}" in out.stderr and "already recording" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert first.proc.poll() is None
    status = subprocess.run([sys.executable, "-m", "onlooker.ui", "--db", str(db), "status"],
                            env=xdesktop.env, capture_output=True, text=True)
    assert f"recording: yes (pid {first.proc.pid})" in status.stdout
    assert first.stop() == 0


def test_corrupt_database_is_reported_and_kept(xdesktop, tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    before = db.read_bytes()
    out = subprocess.run([sys.executable, "-m", "onlooker.ui", "--db", str(db), "watch"], env=xdesktop.env,
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 1
    assert "left untouched" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before


@pytest.mark.slow
def test_sigkill_during_writes_keeps_the_database_whole(xdesktop, watcher_factory, tmp_path):
    """20 SIGKILLs while input streams in: integrity_check ok every time, and every second of
    input that was over more than a second before the kill is stored."""
    import random
    import threading

    rnd = random.Random(42)
    db = tmp_path / "kill.db"
    d, move = _xtest(xdesktop.display)
    for round_ in range(20):
        w = watcher_factory(db)
        sent_times = []
        stop = threading.Event()

        def pump():
            i = 0
            while not stop.is_set():
                move(i)
                sent_times.append(time.time())
                i += 1
                time.sleep(0.004)
        t = threading.Thread(target=pump)
        t.start()
        time.sleep(rnd.uniform(1.2, 2.5))
        killed_at = time.time()
        w.proc.send_signal(signal.SIGKILL)
        w.proc.wait()
        stop.set()
        t.join()
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        spans = conn.execute("SELECT start, end FROM input_spans WHERE pointer = 1").fetchall()
        conn.close()
        stored = {s for a, b in spans for s in range(a, b)}
        sent = {int(t) for t in sent_times}
        over_early = {s for s in sent if s + 1 < killed_at - 1.0}
        assert over_early <= stored, (round_, sorted(over_early - stored), killed_at)
        assert stored & set(range(min(sent), max(sent) + 1)) <= sent  # nothing invented
    d.close()


def test_x_server_dying_exits_nonzero_and_keeps_what_was_recorded(tmp_path):
    from tests.desktop.conftest import Desktop, Watcher, _start_xvfb

    xvfb, display = _start_xvfb()
    desk = Desktop(display)
    db = tmp_path / "dies.db"
    try:
        w = Watcher(desk, db)
        d, move = _xtest(display)
        for i in range(50):
            move(i)
        time.sleep(1.8)
        xvfb.kill()
        xvfb.wait()
        code = w.proc.wait(15)
        err = w.proc.stderr.read()
    finally:
        if xvfb.poll() is None:
            xvfb.kill()
    assert code == 1
    assert "lost the X display" in err and "kept" in err
    assert "Traceback" not in err
    assert rows(db, "SELECT max(pointer), count(*) FROM input_spans") == [(1, 1)]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_screen_lock_from_dbus_and_screensaver_is_recorded(xdesktop, tmp_path):
    """A locker's ActiveChanged signal on the session bus, and the X screen saver, both record
    lock and unlock."""
    from tests.desktop.conftest import Watcher

    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                           stdout=subprocess.PIPE, text=True)
    address = bus.stdout.readline().strip()
    try:
        db = tmp_path / "lock.db"
        w = Watcher(xdesktop, db, extra_env={"DBUS_SESSION_BUS_ADDRESS": address})
        time.sleep(0.3)
        env = {**xdesktop.env, "DBUS_SESSION_BUS_ADDRESS": address}
        for value in ("true", "false"):
            subprocess.run(["dbus-send", "--session", "--type=signal", "/org/freedesktop/ScreenSaver",
                            "org.freedesktop.ScreenSaver.ActiveChanged", f"boolean:{value}"],
                           env=env, check=True)
            time.sleep(0.2)
        xdesktop.run("xset", "s", "activate")
        time.sleep(0.2)
        xdesktop.run("xset", "s", "reset")
        time.sleep(1.5)
        assert w.stop() == 0
    finally:
        bus.kill()
        bus.wait()
    got = rows(db, "SELECT kind, json_extract(data, '$.source') FROM events "
                   "WHERE kind IN ('lock','unlock') ORDER BY ts")
    assert got == [("lock", "screensaver-dbus"), ("unlock", "screensaver-dbus"),
                   ("lock", "screensaver"), ("unlock", "screensaver")]


def test_titles_kept_only_when_turned_on_and_then_cleaned(xdesktop, tmp_path):
    """keep_titles = true stores titles with e-mail addresses and long numbers removed, and
    never a private-browsing window's title."""
    from tests.desktop.conftest import Watcher

    cfg = tmp_path / "config.toml"
    cfg.write_text('keep_titles = true\ntitle_deny = "bank"\n')
    a = xdesktop.window("writer", "Letter to ann@example.org re 12345678")
    b = xdesktop.window("firefox", "Secret stuff - Private Browsing")
    c = xdesktop.window("money", "My bank statement")
    db = tmp_path / "titles.db"
    w = Watcher(xdesktop, db, extra_env={"ONLOOKER_CONFIG": str(cfg)})
    for wid in (a, b, c, a):
        xdesktop.run("xdotool", "windowactivate", "--sync", str(wid))
        time.sleep(0.2)
    time.sleep(1.3)
    assert w.stop() == 0
    got = rows(db, "SELECT app, title FROM events WHERE kind = 'focus' ORDER BY ts")[-4:]
    assert got == [("writer", "Letter to [email] re [number]"), ("firefox", None),
                   ("money", None), ("writer", "Letter to [email] re [number]")]


def test_browser_meeting_starts_and_ends_with_its_title(xdesktop, watcher_factory, tmp_path):
    """A browser window whose title turns into 'Meet - ...' starts a meeting; when the title
    changes away, the meeting ends. The title itself is not stored."""
    xdesktop.close()  # no meeting windows left over from earlier tests
    time.sleep(0.3)
    wid = xdesktop.window("firefox", "News - Mozilla Firefox")
    db = tmp_path / "meet.db"
    w = watcher_factory(db)
    def retitle(name):  # a just-started xterm may still set its own title once: insist
        assert wait_for(lambda: xdesktop.run("xdotool", "set_window", "--name", name, str(wid)) == ""
                        and time.sleep(0.1) is None
                        and xdesktop.run("xdotool", "getwindowname", str(wid)) == name)
    retitle("Meet - abc-defg-hij")
    time.sleep(0.5)
    retitle("Inbox - Mozilla Firefox")
    time.sleep(1.5)
    assert w.stop() == 0
    got = rows(db, "SELECT kind, app, title FROM events WHERE kind LIKE 'meeting%' ORDER BY ts")
    assert got == [("meeting_start", "firefox", None), ("meeting_end", None, None)]


def test_retention_deletes_old_recordings_when_the_recorder_starts(xdesktop, tmp_path):
    from onlooker.shim.model import Observation
    from onlooker.storage.db import connect
    from onlooker.storage.store import Store
    from tests.desktop.conftest import Watcher

    db = tmp_path / "old.db"
    now = time.time()
    Store(connect(db)).record([Observation(now - 40 * 86400, "focus", app="OLD-MARKER"),
                               Observation(now - 86400, "focus", app="recent")], [])
    cfg = tmp_path / "config.toml"
    cfg.write_text("retention_days = 30\n")
    w = Watcher(xdesktop, db, extra_env={"ONLOOKER_CONFIG": str(cfg)})
    assert wait_for(lambda: rows(db, "SELECT count(*) FROM events WHERE app = 'OLD-MARKER'") == [(0,)])
    assert w.stop() == 0
    assert rows(db, "SELECT count(*) FROM events WHERE app = 'recent'") == [(1,)]
    for suffix in ("", "-wal"):
        p = tmp_path / ("old.db" + suffix)
        assert not p.exists() or b"OLD-MARKER" not in p.read_bytes()
