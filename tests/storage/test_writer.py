"""The writer thread: batching, retrying what could not be written, and stopping with a flush."""

import sqlite3
import time

from onlooker.shim.model import InputSecond, Observation
from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.storage.writer import Writer


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
    drained = [[InputSecond(int(time.time()), 3, 4)]]
    w = Writer(store)
    w.drain_from(lambda: drained.pop() if drained else [])
    w.start()
    w.put(Observation(time.time(), "lock"))
    w.stop()
    assert store.table_counts() == {"events": 1, "input_spans": 1}
    assert store.conn.execute("SELECT keys, pointer FROM input_spans").fetchone() == (3, 4)
