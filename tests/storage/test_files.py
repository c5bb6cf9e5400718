"""The database's files: nothing overwritten through a planted link, names with URI characters,
private modes, another program's SQLite file left alone, a full disk, a directory in the way."""

import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from onlooker.shim.model import Observation
from onlooker.storage.db import connect
from onlooker.storage.errors import NotOurs, StorageError, Unwritable
from onlooker.storage.lockfile import RecorderLock, holder
from onlooker.storage.paths import default_db_path
from onlooker.storage.store import Store

ODD_NAMES = ["a#b.db", "q?mode=rwc.db", "p%41c.db", "all #?% of them.db"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text
    return text


def foreign(path: Path) -> bytes:
    """Another program's SQLite file (a browser history), as its bytes."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    conn.commit()
    conn.close()
    return path.read_bytes()


# --- the recorder lock --------------------------------------------------------------------

def test_a_symlinked_lock_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "thesis.txt"
    victim.write_bytes(b"three years of work\n")
    db = tmp_path / "shared" / "onlooker.db"
    db.parent.mkdir()
    (tmp_path / "shared" / "onlooker.db.lock").symlink_to(victim)
    with pytest.raises(Unwritable) as err:
        RecorderLock(db).acquire()
    assert "link or not a plain file" in one_line(err.value)
    assert victim.read_bytes() == b"three years of work\n"
    assert holder(db) is None  # status does not follow it either


def test_a_hard_link_or_fifo_at_the_lock_path_is_refused(tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_bytes(b"mine\n")
    db = tmp_path / "h.db"
    os.link(victim, tmp_path / "h.db.lock")
    with pytest.raises(Unwritable):
        RecorderLock(db).acquire()
    assert victim.read_bytes() == b"mine\n"
    db2 = tmp_path / "f.db"
    os.mkfifo(tmp_path / "f.db.lock")
    with pytest.raises(Unwritable):  # and neither this nor holder() hangs on the FIFO
        RecorderLock(db2).acquire()
    assert holder(db2) is None


def test_an_ordinary_lock_still_works_and_is_private(tmp_path):
    lock = RecorderLock(tmp_path / "ok.db").acquire()
    try:
        assert holder(tmp_path / "ok.db") == os.getpid()
        assert mode(lock.path) == 0o600
    finally:
        lock.release()


# --- names with URI characters -------------------------------------------------------------

@pytest.mark.parametrize("name", ODD_NAMES)
def test_names_with_uri_characters_open_that_file_and_no_other(tmp_path, name):
    db = tmp_path / name
    Store(connect(db)).mark("meeting_start", app="zoom")
    before = set(os.listdir(tmp_path))
    conn = connect(db, readonly=True)
    assert conn.execute("SELECT app FROM events").fetchall() == [("zoom",)]
    conn.close()
    # read-only SQLite may leave its -wal/-shm beside the right file; nothing else appears
    assert set(os.listdir(tmp_path)) - before <= {name + "-wal", name + "-shm"}
    assert all(n.startswith(name) for n in os.listdir(tmp_path))


def test_read_only_never_creates_anything(tmp_path):
    with pytest.raises(StorageError) as err:
        connect(tmp_path / "none#yet.db", readonly=True)
    assert "no database" in one_line(err.value)
    assert os.listdir(tmp_path) == []


# --- modes ---------------------------------------------------------------------------------

def test_new_files_are_private(tmp_path):
    db = tmp_path / "new" / "onlooker.db"
    Store(connect(db)).mark("lock")  # a write: the WAL and SHM exist now
    assert mode(db.parent) == 0o700
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        assert mode(f) == 0o600, f


def test_loose_modes_of_the_data_directory_and_files_are_fixed_with_a_notice(tmp_path):
    db = default_db_path()  # under the test's XDG_DATA_HOME
    Store(connect(db)).mark("lock")
    keep = sqlite3.connect(db)  # keeps -wal and -shm in place, as a running recorder would
    keep.execute("SELECT count(*) FROM events").fetchone()
    os.chmod(db.parent, 0o755)
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        os.chmod(f, 0o644)
    notices = []
    connect(db, notice=notices.append).close()
    keep.close()
    assert mode(db.parent) == 0o700
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if f.exists():
            assert mode(f) == 0o600, f
    assert len(notices) == 4 and all("\n" not in n and "now" in n for n in notices)


def test_a_directory_the_user_chose_keeps_its_mode(tmp_path):
    os.chmod(tmp_path, 0o755)
    db = tmp_path / "mine.db"
    connect(db).close()
    assert mode(tmp_path) == 0o755 and mode(db) == 0o600


# --- another program's database, a directory in the way ----------------------------------------

@pytest.mark.parametrize("readonly", [False, True])
def test_another_programs_database_is_refused_byte_for_byte(tmp_path, readonly):
    db = tmp_path / "places.sqlite"
    original = foreign(db)
    os.chmod(db, 0o644)
    with pytest.raises(NotOurs) as err:
        connect(db, readonly=readonly)
    assert one_line(err.value) == (f"{db} is not an Onlooker database; nothing was changed; use "
                                   "--db PATH to choose another file")
    assert db.read_bytes() == original and mode(db) == 0o644
    assert os.listdir(tmp_path) == ["places.sqlite"]


def test_an_empty_file_becomes_a_database_but_read_only_says_there_is_nothing(tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    with pytest.raises(StorageError) as err:
        connect(db, readonly=True)
    assert "no Onlooker data yet" in one_line(err.value)
    assert db.stat().st_size == 0
    connect(db).close()
    assert connect(db, readonly=True).execute("SELECT count(*) FROM events").fetchone() == (0,)


@pytest.mark.parametrize("readonly", [False, True])
def test_a_directory_at_the_database_path_is_one_line(tmp_path, readonly):
    (tmp_path / "x.db").mkdir()
    with pytest.raises(StorageError) as err:
        connect(tmp_path / "x.db", readonly=readonly)
    assert "is a directory" in one_line(err.value)
    assert os.listdir(tmp_path / "x.db") == []


# --- a full disk ---------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (needs root or CAP_SYS_ADMIN) and a function that fills it up."""
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")

    def fill(headroom: int = 0) -> None:
        with open(where / "filler", "ab", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError:
                pass
        if headroom:
            os.truncate(where / "filler", max(0, (where / "filler").stat().st_size - headroom))
    try:
        yield where, fill
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_first_open_on_a_full_disk_leaves_nothing_behind(small_disk):
    where, fill = small_disk
    fill()
    with pytest.raises(Unwritable) as err:
        connect(where / "fresh" / "onlooker.db")
    assert "full" in one_line(err.value)
    assert sorted(os.listdir(where)) == ["filler"]


def test_writes_on_a_full_disk_raise_the_real_error_and_keep_the_data(small_disk):
    where, fill = small_disk
    db = where / "onlooker.db"
    store = Store(connect(db))
    store.record([Observation(1_700_000_000 + i, "focus", app=f"app{i}") for i in range(50)], [])
    fill()
    for write in (lambda: store.set_paused(float("inf")), lambda: store.forget(),
                  lambda: store.mark("lock")):
        with pytest.raises(Unwritable) as err:  # not "cannot rollback - no transaction is active"
            write()
        assert "full" in one_line(err.value)
        assert not store.conn.in_transaction
    (where / "filler").unlink()
    assert store.conn.execute("SELECT count(*) FROM events").fetchone() == (50,)
    assert store.paused_until() is None
