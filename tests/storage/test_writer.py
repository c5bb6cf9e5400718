"""The writer thread: batching, retrying what could not be written, and stopping with a flush."""

import sqlite3
import time

from onlooker.shim.model import InputSecond, Observation
from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.storage.writer import Writer
from tests.poll import poll


def test_batches_are_kept_while_the_database_is_locked_and_written_after(db_path):
    store = Store(connect(db_path))
    errors = []
    w = Writer(store, on_error=errors.append).start()
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    w.put(Observation(time.time(), "focus", app="first"))
    time.sleep(6.5)  # the writer's busy timeout (5 s) runs out at least once
    w.put(Observation(time.time(), "focus", app="second"))
    other.execute("ROLLBACK")
    other.close()
    w.stop()
    apps = [r[0] for r in store.conn.execute("SELECT app FROM events ORDER BY ts")]
    assert apps == ["first", "second"]
    assert len(errors) == 1 and "locked" in str(errors[0])  # told once, not on every retry


def test_stop_flushes_what_is_pending(db_path):
    store = Store(connect(db_path))
    drained = [[InputSecond(int(time.time()), 3, 0)]]
    w = Writer(store)
    w.drain_from(lambda: drained.pop() if drained else [])
    w.start()
    w.put(Observation(time.time(), "lock"))
    w.stop()
    assert store.table_counts() == {"events": 1, "input_spans": 1}
    assert store.conn.execute("SELECT keys, pointer FROM input_spans").fetchone() == (1, 0)


def _poll(predicate, deadline_s=5.0):
    return poll(predicate, deadline_s, every=0.01)


def _reader(db_path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    return lambda sql: conn.execute(sql).fetchall()


def test_a_focus_change_is_committed_at_once_while_input_waits_for_its_second(db_path, monkeypatch):
    """Input alone waits for its second to end; a desktop change does not wait at all: with the
    input wait stretched to a minute, the focus row (and the input known by then) is readable by
    another connection within seconds, and input alone is not."""
    import onlooker.storage.writer as writer_module

    monkeypatch.setattr(writer_module, "input_wait_s", lambda now: 60.0)
    store = Store(connect(db_path))
    pending = [[InputSecond(int(time.time()), 1, 0)]]
    w = Writer(store)
    w.drain_from(lambda: pending.pop() if pending else [])
    w.start()
    try:
        read = _reader(db_path)
        w.poke()  # input only: gathered for a minute
        time.sleep(0.3)
        assert read("SELECT count(*) FROM input_spans") == [(0,)]
        w.put(Observation(time.time(), "focus", app="mail"))
        assert _poll(lambda: read("SELECT app FROM events WHERE kind = 'focus'")) == [("mail",)]
        assert read("SELECT keys FROM input_spans") == [(1,)]
    finally:
        w.stop()


def test_an_open_activity_period_is_written_second_by_second_without_new_calls(db_path):
    """An idle-counter source reports only when input starts and stops; while it goes on the
    writer still commits each finished second (so a reader follows and a crash loses little)."""
    from onlooker.shim.counter import InputCounter

    store = Store(connect(db_path))
    w = Writer(store)
    counter = InputCounter(on_first=w.poke)
    w.drain_from(counter.drain, busy=counter.busy)
    w.start()
    try:
        read = _reader(db_path)
        started = time.time()
        counter.active("keyboard", started)
        n = _poll(lambda: (r := read("SELECT sum(end - start) FROM input_spans")[0][0]) and r >= 3
                  and r, 8.0)
        assert n and n >= 3, n
        counter.idle("keyboard", time.time())
        last = int(time.time())
        assert _poll(lambda: read("SELECT max(end) FROM input_spans")[0][0] == last + 1)
        assert read("SELECT min(start), max(end), keys, pointer FROM input_spans") == [
            (int(started), last + 1, 1, 0)]
    finally:
        w.stop()
