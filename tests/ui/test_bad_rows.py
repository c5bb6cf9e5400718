"""One bad row, written into the database by another program or by damage, never turns the
dashboard or a report into an error: every view still shows the real day."""

import json
import sqlite3

from click.testing import CliRunner

from onlooker.ui.cli import cli
from onlooker.ui.dashboard.api import DashboardAPI
from onlooker.ui.service import Service
from tests.ui.conftest import seed

BAD_ROWS = [
    "INSERT INTO events (ts, kind, app) VALUES (-62135596800000, 'meeting_start', 'zoom')",  # year 1
    "INSERT INTO events (ts, kind, app) VALUES (253402214400000, 'meeting_start', 'zoom')",  # 9999
    "INSERT INTO events (ts, kind, app) VALUES ('abc', 'focus', 'mail')",
    "INSERT INTO events (ts, kind, app, data) VALUES (1795429000000, 'page_focus', 5, '{not json')",
    "INSERT INTO events (ts, kind, app, data) VALUES (1795429001000, 'tab', 'x', '[1, 2]')",
    "INSERT INTO input_spans (start, end, keys, pointer) VALUES (1795429100, 1795429000, 1, 1)",
    "INSERT INTO input_spans (start, end, keys, pointer) VALUES (1795429200, 1795429201, 'x', -4)",
    "INSERT INTO input_spans (start, end, keys, pointer) VALUES (-1e15, -1e15 + 5, 0, 0)",
]


UNTOUCHED = ("zoom-2020", "gotowebinar", "hubstaff", "teams-presence")  # the bad rows mean nothing to these


def _metrics(day):
    return {p["id"]: p["metrics"] for p in day["profiles"] if p["id"] in UNTOUCHED}


def _damage(db):
    raw = sqlite3.connect(db)
    for sql in BAD_ROWS:
        raw.execute(sql)
    raw.commit()
    raw.close()


def test_every_dashboard_view_still_shows_the_real_day(tmp_path):
    db = tmp_path / "bad.db"
    store, _ = seed(db)
    api = DashboardAPI(Service(store, db), tmp_path / "c.toml")
    before = _metrics(api.day("2026-11-23"))
    _damage(db)
    overview = api.overview()
    assert (overview["first_day"], overview["last_day"]) == ("2026-11-23", "2026-11-23")
    assert _metrics(api.day("2026-11-23")) == before
    assert before["zoom-2020"]["icons_shown"] >= 4
    trends = api.trends()
    assert [d["day"] for d in trends["days"]] == ["2026-11-23"]
    assert api.data()["tables"]["events"] > 0
    name, _ctype, body = api.export("csv")
    assert b"zoom-2020" in body
    _name, _ctype, body = api.export("jsonl")
    lines = [json.loads(x) for x in body.decode().splitlines()]
    assert lines[0]["start"].startswith("2026-11-23")


def test_report_of_a_damaged_day_is_the_real_day(tmp_path):
    db = tmp_path / "bad.db"
    seed(db)
    args = ["--db", str(db), "report", "--date", "2026-11-23", "--json"]
    before = CliRunner().invoke(cli, args)
    _damage(db)
    after = CliRunner().invoke(cli, args)
    assert after.exit_code == 0, after.output
    assert _metrics(json.loads(after.output)) == _metrics(json.loads(before.output))


def test_a_server_error_is_logged_with_its_cause_and_the_page_is_told(dashboard, caplog,
                                                                     monkeypatch):
    from tests.ui.conftest import ok_headers, raw

    def broken(day=None):
        raise ZeroDivisionError("secret-xyzzy")

    monkeypatch.setattr(dashboard.api, "day", broken)
    status, headers, body = raw(dashboard.port, "GET", "/api/day", ok_headers(dashboard))
    assert status == 500
    assert "log" in json.loads(body)["error"] and "xyzzy" not in body.decode()
    assert any("GET /api/day failed" in r.getMessage() and r.exc_info
               and "xyzzy" in str(r.exc_info[1]) for r in caplog.records)
    status, _, _ = raw(dashboard.port, "GET", "/api/overview", ok_headers(dashboard))
    assert status == 200  # the rest of the page keeps working
