"""The wlroots backend against a real headless sway: focus switches, a window sent to the
scratchpad, idle and input from the compositor's idle protocol, and a focus change reaching the
database through the real recorder."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

from onlooker.shim.backends._wlroots import Backend
from onlooker.shim.counter import InputCounter

pytestmark = pytest.mark.slow


class Sink:
    def __init__(self):
        self.items = []
        self.changed = threading.Condition()

    def __call__(self, observation):
        with self.changed:
            self.items.append(observation)
            self.changed.notify_all()

    def wait_for(self, test, timeout=5.0):
        end = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [o for o in self.items if test(o)]
                if found:
                    return found[-1]
                left = end - time.monotonic()
                assert left > 0, f"not observed; got {self.items}"
                self.changed.wait(left)


@pytest.fixture(scope="module")
def two_windows(sway):
    sway.window("onlooker-one")
    sway.window("onlooker-two")
    yield sway
    sway.close_windows()


@pytest.fixture
def backend(two_windows):
    sink, counter = Sink(), InputCounter()
    b = Backend(sink, counter, env=two_windows.env).start()
    yield b, sink, counter
    b.stop()


def test_focus_switches_are_recorded_in_order_with_accurate_times(two_windows, backend):
    b, sink, _ = backend
    assert b.ready.is_set() and sink.items[0].kind == "focus"  # the starting state
    windows = []
    for i in range(10):
        app = "onlooker-one" if i % 2 else "onlooker-two"
        if sink.items and sink.items[-1].app == app:
            app = "onlooker-two" if app == "onlooker-one" else "onlooker-one"
        start = len(sink.items)
        before, after = two_windows.command(f'[app_id="{app}"] focus')
        o = sink.wait_for(lambda o, s=start, a=app: sink.items.index(o) >= s and o.kind == "focus"
                          and o.app == a)
        windows.append((app, before, after, o.ts))
    focus = [o.app for o in sink.items if o.kind == "focus"][1:]
    assert focus == [w[0] for w in windows]  # every switch, in order, nothing extra
    # the stamp lies inside the command's window give or take 50 ms
    worst = max(max(before - ts, ts - after, 0) for _, before, after, ts in windows)
    assert worst <= 0.050, f"timestamp error {worst * 1000:.1f} ms"
    assert all(o.window.startswith("wl:") and o.title is None for o in sink.items
               if o.kind == "focus")  # no titles unless keep_titles


def test_a_window_sent_to_the_scratchpad_is_recorded_as_hidden(two_windows, backend):
    _, sink, _ = backend
    two_windows.command('[app_id="onlooker-two"] focus')
    two_windows.command('[app_id="onlooker-two"] move scratchpad')
    hidden = sink.wait_for(lambda o: o.kind == "minimize" and o.app == "onlooker-two")
    assert hidden.data == {"hidden": "scratchpad"}
    two_windows.command('[app_id="onlooker-two"] scratchpad show')
    sink.wait_for(lambda o: o.kind == "restore" and o.app == "onlooker-two")
    two_windows.command('[app_id="onlooker-two"] floating disable')


def test_idle_and_input_come_from_the_idle_protocol(two_windows, backend):
    b, _, counter = backend
    assert b.input_source is not None and b.input_source.name == "org_kde_kwin_idle"
    assert b.input_source.sees_input_events is False
    deadline = time.monotonic() + 5
    while b.input_source.active and time.monotonic() < deadline:  # idle 1 s after the start
        time.sleep(0.05)
    assert not b.input_source.active, "no idle event from the compositor"
    counter.drain()
    typed_at = time.time()
    # wtype types through a virtual keyboard: real input for the compositor
    subprocess.run(["wtype", "x"], env=two_windows.env, check=True, timeout=10)
    deadline = time.monotonic() + 5
    while not b.input_source.active and time.monotonic() < deadline:
        time.sleep(0.02)
    assert b.input_source.active, "no resume event after typing"
    while b.input_source.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not b.input_source.active, "no idle event a second after typing"
    seconds = [s.second for s in counter.drain()]
    assert int(typed_at) in seconds or int(typed_at) + 1 in seconds
    assert all(not (s.keys or s.pointer) for s in counter.drain())  # kind unknown: never which


def test_a_focus_change_reaches_the_database(two_windows, tmp_path):
    from onlooker.storage.db import connect
    from onlooker.storage.store import Store
    from onlooker.ui.config import Config
    from onlooker.ui.watch import Recorder

    db = tmp_path / "o.db"
    recorder = Recorder(db, Config(), env=two_windows.env, echo=lambda *a, **k: None).start()
    try:
        assert recorder.backend.name == "wlroots"
        before, _ = two_windows.command('[app_id="onlooker-one"] focus')
        two_windows.command('[app_id="onlooker-two"] focus')
        store = Store(connect(db))
        deadline = time.monotonic() + 5
        rows = []
        while time.monotonic() < deadline:
            rows = store.conn.execute("SELECT app FROM events WHERE kind = 'focus' AND ts >= ? "
                                      "ORDER BY ts", (round(before * 1000) - 50,)).fetchall()
            if [r[0] for r in rows][-1:] == ["onlooker-two"]:
                break
            time.sleep(0.05)
        assert [r[0] for r in rows][-1:] == ["onlooker-two"]
        while store.get_setting("input_source") is None and time.monotonic() < deadline + 5:
            time.sleep(0.05)  # noted with a commit of its own, which may come after the rows
        noted = json.loads(store.get_setting("input_source"))  # what `status` shows
        assert noted["source"] == "org_kde_kwin_idle" and noted["sees_input_events"] is False
    finally:
        assert recorder.stop() == 0
