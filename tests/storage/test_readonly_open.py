"""A read-only open (report, diary, status) is quick: no quick_check, no sqlite_utils; damage it
meets while reading still ends in one line, and the file is left as it was."""

import subprocess
import sys

from click.testing import CliRunner

from onlooker.shim.model import Observation
from onlooker.storage.db import MIGRATION_SET, MIGRATIONS_TABLE, connect
from onlooker.storage.migrations import MIGRATIONS
from onlooker.storage.store import Store
from onlooker.ui.cli import cli

T0 = 1795856400.0  # 2026-11-28T09:00:00Z


def test_the_read_only_open_knows_our_migrations_without_importing_them(db_path):
    assert (MIGRATIONS_TABLE, MIGRATION_SET) == (MIGRATIONS.migrations_table, MIGRATIONS.name)
    Store(connect(db_path)).record([Observation(T0, "focus", app="mail")], [])
    code = ("import sys; from onlooker.storage.db import connect; "
            f"connect({str(db_path)!r}, readonly=True).execute('SELECT 1 FROM events'); "
            "print('sqlite_utils' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_damaged_database_read_by_report_ends_in_one_line(db_path):
    conn = connect(db_path)
    Store(conn).record([Observation(T0 + i, "focus", app=f"a{i}") for i in range(2000)], [])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    for i in range(4096 + 100, len(data), 997):  # every page but the header page
        data[i] ^= 0xFF
    db_path.write_bytes(bytes(data))
    before = db_path.read_bytes()
    for args in (["report", "--date", "2026-11-28", "--json"],
                 ["diary", "--date", "2026-11-28", "--format", "json", "-o", "-"]):
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args])
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "damaged" in lines[0] and "move it aside" in lines[0]
    assert db_path.read_bytes() == before
