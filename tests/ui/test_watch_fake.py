"""``watch`` against the fake backend: in-process, fast, no X server. What is recorded, in what
order, what a pause drops, and that stopping (SIGTERM or a caller) loses nothing."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from onlooker.shim.backends import _fake
from onlooker.shim.counter import InputCounter
from onlooker.shim.errors import BackendUnavailable
from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.ui.config import Config
from onlooker.ui.watch import Recorder, watch
from tests.poll import db_rows as rows, poll

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = [  # log time, event
    {"at": 0, "event": "focus", "app": "zoom", "title": "Zoom Meeting"},
    {"at": 0, "event": "meeting_start", "app": "zoom"},
    {"at": 0, "event": "input", "until": 3, "keys": 4, "pointer": 9},
    {"at": 2, "event": "share_start"},
    {"at": 4, "event": "focus", "app": "thunderbird", "title": "Inbox - ann@example.org"},
    {"at": 6, "event": "minimize", "app": "zoom"},
    {"at": 8, "event": "lock"},
    {"at": 10, "event": "unlock"},
    {"at": 12, "event": "restore", "app": "zoom"},
    {"at": 14, "event": "share_end"},
    {"at": 16, "event": "meeting_end"},
    {"at": 18, "event": "end"},
]


def write_log(path: Path, lines) -> Path:
    head = {"onlooker": "log", "version": 1, "start": "2026-11-23T10:00:00Z", "title": "test"}
    path.write_text("\n".join(json.dumps(x) for x in [head, *lines]) + "\n")
    return path


def wait_for(predicate, timeout=10.0):
    return poll(predicate, timeout, every=0.02)


def fake_env(log: Path, speed: float) -> dict:
    return {**os.environ, "ONLOOKER_BACKEND": "fake", "ONLOOKER_FAKE_LOG": str(log),
            "ONLOOKER_FAKE_SPEED": str(speed)}


def test_watch_records_the_scenario_in_order_with_times_from_its_start(tmp_path):
    """Focus, meeting, sharing, minimize, lock and restore rows arrive in the log's order, each
    stamped at (start + log time); the input counts are exactly the log's; the recorder ends
    by itself at the log's end with everything saved (exit 0)."""
    db = tmp_path / "w.db"
    log = write_log(tmp_path / "s.jsonl", SCENARIO)
    messages = []
    before = time.time()
    code = watch(db, Config(), env=fake_env(log, 40),
                 echo=lambda m, err=False: messages.append(m))
    assert code == 0, messages
    assert messages[-1] == "onlooker: stopped; everything recorded is saved"
    got = rows(db, "SELECT kind, app, category, ts / 1000.0 FROM events ORDER BY ts, id")
    expected = [(e["event"], e.get("app")) for e in SCENARIO if e["event"] not in ("input", "end")]
    assert [(k, a) for k, a, _, _ in got] == expected
    origin = got[0][3]
    assert before - 0.01 <= origin <= before + 1.0
    assert [round(ts - origin, 2) for *_, ts in got] == \
        [e["at"] for e in SCENARIO if e["event"] not in ("input", "end")]
    assert dict((a, c) for k, a, c, _ in got if k == "focus") == \
        {"zoom": "meeting", "thunderbird": "other"}  # classified as a real backend would
    assert rows(db, "SELECT count(*) FROM events WHERE title IS NOT NULL") == [(0,)]
    # yes/no per span, never the log's counts (4 keys, 9 pointer events)
    assert rows(db, "SELECT max(keys), max(pointer), sum(end - start) FROM input_spans") == [(1, 1, 3)]


def test_pause_drops_what_happens_and_resume_restarts_with_what_is_in_front(tmp_path):
    """Paused from the start, nothing is stored; on resume the app in front is recorded at
    once (the snapshot), then what follows."""
    db = tmp_path / "p.db"
    log = write_log(tmp_path / "p.jsonl", [
        {"at": 0, "event": "focus", "app": "a"},
        {"at": 0, "event": "input", "until": 1, "keys": 3},
        {"at": 0.3, "event": "focus", "app": "b"},
        {"at": 2.5, "event": "focus", "app": "c"},
        {"at": 3, "event": "end"},
    ])
    Store(connect(db)).set_paused(float("inf"))
    recorder = Recorder(db, Config(), env=fake_env(log, 1)).start()
    try:
        assert wait_for(lambda: recorder.backend.log_time() > 1.2)  # a and b came and went
        Store(connect(db)).set_paused(None)
        resumed = time.time()
        recorder.writer.poke()  # what 'onlooker resume' does through SIGUSR1
        assert recorder.ended.wait(10)
    finally:
        assert recorder.stop() == 0
    got = rows(db, "SELECT kind, app, ts / 1000.0 FROM events WHERE kind = 'focus' ORDER BY ts")
    assert [(k, a) for k, a, _ in got] == [("focus", "b"), ("focus", "c")]
    assert got[0][2] >= resumed - 0.01  # the snapshot is stamped when recording resumed
    assert rows(db, "SELECT count(*) FROM input_spans") == [(0,)]


def test_stop_from_the_caller_flushes_what_was_queued(tmp_path):
    """watch() run by a caller (another thread) and stopped before the first batch was due:
    the starting state is saved, nothing after it was invented."""
    db = tmp_path / "s.db"
    log = write_log(tmp_path / "s.jsonl", [{"at": 0, "event": "focus", "app": "editor"},
                                          {"at": 0, "event": "lock"},
                                          {"at": 500, "event": "focus", "app": "later"}])
    stop, started = threading.Event(), threading.Event()
    result = {}

    def echo(message, err=False):
        if "recording into" in message:
            started.set()

    t = threading.Thread(target=lambda: result.update(code=watch(db, Config(), env=fake_env(log, 1),
                                                                 echo=echo, stop=stop)))
    t.start()
    assert started.wait(10)
    stop.set()
    t.join(15)
    assert result == {"code": 0}
    assert rows(db, "SELECT kind, app FROM events ORDER BY ts, id") == [("focus", "editor"),
                                                                        ("lock", None)]


def test_sigterm_flushes_and_the_recorder_log_is_private(tmp_path):
    """`onlooker watch` (fake backend) killed with SIGTERM right after it started: exit 0, the
    starting state is in the database, and its log is in the XDG state directory, 0600."""
    db = tmp_path / "t.db"
    log = write_log(tmp_path / "t.jsonl", [{"at": 0, "event": "focus", "app": "editor"},
                                          {"at": 500, "event": "focus", "app": "later"}])
    env = {**fake_env(log, 1), "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), "watch"],
                            env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert "recording into" in proc.stderr.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in proc.stderr.read()
    assert rows(db, "SELECT kind, app FROM events") == [("focus", "editor")]
    logfile = tmp_path / "state" / "onlooker" / "onlooker.log"
    assert (logfile.stat().st_mode & 0o777, logfile.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    text = logfile.read_text()
    assert "recording into" in text and "recorder stopped; everything recorded is saved" in text


# (pynput is needed only where the X server has no idle counters, so it is not checked up front)
@pytest.mark.parametrize("module, package", [("Xlib", "python-xlib"), ("jeepney", "jeepney")])
def test_a_missing_package_is_one_line_naming_what_to_install(tmp_path, module, package):
    """With the module hidden, `watch` says what to install in one line, exits 2, shows no
    traceback and creates no database."""
    db = tmp_path / "none.db"
    code = (f"import sys; sys.modules[{module!r}] = None; "
            "from onlooker.ui.cli import main; sys.argv = ['onlooker', '--db', sys.argv[1], 'watch']; "
            "main()")
    env = {**os.environ, "DISPLAY": ":99"}
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("ONLOOKER_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", code, str(db)], env=env, capture_output=True,
                         text=True, timeout=30, cwd=ROOT)
    assert out.returncode == 2
    assert out.stderr == f"onlooker: the X11 backend needs {package}: pip install {package}\n"
    assert not db.exists()


def test_bad_fake_settings_are_one_line_each(tmp_path):
    counter = InputCounter()
    with pytest.raises(BackendUnavailable, match="set ONLOOKER_FAKE_LOG"):
        _fake.Backend(print, counter, env={})
    with pytest.raises(BackendUnavailable, match="ONLOOKER_FAKE_SPEED=fast: give a number above 0"):
        _fake.Backend(print, counter, env={"ONLOOKER_FAKE_LOG": "x", "ONLOOKER_FAKE_SPEED": "fast"})
    with pytest.raises(BackendUnavailable, match="no such file or bundled example.*phone-break"):
        _fake.Backend(print, counter, env={"ONLOOKER_FAKE_LOG": "nope"}).start()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": 0, "event": "focus"}\n')
    with pytest.raises(BackendUnavailable, match=r"bad.jsonl: line 1: focus needs 'app'"):
        _fake.Backend(print, counter, env={"ONLOOKER_FAKE_LOG": str(bad)}).start()


def test_a_bundled_example_is_selectable_by_name_and_spreads_input_over_its_seconds():
    """The fake resolves a bundled scenario by name; an input span's counts are spread over
    its seconds so the total is the log's."""
    assert _fake.resolve_log("phone-break").name == "phone-break.jsonl"
    assert _fake.spread(5, 20).count(1) == 5 and sum(_fake.spread(5, 20)) == 5
    assert sum(_fake.spread(None, 3)) == 0 and len(_fake.spread(None, 3)) == 3


def test_live_demo_recording_arrives_while_it_plays_and_stops_at_the_end(tmp_path, monkeypatch):
    """`demo --live`'s recorder: rows appear while the scenario plays (the dashboard sees a
    recorder holding the database), and at the scenario's end it stops by itself with all of
    the scenario stored."""
    from onlooker.storage.lockfile import holder
    from onlooker.ui.watch import replaying

    db = tmp_path / "live.db"
    log = write_log(tmp_path / "l.jsonl", SCENARIO)
    monkeypatch.setenv("ONLOOKER_FAKE_SPEED", "8")
    with replaying(log, db, Config(), echo=lambda *a, **k: None) as recorder:
        assert holder(db) == os.getpid()
        assert wait_for(lambda: rows(db, "SELECT count(*) FROM events WHERE kind = 'focus'")
                        == [(2,)])  # thunderbird (log time 4) while the scenario plays
        assert not recorder.ended.is_set()
        assert recorder.ended.wait(10)
        assert wait_for(lambda: holder(db) is None)
    assert rows(db, "SELECT count(*) FROM events") == [(10,)]


@pytest.mark.parametrize("name", ["fake", "x11"])
def test_every_backend_meets_the_contract_in_its_declarations(name):
    """Each backend module exports Backend, a BaseBackend declaring what it observes with the
    contract's words, and input at a stated resolution (importing it connects to nothing)."""
    from onlooker.shim import backends
    from onlooker.shim.backends._base import CAPABILITIES, BaseBackend

    backend = backends.load(name).Backend
    assert issubclass(backend, BaseBackend) and backend.name == name
    assert {"focus", "input"} <= backend.capabilities <= CAPABILITIES
    assert backend.input_resolution_s == 1.0


def test_a_live_demonstration_shows_only_what_has_been_played(tmp_path, monkeypatch):
    """While `demo --live` plays, the dashboard's day ends at the latest recorded moment: no
    time that has not been played yet is shown as idle or flagged."""
    from onlooker.ui.dashboard.api import DashboardAPI
    from onlooker.ui.service import Service
    from onlooker.ui.watch import replaying

    db = tmp_path / "live.db"
    log = write_log(tmp_path / "l.jsonl", SCENARIO)
    monkeypatch.setenv("ONLOOKER_FAKE_SPEED", "4")
    with replaying(log, db, Config(), echo=lambda *a, **k: None) as recorder:
        fake = recorder.backend
        api = DashboardAPI(Service(Store(connect(db)), db), tmp_path / "c.toml",
                           default_range=(fake.started, fake.started + fake.end), demo=True)
        assert wait_for(lambda: rows(db, "SELECT count(*) FROM events WHERE kind = 'focus'")
                        == [(2,)])
        day = api.day()
        assert not recorder.ended.is_set()
        latest = rows(db, "SELECT max(ts) FROM events")[0][0] / 1000
        assert day["observed_until"] <= latest + 1 < fake.started + fake.end
        for p in day["profiles"]:
            assert all((o["until"] or o["at"]) <= day["observed_until"] - day["start"] + 0.002
                       for o in p["observations"]), (p["id"], day["observed_until"] - day["start"],
                                                     p["observations"][-3:])
        assert recorder.ended.wait(15)
    # played to the end: all of it (to the millisecond, the store's resolution)
    assert api.day()["observed_until"] == round((fake.started + fake.end) * 1000) / 1000
