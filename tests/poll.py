"""Waiting in tests without sleeps of a guessed length: a predicate polled until a deadline,
and a read-only look at a database another process is writing."""

from __future__ import annotations

import sqlite3
import time


def poll(predicate, deadline_s: float = 10.0, every: float = 0.05):
    """``predicate()``'s value once truthy, or its last value at the deadline (the caller's
    assert then shows what it was)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def until(predicate, deadline_s: float = 10.0, every: float = 0.05, *, what: str | None = None):
    """``predicate()``'s value once truthy; an AssertionError naming ``what`` at the deadline."""
    value = poll(predicate, deadline_s, every)
    if not value:
        raise AssertionError(f"timed out waiting for {what or predicate}")
    return value


def db_rows(db, sql: str, *args) -> list[tuple]:
    """Rows of ``sql`` from ``db``, opened read-only (the writer keeps its lock)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
