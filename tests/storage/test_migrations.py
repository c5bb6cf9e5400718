"""Migrations: an older database opens, is brought up to date and reads back the new way."""

import sqlite3

from sqlite_utils import Database

from onlooker.storage.db import connect
from onlooker.storage.migrations import MIGRATIONS
from onlooker.storage.store import Store

T0 = 1795856400  # 2026-11-28T09:00:00Z


def _old_database(path, spans):
    """A database as Onlooker wrote it before m003: per-span input counts."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS.apply(Database(conn), stop_before="m003_input_flags")
    conn.executemany("INSERT INTO input_spans (start, end, keys, pointer) VALUES (?, ?, ?, ?)",
                     spans)
    conn.close()
    path.chmod(0o600)


def test_old_counts_become_yes_no_flags(db_path):
    """Counts (26 keys: an 18-character secret typed with shifts) become 1, zero stays 0, and a
    row another program damaged is left for the reader to skip; reads and the log say yes/no."""
    _old_database(db_path, [(T0, T0 + 3, 26, 0), (T0 + 10, T0 + 12, 0, 500),
                            (T0 + 20, T0 + 21, 0, 0), (T0 + 30, T0 + 31, "x", -4)])
    store = Store(connect(db_path))
    applied = [m.name for m in MIGRATIONS.applied(Database(store.conn))]
    assert "m003_input_flags" in applied
    rows = store.conn.execute("SELECT start - ?, keys, pointer FROM input_spans ORDER BY start",
                              (T0,)).fetchall()
    assert rows == [(0, 1, 0), (10, 0, 1), (20, 0, 0), (30, "x", -4)]
    _header, events = store.events(T0, T0 + 60)
    assert [(e.t, e.until, e.keys, e.pointer) for e in events] == [
        (0, 3, 1, 0), (10, 12, 0, 1), (20, 21, 0, 0)]
    # every later write keeps to flags: a count can no longer arrive by any path
    store.add_span(T0, T0 + 5, keys=7, pointer=3)
    assert store.conn.execute("SELECT max(keys), max(pointer) FROM input_spans WHERE start < ?",
                              (T0 + 25,)).fetchone() == (1, 1)


def test_the_old_counts_leave_the_files(db_path):
    """After the migration the counts' bytes are in neither the database nor its WAL (a count
    chosen to be recognisable: 0x5A5A5A5A5A5A is stored as those six bytes)."""
    marker = 0x5A5A5A5A5A5A
    _old_database(db_path, [(T0 + i * 10, T0 + i * 10 + 3, marker, marker) for i in range(50)])
    assert b"\x5a" * 6 in db_path.read_bytes()
    store = Store(connect(db_path))
    assert store.conn.execute("SELECT max(keys), max(pointer) FROM input_spans").fetchone() == (1, 1)
    for suffix in ("", "-wal"):
        p = db_path.with_name(db_path.name + suffix)
        assert not p.exists() or b"\x5a" * 6 not in p.read_bytes(), suffix


def test_a_current_database_is_left_as_it_is(db_path):
    Store(connect(db_path)).add_span(T0, T0 + 2, 1, 0)
    store = Store(connect(db_path))  # opening again applies nothing twice
    assert store.conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE name = "
                              "'m003_input_flags'").fetchone() == (1,)
    assert store.spans(T0, T0 + 2) == [(1, T0, T0 + 2, 1, 0)]
