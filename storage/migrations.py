"""The only source of the schema. Times are integers: milliseconds (events) or seconds (input)."""

from sqlite_utils import Migrations

MIGRATIONS = Migrations("onlooker")


@MIGRATIONS()
def m001_initial(db):
    # One row per desktop happening. No title unless keep_titles is on; never key identities.
    db.execute("""
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,          -- epoch milliseconds, UTC
            kind TEXT NOT NULL,
            app TEXT,
            category TEXT,
            window TEXT,
            title TEXT,
            data TEXT                     -- JSON for the few extra fields (url, state, source)
        )""")
    db.execute("CREATE INDEX events_ts ON events(ts)")
    # Input activity as spans of whole seconds [start, end) in which every second had input.
    db.execute("""
        CREATE TABLE input_spans (
            id INTEGER PRIMARY KEY,
            start INTEGER NOT NULL,       -- epoch seconds
            end INTEGER NOT NULL,         -- epoch seconds, exclusive
            keys INTEGER NOT NULL,        -- m001 kept counts; since m003 0/1 (see there)
            pointer INTEGER NOT NULL      -- likewise; never coordinates
        )""")
    db.execute("CREATE INDEX input_spans_start ON input_spans(start)")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@MIGRATIONS()
def m002_kind_index(db):
    # "the state before this range" (last focus, meeting, share, lock) without scanning history
    db.execute("CREATE INDEX events_kind_ts ON events(kind, ts)")
    # how many titles are kept, shown on "Your data", without reading every row
    db.execute("CREATE INDEX events_titled ON events(id) WHERE title IS NOT NULL")


@MIGRATIONS(transactional=False)  # a checkpoint cannot run inside a transaction
def m003_input_flags(db):
    # Counts of key presses per second gave away how long a typed password was. From now on a
    # span's keys / pointer say only whether some second in it had keyboard / pointer input
    # (0 or 1). Old counts become those flags (each UPDATE is atomic and running it again
    # changes nothing); rows another program damaged are left for the reader to skip.
    for column in ("keys", "pointer"):
        db.execute(f"UPDATE input_spans SET {column} = 1 "
                   f"WHERE typeof({column}) = 'integer' AND {column} > 1")
    # The old pages still hold the counts until a checkpoint copies the new ones over them
    # (secure_delete is on, so rewritten cells leave nothing behind): do it now. A reader
    # holding an old snapshot may keep it from finishing; the next checkpoint completes it.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@MIGRATIONS()
def m004_recording(db):
    # When a recorder was running (or a log or import says it was observed): time outside these
    # spans is "not recorded", never idle. A running recorder extends its span as it writes.
    db.execute("""
        CREATE TABLE recording (
            id INTEGER PRIMARY KEY,
            start INTEGER NOT NULL,       -- epoch milliseconds, UTC
            end INTEGER NOT NULL,         -- epoch milliseconds, UTC (the last moment known)
            source TEXT NOT NULL          -- recorder, log, activitywatch, before-m004
        )""")
    db.execute("CREATE INDEX recording_start ON recording(start)")
    # What was stored before Onlooker kept this counts as observed from its first record to its
    # last, as it was read then.
    lo, hi = 0, 4_102_444_800_000
    first = db.execute("SELECT min(ts) FROM events WHERE ts >= ?", [lo]).fetchone()[0]
    last = db.execute("SELECT max(ts) FROM events WHERE ts <= ?", [hi]).fetchone()[0]
    spans = db.execute("SELECT min(start) * 1000, max(end) * 1000 FROM input_spans "
                       "WHERE start >= 0 AND end <= ?", [hi // 1000]).fetchone()
    lows = [x for x in (first, spans[0]) if x is not None]
    highs = [x for x in (last, spans[1]) if x is not None]
    if lows:
        db.execute("INSERT INTO recording (start, end, source) VALUES (?, ?, 'before-m004')",
                   [int(min(lows)), int(max(highs))])
