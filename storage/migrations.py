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
            keys INTEGER NOT NULL,        -- how many key presses, nothing about which
            pointer INTEGER NOT NULL      -- moves + clicks + scrolls, never coordinates
        )""")
    db.execute("CREATE INDEX input_spans_start ON input_spans(start)")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@MIGRATIONS()
def m002_kind_index(db):
    # "the state before this range" (last focus, meeting, share, lock) without scanning history
    db.execute("CREATE INDEX events_kind_ts ON events(kind, ts)")
    # how many titles are kept, shown on "Your data", without reading every row
    db.execute("CREATE INDEX events_titled ON events(id) WHERE title IS NOT NULL")
