"""The store: file modes, pragmas, integrity, input spans, ranges, forget."""

import json
import os
import stat

import pytest

from onlooker.shim.model import InputSecond, Observation
from onlooker.storage.db import connect
from onlooker.storage.errors import CorruptDatabase, Unwritable
from onlooker.storage.store import Store

T0 = 1795856400.0  # 2026-11-28T09:00:00Z


def test_files_are_private_and_pragmas_durable(db_path):
    """dir 0700, db/-wal/-shm 0600; WAL, synchronous FULL, secure_delete on."""
    conn = connect(db_path)
    Store(conn).record([Observation(T0, "focus", app="zoom")], [])
    assert stat.S_IMODE(os.stat(db_path.parent).st_mode) == 0o700
    for suffix in ("", "-wal", "-shm"):
        assert stat.S_IMODE(os.stat(str(db_path) + suffix).st_mode) == 0o600, suffix
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_corrupt_file_is_reported_and_left_untouched(db_path):
    conn = connect(db_path)
    Store(conn).record([Observation(T0 + i, "focus", app=f"a{i}") for i in range(2000)], [])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    for i in range(4096 + 100, len(data), 997):  # flip bytes in every page but the header page
        data[i] ^= 0xFF
    db_path.write_bytes(bytes(data))
    before = db_path.read_bytes()
    with pytest.raises(CorruptDatabase) as info:
        connect(db_path)
    assert "left untouched" in str(info.value)
    assert db_path.read_bytes() == before


def test_not_a_database_is_reported(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_text("hello, I am a text file\n" * 100)
    with pytest.raises(CorruptDatabase):
        connect(db_path)
    assert db_path.read_text().startswith("hello")


def test_unwritable_path_is_a_clear_error(tmp_path):
    """A path whose 'directory' is a file cannot be created, even by root."""
    blocker = tmp_path / "plainfile"
    blocker.write_text("x")
    with pytest.raises(Unwritable, match="--db PATH"):
        connect(blocker / "sub" / "x.db")


def test_input_seconds_merge_into_spans_as_yes_no_flags(db_path):
    """Seconds merge into spans whose keys / pointer say only whether some second had such
    input: counts handed in (2, 3, 5) are stored as 1, and a second written twice adds nothing."""
    store = Store(connect(db_path))
    s = int(T0)
    store.record([], [InputSecond(s, 1, 2), InputSecond(s + 1, 3, 0)])
    store.record([], [InputSecond(s + 1, 1, 1), InputSecond(s + 2, 0, 5), InputSecond(s + 5, 1, 0),
                      InputSecond(s + 8, 0, 0)])
    rows = store.conn.execute("SELECT start - ?, end - ?, keys, pointer FROM input_spans ORDER BY start",
                              (s, s)).fetchall()
    assert rows == [(0, 3, 1, 1), (5, 6, 1, 0), (8, 9, 0, 0)]
    store.add_span(s + 20, s + 30, keys=26, pointer=0)  # an import handing a count
    assert store.conn.execute("SELECT keys, pointer FROM input_spans WHERE start = ?",
                              (s + 20,)).fetchone() == (1, 0)
    assert store.counts(T0, T0 + 60) == {
        "focus_changes": 0, "minimizes": 0, "locks": 0, "meetings": 0, "active_seconds": 15,
        "active_seconds_keyboard": 14, "active_seconds_pointer": 3}


def test_range_carries_state_in_and_clips_spans(db_path):
    store = Store(connect(db_path))
    store.record([Observation(T0, "meeting_start", app="zoom"), Observation(T0 + 1, "focus", app="zoom"),
                  Observation(T0 + 100, "focus", app="mail")],
                 [InputSecond(int(T0) + i, 1, 0) for i in range(50, 70)])
    header, events = store.events(T0 + 60, T0 + 200)
    got = [(e.t, e.event, e.app, e.until) for e in events]
    assert got == [(0.0, "focus", "zoom", None), (0.0, "meeting_start", "zoom", None),
                   (0.0, "input", None, 10.0), (40.0, "focus", "mail", None)]


def test_forget_range_removes_marker_bytes_from_db_and_wal(db_path):
    conn = connect(db_path)
    store = Store(conn)
    store.record([Observation(T0 + i, "focus", app=f"SECRET-MARKER-{i}") for i in range(10)]
                 + [Observation(T0 + 500, "focus", app="keeper")], [])
    n = store.forget(T0, T0 + 100)
    assert n == 10
    conn.close()
    conn = connect(db_path)  # reopen: deleted rows stay deleted
    assert [r[0] for r in conn.execute("SELECT app FROM events")] == ["keeper"]
    for suffix in ("", "-wal"):
        p = str(db_path) + suffix
        if os.path.exists(p):
            assert b"SECRET-MARKER" not in open(p, "rb").read(), suffix


def test_forget_all_while_another_connection_reads(db_path):
    writer = Store(connect(db_path))
    writer.record([Observation(T0, "focus", app="MARKER-ALL")], [InputSecond(int(T0), 1, 1)])
    reader = connect(db_path, readonly=True)
    reader.execute("SELECT count(*) FROM events").fetchone()
    writer.forget()
    assert writer.table_counts() == {"events": 0, "input_spans": 0}
    assert b"MARKER-ALL" not in db_path.read_bytes()


def test_readonly_open_of_missing_db_says_what_to_do(tmp_path):
    from onlooker.storage.errors import StorageError
    with pytest.raises(StorageError, match="onlooker watch"):
        connect(tmp_path / "none.db", readonly=True)


def test_forget_with_fractional_bounds_removes_every_second_it_touches(db_path):
    """Input is stored in whole seconds: forgetting 10.5-20.5 removes seconds 10-20 and keeps
    the rest of a span that reaches outside, with the span's flags."""
    store = Store(connect(db_path))
    s = int(T0)
    store.record([], [InputSecond(s + i, 1, 1) for i in range(0, 31)])  # one span [0, 31)
    store.forget(T0 + 10.5, T0 + 20.5)
    rows = store.conn.execute("SELECT start - ?, end - ?, keys FROM input_spans ORDER BY start",
                              (s, s)).fetchall()
    assert rows == [(0, 10, 1), (21, 31, 1)]
    store.record([], [InputSecond(s + 40, 1, 0)])  # a one-second span on a fractional edge
    store.forget(T0 + 40.5, T0 + 50)
    assert store.conn.execute("SELECT count(*) FROM input_spans WHERE start = ?",
                              (s + 40,)).fetchone() == (0,)


def test_the_replay_read_is_the_log_read_in_milliseconds(db_path):
    """``events_ms`` (what replays read) holds exactly ``events`` in integer milliseconds, an
    event at the very end included, on a day of our rows and on one where another program
    wrote rows of types we never write; input is cut at the end, and a start with digits
    below the millisecond is taken to the millisecond (the store's resolution)."""
    store = Store(connect(db_path))
    store.record([Observation(T0, "meeting_start", app="zoom"), Observation(T0 + 1, "focus", app=""),
                  Observation(T0 + 2.5, "tab", data={"url": "https://a.example/", "state": "hidden"}),
                  Observation(T0 + 100, "focus", app="mail"), Observation(T0 + 200, "focus", app="x")],
                 [InputSecond(int(T0) + i, 1, 0) for i in range(50, 70)])
    start, until = T0 + 0.5, T0 + 200

    def same() -> list:
        _, seconds = store.events(start, until + 0.001)
        header, ms = store.events_ms(start, until)
        want = [e.in_ms() for e in seconds]
        assert header.start == start
        assert ms == want and [e.extra for e in ms] == [e.extra for e in want]
        return [(e.t, e.event, e.app, e.url, e.until) for e in ms]

    ours = same()
    assert ours == [(0, "meeting_start", "zoom", None, None), (500, "focus", "unknown", None, None),
                    (2000, "tab", None, "https://a.example/", None),
                    (49500, "input", None, None, 69500), (99500, "focus", "mail", None, None),
                    (199500, "focus", "x", None, None)]
    with store.conn:  # another program's rows: a fractional time, a blob app
        store.conn.execute("INSERT INTO events (ts, kind, app) VALUES (?, 'focus', 'x')",
                           (round(T0 * 1000) + 3000.5,))
        store.conn.execute("INSERT INTO events (ts, kind, app) VALUES (?, 'focus', ?)",
                           (round(T0 * 1000) + 4000, b"\x00blob"))
    foreign = same()
    assert [x[:3] for x in foreign[3:5]] == [(2500, "focus", "x"), (3500, "focus", "b'\\x00blob'")]
    # input running past the end is cut there; a start below the millisecond is rounded
    _, cut = store.events_ms(T0, T0 + 60)
    assert [(e.t, e.until) for e in cut if e.event == "input"] == [(50000, 60000)]
    header, fine = store.events_ms(T0 + 0.0015, T0 + 200)
    assert header.start == T0 + 0.002 and fine[-1].t == 199998


def test_a_span_starting_between_milliseconds_keeps_its_place(db_path):
    """Another program's input span starting 0.6 ms into the millisecond a row starts in: the
    input began first, so it comes first, as the log read orders them."""
    store = Store(connect(db_path))
    store.record([Observation(T0 + 0.001, "focus", app="zoom")], [])
    with store.conn:
        store.conn.execute("INSERT INTO input_spans (start, end, keys, pointer) VALUES (?, ?, 1, 1)",
                           (T0 + 0.0006, T0 + 1))
    _, seconds = store.events(T0, T0 + 10.001)
    _, ms = store.events_ms(T0, T0 + 10)
    assert [(e.t, e.event) for e in ms] == [(1, "input"), (1, "focus")]
    assert ms == [e.in_ms() for e in seconds]


def test_hostile_rows_reach_the_profiles_as_text_or_not_at_all(db_path):
    """Rows another program wrote with a url that is no text, a tab state nobody knows, JSON
    nested deeper than Python recurses, or a blob app carried in from the day before: the
    replay read gives the profiles text or nothing, and a replay of it is a result."""
    from onlooker.shim.replay import replay_events

    store = Store(connect(db_path))
    store.record([Observation(T0 + 1, "focus", app="mail")], [InputSecond(int(T0) + 5, 1, 0)])
    ms = round(T0 * 1000)
    rows = [(ms - 100, "meeting_start", b"\xff", None), (ms - 50, "focus", b"\xfe", None),
            (ms + 2000, "tab", "firefox", '{"url": 5, "state": []}'),
            (ms + 3000, "page_blur", "firefox", '{"url": {"a": 1}}'),
            (ms + 4000, "fullscreen_enter", "firefox", '{"url": [1]}'),
            (ms + 5000, "page_focus", "firefox", '{"url": NaN}'),
            (ms + 6000, "tab", "firefox", "[" * 100_000 + "]" * 100_000),
            (ms + 7000, "tab", "firefox", '{"url": "https://b.example/", "state": "hidden"}')]
    with store.conn:
        store.conn.executemany("INSERT INTO events (ts, kind, app, data) VALUES (?, ?, ?, ?)", rows)
    header, events = store.events_ms(T0, T0 + 60)
    assert all(isinstance(e.app, (str, type(None))) and isinstance(e.url, (str, type(None)))
               for e in events)
    assert [(e.event, e.app) for e in events if e.t == 0][:2] == [("focus", "b'\\xfe'"),
                                                                  ("meeting_start", "b'\\xff'")]
    tabs = [(e.t, e.url, e.state) for e in events if e.event == "tab"]
    assert tabs == [(7000, "https://b.example/", "hidden")]  # the tabs with no state: skipped
    result = replay_events(header, events, until=60, in_ms=True).to_json()
    json.dumps(result)  # text all through: a report can print it


def test_a_store_of_only_strangers_rows_has_no_bounds_and_a_deep_pause_is_read(db_path):
    """Another program's times (text, a blob, the year 10^300) are not the first or last moment
    of anything, and a pause whose data nests deeper than Python recurses counts as open-ended:
    each of these once gave a traceback in ``diary`` or ``report``."""
    store = Store(connect(db_path))
    with store.conn:
        store.conn.execute("INSERT INTO events (ts, kind) VALUES ('abc', 'focus')")
        store.conn.execute("INSERT INTO events (ts, kind) VALUES (x'31', 'focus')")
        store.conn.execute("INSERT INTO input_spans (start, end, keys, pointer) VALUES (1e300, 1e301, 1, 1)")
        store.conn.execute("INSERT INTO input_spans (start, end, keys, pointer) VALUES (x'01', ?, 1, 1)",
                           (T0,))
    assert store.bounds() is None
    store.record([Observation(T0, "focus", app="mail")], [InputSecond(int(T0) + 5, 1, 0)])
    assert store.bounds() == (T0, T0 + 6)
    with store.conn:
        store.conn.execute("INSERT INTO events (ts, kind, data) VALUES (?, 'pause', ?)",
                           (round(T0 * 1000) + 10000, "[" * 100_000 + "]" * 100_000))
    assert store.paused(T0, T0 + 60) == [(T0 + 10, T0 + 60)]
