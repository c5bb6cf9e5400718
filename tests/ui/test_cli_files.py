"""The database's files through the real command (a subprocess, as a user runs it): a planted
lock link, names with URI characters, private modes, another program's database, a full disk,
a directory in the way, and a demonstration that leaves the user's files alone."""

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from onlooker.storage.paths import default_config_path, default_db_path
from tests.storage.test_files import foreign, small_disk  # noqa: F401  (a fixture)
from tests.ui.conftest import raw

ROOT = Path(__file__).resolve().parents[2]
FAKE = {"ONLOOKER_BACKEND": "fake", "ONLOOKER_FAKE_LOG": "email-during-lecture"}
AW_EXPORT = {"buckets": {
    "aw-watcher-window_host": {"id": "aw-watcher-window_host", "type": "currentwindow", "events": [
        {"id": 1, "timestamp": "2026-01-05T09:00:00Z", "duration": 12.0,
         "data": {"app": "firefox", "title": "Inbox"}}]}}}


def onlooker(*args, db=None, env=None, timeout=60) -> subprocess.CompletedProcess:
    """``python -m onlooker.ui [--db DB] ARGS`` with the test's XDG directories."""
    cmd = [sys.executable, "-m", "onlooker.ui", *(["--db", str(db)] if db else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def refused(res: subprocess.CompletedProcess, *words: str) -> str:
    """Exit non-zero with exactly one line on stderr (no traceback) containing ``words``."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode != 0 and len(lines) == 1, (res.returncode, res.stderr)
    assert lines[0].startswith("onlooker: ") and "Traceback" not in res.stdout
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def dashboard(*args, db=None, env=None) -> tuple[int, str, str]:
    """Start a served dashboard; once it prints its address, stop it with SIGTERM.
    (exit code, stdout, stderr)"""
    cmd = [sys.executable, "-m", "onlooker.ui", *(["--db", str(db)] if db else []), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, **(env or {})})
    seen = []
    try:
        for line in proc.stdout:  # ends at EOF when it was refused and exited
            seen.append(line)
            if "dashboard: http://" in line:
                proc.send_signal(signal.SIGTERM)
                break
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, "".join(seen) + out, err


def every_command(tmp_path: Path) -> list[list[str]]:
    aw = tmp_path / "aw.json"
    aw.write_text(json.dumps(AW_EXPORT))
    return [["status"], ["pause"], ["resume"], ["report"], ["log"], ["forget", "--all", "--yes"],
            ["meeting", "start"], ["meeting", "stop"], ["sharing", "on"],
            ["import", "activitywatch", str(aw)]]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_watch_refuses_a_symlinked_lock_and_leaves_its_target_alone(tmp_path):
    victim = tmp_path / "thesis.txt"
    victim.write_bytes(b"three years of work\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "onlooker.db.lock").symlink_to(victim)
    res = onlooker("watch", db=shared / "onlooker.db", env=FAKE)
    refused(res, "onlooker.db.lock", "link")
    assert victim.read_bytes() == b"three years of work\n"


@pytest.mark.parametrize("name", ["a#b.db", "c?mode=rwc.db", "50%25.db"])
def test_read_only_commands_read_the_named_file_and_make_no_strays(tmp_path, name):
    db = tmp_path / name
    res = onlooker("meeting", "start", "--app", "zoom", db=db)
    assert res.returncode == 0, res.stderr
    before = set(os.listdir(tmp_path))
    status = onlooker("status", db=db)
    assert status.returncode == 0 and "meetings 1" in status.stdout, status.stderr
    log = onlooker("log", "--from", "-1h", db=db)
    assert log.returncode == 0 and '"event":"meeting_start","app":"zoom"' in log.stdout
    report = onlooker("report", "--json", "--profile", "zoom-2020", db=db)
    assert report.returncode == 0, report.stderr
    code, out, _ = dashboard("dashboard", "--browser", db=db)
    assert code == 0 and "dashboard: http://127.0.0.1:" in out
    assert set(os.listdir(tmp_path)) - before <= {name + "-wal", name + "-shm"}


def test_loose_modes_are_fixed_with_a_notice_and_wal_and_shm_are_private(tmp_path):
    db = default_db_path()
    assert onlooker("meeting", "start").returncode == 0
    os.chmod(db.parent, 0o755)
    os.chmod(db, 0o644)
    res = onlooker("status")
    assert res.returncode == 0
    assert "was readable by others (755); it is now 700" in res.stderr
    assert "was readable by others (644); it is now 600" in res.stderr
    assert mode(db.parent) == 0o700 and mode(db) == 0o600
    keep = sqlite3.connect(db)  # a second reader keeps the WAL and SHM in place to look at
    keep.execute("SELECT count(*) FROM events").fetchone()
    try:
        assert onlooker("pause").returncode == 0
        for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert mode(f) == 0o600, f
    finally:
        keep.close()


def test_another_programs_database_is_never_changed(tmp_path):
    db = tmp_path / "places.sqlite"
    original = foreign(db)
    for args in every_command(tmp_path):
        refused(onlooker(*args, db=db), "is not an Onlooker database; nothing was changed")
        assert db.read_bytes() == original, args
    code, _, err = dashboard("dashboard", "--browser", db=db)
    assert code == 1 and err.count("\n") == 1 and "not an Onlooker database" in err
    assert db.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["aw.json", "places.sqlite"]


def test_a_directory_at_the_default_database_path_is_one_line_for_every_command(tmp_path):
    db = default_db_path()
    db.mkdir(parents=True)
    for args in every_command(tmp_path):
        refused(onlooker(*args), "is a directory")
    refused(onlooker("watch", env=FAKE), "is a directory")
    code, _, err = dashboard("dashboard", "--browser")
    assert code == 1 and err.count("\n") == 1 and "is a directory" in err
    assert os.listdir(db) == []


def test_a_full_disk_gives_one_line_and_keeps_what_was_there(tmp_path, small_disk):  # noqa: F811
    where, fill = small_disk
    db = where / "onlooker.db"
    assert onlooker("meeting", "start", "--app", "zoom", db=db).returncode == 0
    big = tmp_path / "aw-big.json"
    events = [{"id": i, "timestamp": f"2026-01-05T{9 + i // 3600:02d}:{i // 60 % 60:02d}:"
               f"{i % 60:02d}Z", "duration": 1.0,
               "data": {"app": f"app-{i % 97}", "title": "x" * 40}} for i in range(30000)]
    big.write_text(json.dumps({"buckets": {"aw-watcher-window_h": {
        "id": "aw-watcher-window_h", "type": "currentwindow", "events": events}}}))

    def contents():
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return (conn.execute("SELECT kind, app FROM events ORDER BY id").fetchall(),
                    conn.execute("SELECT * FROM settings").fetchall())
        finally:
            conn.close()
    before = contents()
    keep = sqlite3.connect(db)  # a running dashboard or recorder keeps the WAL index in place
    keep.execute("SELECT count(*) FROM events").fetchone()
    try:
        fill(headroom=256 * 1024)  # room to start the import, not to finish it
        refused(onlooker("import", "activitywatch", str(big), db=db), "full", "nothing was changed")
        keep.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the failed import's WAL space goes
        fill()
        for args in (["pause"], ["forget", "--all", "--yes"], ["meeting", "stop"]):
            refused(onlooker(*args, db=db), "full", "nothing was changed")
        refused(onlooker("pause", db=where / "fresh" / "new.db"), "full")
        assert not (where / "fresh").exists()
    finally:
        keep.close()
        (where / "filler").unlink(missing_ok=True)
    assert contents() == before
    assert sorted(p for p in os.listdir(where) if not p.startswith("onlooker.db")) == []


def test_the_demonstration_never_touches_the_users_files(tmp_path):
    config = default_config_path()
    config.parent.mkdir(parents=True)
    config.write_text("keep_titles = false\n")
    original = config.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "demo", "--browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        url = ""
        while not url and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            if "#token=" in line:
                url = line.split()[-1]
        port = int(url.split("127.0.0.1:")[1].split("/")[0])
        token = url.split("#token=")[1]
        headers = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {token}",
                   "Content-Type": "application/json"}
        for body in ({"keep_titles": True}, {"add_rule": {"name": "class", "app": "zoom"}}):
            status, _, payload = raw(port, "POST", "/api/settings", headers, body)
            assert status == 200, payload
        status, _, payload = raw(port, "GET", "/api/settings", headers)
        assert json.loads(payload)["keep_titles"] is True  # the demonstration's own config changed
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert config.read_bytes() == original
    data = default_db_path().parent
    assert not data.exists() or os.listdir(data) == []

