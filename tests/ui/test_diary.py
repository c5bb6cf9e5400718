"""The privacy diary (issue 12): exact content from bundled logs, the same numbers as
``report``, days in the person's zone across midnight and a DST change, files that are whole or
absent, nothing that names the machine or the person, and a page and PDF a person can read."""

import getpass
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from onlooker.ui.cli import cli
from tests.ui.conftest import ok_headers, raw, seed

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "diary_golden"
SCHEMA = json.loads((ROOT / "docs" / "diary.schema.json").read_text())
REGEN = os.environ.get("ONLOOKER_REGEN_GOLDEN") == "1"  # then check the new files by reading


@pytest.fixture
def run(db_path):
    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)
    return invoke


def _json(res) -> dict:
    assert res.exit_code == 0, res.output
    diary = json.loads(res.stdout)
    jsonschema.validate(diary, SCHEMA)
    return diary


@pytest.mark.parametrize("example", ["email-during-lecture", "quiz-tab-switches"])
@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
def test_golden_diaries_from_bundled_logs(run, example, fmt):
    """A bundled demonstration's diary is exactly the reviewed file (JSON also valid against
    the published schema)."""
    res = run("diary", "--example", example, "--format", fmt)
    assert res.exit_code == 0, res.output
    golden = GOLDEN / f"{example}.{fmt}"
    if REGEN:
        golden.write_text(res.stdout)
    assert res.stdout == golden.read_text()
    if fmt == "json":
        jsonschema.validate(json.loads(res.stdout), SCHEMA)


def test_first_page_says_what_trackers_would_have_seen(run):
    """The first page names the period, what was recorded, and the Zoom clock icon with its
    count, longest stretch and when, in the log's zone."""
    diary = _json(run("diary", "--example", "email-during-lecture", "--format", "json"))
    assert diary["first_page"][0].startswith("Recorded: 45 min on 1 of 1 day.")
    zoom = next(h for h in diary["highlights"] if h["profile"] == "zoom-2020")
    assert zoom["sentence"] == ("On Monday 23 November 2026 a 2020 Zoom host would have seen the "
                                "clock icon next to your name, 4 times; the longest was 4 min 30 s, "
                                "at 10:37 UTC.")
    assert zoom["longest_at"] == "2026-11-23T10:37:10.000+00:00"


def test_recorded_day_carries_the_same_numbers_as_report(run, db_path):
    """For each recorded day, the diary's metrics and flag times are report --json's."""
    seed(db_path, "email-during-lecture")
    seed(db_path, "quiz-tab-switches")  # two days later
    diary = _json(run("diary", "--from", "2026-11-23", "--to", "2026-11-25", "--format", "json"))
    assert [d["date"] for d in diary["days"]] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert [d["empty"] for d in diary["days"]] == [False, True, False]
    for day in diary["days"]:
        if day["empty"]:
            continue
        report = json.loads(run("report", "--date", day["date"], "--json").stdout)
        for mine, theirs in zip(day["profiles"], report["profiles"], strict=True):
            assert mine["id"] == theirs["id"]
            assert mine["metrics"] == theirs["metrics"]
            flags = [(o["at"], o["until"]) for o in theirs["observations"] if o["kind"] != "slot"]
            assert [(f["at_s"], f["until_s"]) for f in mine["flags"]] == flags
    # the summary's totals are the sums of the days
    for p in diary["summary"]["profiles"]:
        for m in p["metrics"]:
            if m["total"] is not None:
                assert m["total"] == pytest.approx(sum(x["value"] or 0 for x in m["per_day"]))
    assert diary["stored"]["tables"]["events"] > 0
    assert diary["summary"]["days_with_data"] == 2


def test_a_period_with_no_data_and_a_year_work(run, db_path):
    """An empty week says nothing was recorded; a year over a seeded day has 365 days and the
    day's figures."""
    seed(db_path, "email-during-lecture")
    empty = _json(run("diary", "--week", "2026-W02", "--format", "json"))
    assert len(empty["days"]) == 7 and all(d["empty"] for d in empty["days"])
    assert empty["first_page"][0].startswith("Nothing was recorded in these 7 days")
    assert run("diary", "--week", "2026-W02", "--format", "html").exit_code == 0
    year = _json(run("diary", "--from", "2025-12-01", "--to", "2026-11-30", "--format", "json"))
    assert len(year["days"]) == 365 and year["summary"]["days_with_data"] == 1
    zoom = next(p for p in year["summary"]["profiles"] if p["id"] == "zoom-2020")
    assert next(m for m in zoom["metrics"] if m["key"] == "icons_shown")["total"] == 4


DST_LOG = """{"onlooker": "log", "version": 1, "start": "2026-10-24T23:30:00+02:00", "title": "Late night"}
{"at": 0, "event": "focus", "app": "zoom"}
{"at": 10, "event": "meeting_start", "app": "zoom"}
{"at": 20, "event": "share_start"}
{"at": 0, "event": "input", "until": 60}
{"at": 600, "event": "focus", "app": "thunderbird"}
{"at": 3600, "event": "focus", "app": "zoom"}
{"at": 18000, "event": "meeting_end"}
{"at": 18000, "event": "end"}
"""


def _cli(args, env_extra, cwd=None):
    env = dict(os.environ, **env_extra)
    return subprocess.run([sys.executable, "-m", "onlooker.ui", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_days_cross_midnight_and_the_october_dst_change_in_berlin(tmp_path):
    """Recorded from 23:30 CEST on Saturday to 03:30 CET on Sunday (25 October 2026, clocks
    back at 03:00 CEST): two days, the second 25 hours long, times named CEST and CET, and each day's
    figures are report's for that day in the same zone."""
    log = tmp_path / "night.jsonl"
    log.write_text(DST_LOG)
    db = tmp_path / "berlin.db"
    store, _ = seed(db, "email-during-lecture")  # any content; then the night's log
    from onlooker.shim.obslog import parse
    from onlooker.storage.loadlog import load_log
    with open(log) as fh:
        header, events = parse(fh)
    load_log(store, header, events, header.start)
    env = {"TZ": "Europe/Berlin"}
    res = _cli(["--db", str(db), "diary", "--from", "2026-10-24", "--to", "2026-10-25",
                "--format", "json"], env)
    assert res.returncode == 0, res.stderr
    diary = json.loads(res.stdout)
    jsonschema.validate(diary, SCHEMA)
    sat, sun = diary["days"]
    assert sun["from"] == "2026-10-25T00:00:00.000+02:00"
    assert sun["to"] == "2026-10-26T00:00:00.000+01:00"
    assert sun["zones"] == ["CEST", "CET"]
    assert diary["zone_names"] == {"+02:00": "CEST", "+01:00": "CET"}
    assert sat["observed"]["from"] == "2026-10-24T23:30:00.000+02:00"
    assert sun["observed"]["until"] == "2026-10-25T03:30:00.000+01:00"  # 5 h after 23:30 CEST
    assert sat["recorded_s"] + sun["recorded_s"] == 18000
    assert sum(n["duration_s"] for n in sun["not_recorded"]) + sun["recorded_s"] == 25 * 3600
    for day in (sat, sun):
        report = json.loads(_cli(["--db", str(db), "report", "--date", day["date"], "--json"],
                                 env).stdout)
        assert [p["metrics"] for p in day["profiles"]] == [p["metrics"] for p in report["profiles"]]
    md = _cli(["--db", str(db), "diary", "--date", "2026-10-25", "--format", "md"], env).stdout
    assert "Times are in CEST and CET (the clocks changed in this period)." in md
    assert "Observed from 00:00:00 CEST to 03:30:00 CET" in md


def test_bad_input_gives_one_line_and_leaves_no_file(run, db_path, tmp_path):
    """A bad date, an unwritable -o and a bad log each end in one line, and no file, not even
    a partial one, is left behind."""
    seed(db_path, "email-during-lecture")
    out = tmp_path / "out"
    out.mkdir()
    cases = [
        (["diary", "--date", "2026-02-30", "-o", str(out / "x.html")], "--date: '2026-02-30' is not a date"),
        (["diary", "--week", "2026-W48", "--month", "2026-11"], "give one of --week, --month"),
        (["diary", "--date", "2026-11-23", "-o", str(out / "missing" / "x.html")], "cannot write"),
        (["diary", "--date", "2026-11-23", "-o", str(out)], "cannot write"),
        (["diary", "--example", "nope"], "no example 'nope'"),
        (["diary", "--profile", "nope"], "unknown profile 'nope'"),
        (["diary", "--month", "9999-12"], "between 1970 and 2100"),  # the calendar's last month
        (["diary", "--week", "9999-W52"], "between 1970 and 2100"),
    ]
    for args, words in cases:
        res = run(*args)
        assert res.exit_code == 2, (args, res.exit_code)  # usage problems, as the README says
        assert words in res.output and res.output.count("\n") == 1, res.output
    assert list(out.iterdir()) == []
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere: the rename case is the check
            pytest.skip("running as root: directory permissions do not apply")
        res = run("diary", "--date", "2026-11-23", "-o", str(locked / "d.html"))
        assert res.exit_code == 1 and list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_written_file_is_whole_and_private(run, db_path, tmp_path):
    """-o writes the whole diary, readable only by its owner."""
    seed(db_path, "email-during-lecture")
    target = tmp_path / "d.md"
    res = run("diary", "--date", "2026-11-23", "--format", "md", "-o", str(target))
    assert res.exit_code == 0
    assert target.read_text().startswith("# Privacy diary: Monday 23 November 2026")
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def _identifying(tmp_path, db_path) -> list[str]:
    host = socket.gethostname()
    return [str(db_path), str(db_path.parent), str(tmp_path), host, getpass.getuser()]


@pytest.mark.parametrize("fmt", ["html", "md", "json", "csv"])
def test_nothing_names_the_machine_or_person(run, db_path, tmp_path, fmt):
    """No database path, user name or host name in any format; anonymised, no app name or web
    address either (searched in the files)."""
    seed(db_path, "email-during-lecture")
    seed(db_path, "quiz-tab-switches")
    res = run("diary", "--from", "2026-11-23", "--to", "2026-11-25", "--format", fmt, "--anonymize")
    assert res.exit_code == 0
    text = res.stdout
    for needle in _identifying(tmp_path, db_path):
        assert not re.search(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", text), needle
    for needle in ("canvas.example.edu", "zoom\"", "| zoom", ">zoom<", "thunderbird"):
        assert needle not in text, needle
    assert "meeting app" in text or fmt == "csv"
    plain = run("diary", "--from", "2026-11-23", "--to", "2026-11-25", "--format", fmt).stdout
    assert "canvas.example.edu" in plain  # the addresses were there to hide


def test_dashboard_diary_download(tmp_path):
    """The dashboard's "Diary" action downloads the same file as the command; bad parameters
    get a 400 saying what is wrong."""
    from onlooker.ui.dashboard.api import DashboardAPI
    from onlooker.ui.dashboard.server import DashboardServer
    from onlooker.ui.service import Service

    db = tmp_path / "dash.db"
    store, _ = seed(db)
    server = DashboardServer(DashboardAPI(Service(store, db), tmp_path / "config.toml")).start()
    try:
        status, headers, body = raw(server.port, "GET", "/api/diary?format=md&from=2026-11-23&to=2026-11-23",
                                    ok_headers(server))
        assert status == 200
        assert headers["Content-Disposition"] == 'attachment; filename="onlooker-diary-2026-11-23.md"'
        cli_md = CliRunner().invoke(cli, ["--db", str(db), "diary", "--date", "2026-11-23",
                                          "--format", "md"]).stdout
        assert body.decode() == cli_md
        for query, words in [("format=exe", "format must be"), ("from=2026-13-01", "dates like"),
                             ("from=2026-11-25&to=2026-11-23", "must not be after"),
                             ("anonymize=yes", "anonymize must be")]:
            status, _, body = raw(server.port, "GET", f"/api/diary?{query}", ok_headers(server))
            assert status == 400 and words in json.loads(body)["error"], query
    finally:
        server.stop()


@pytest.mark.browser
def test_html_opens_offline_without_errors_and_is_looked_at(chromium, run, db_path, tmp_path):
    """The HTML diary renders in Chromium with no console error and no request but its own
    file; the first page at desktop and phone widths is saved for review."""
    from tests.browser_support import shot

    seed(db_path, "email-during-lecture")
    seed(db_path, "remote-worker-day")
    page_file = tmp_path / "diary.html"
    assert run("diary", "--from", "2026-11-23", "--to", "2026-11-26", "-o", str(page_file)).exit_code == 0
    for name, width, height in [("diary-desktop", 1280, 900), ("diary-phone", 390, 844)]:
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       java_script_enabled=False)
        page = context.new_page()
        errors, requests = [], []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        assert page.locator("h1").inner_text() == "Privacy diary"
        assert "2020 Zoom host would have seen the clock icon" in page.locator("ul.facts").inner_text()
        assert page.locator("section.day").count() == 4
        # nothing wider than the screen but the scrollable timeline and tables
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, name
        page.screenshot(path=str(shot(page, name)).replace(".png", "-first.png"))
        assert errors == [] and requests == [page_file.as_uri()]
        context.close()


@pytest.mark.browser
def test_pdf_has_the_first_page_and_the_days_flags(run, db_path, tmp_path):
    """The PDF (Chromium's print engine) reads back with the first page's sentences and each
    day's flags, one day per page after the first."""
    seed(db_path, "email-during-lecture")
    pdf = tmp_path / "diary.pdf"
    res = run("diary", "--date", "2026-11-23", "--format", "pdf", "-o", str(pdf))
    assert res.exit_code == 0, res.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "a 2020 Zoom host would have seen the clock icon next to your name, 4 times" in flat
    assert "10:37:10 UTC to 10:41:40 UTC: The host would see the clock icon" in flat
    # tagged, so a screen reader reads it in order (Chromium tags by default; keep it so)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    pages = text.split("\f")[:-1]
    # the first page stands alone; the day, the summary and the notes each start a page
    assert "At a glance" in pages[0] and "Observed from" not in pages[0]
    starts = [p.strip().splitlines()[0].strip() for p in pages]
    assert starts[1] == "Monday 23 November 2026"
    assert "Summary of the period" in starts and "Sources and assumptions" in starts
    assert 4 <= len(pages) <= 12, len(pages)
    for needle in _identifying(tmp_path, db_path):
        assert not re.search(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", text), needle


def test_pdf_without_a_browser_says_how_to_get_one(run, db_path, tmp_path, monkeypatch):
    """With no Chromium-family browser, asking for a PDF says what to install, and writes
    nothing."""
    seed(db_path, "email-during-lecture")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    res = run("diary", "--date", "2026-11-23", "--format", "pdf", "-o", str(tmp_path / "d.pdf"))
    assert res.exit_code == 2
    assert "apt install chromium" in res.output and res.output.count("\n") == 1
    assert not (tmp_path / "d.pdf").exists()


def test_a_period_figure_is_a_sum_or_the_days_range_said_plainly():
    """Seconds and counts add up; a percentage is given as its days' range, one value once."""
    from onlooker.ui.diary.text import period_total

    def metric(unit, total, *values):
        return {"unit": unit, "total": total, "per_day": [{"value": v} for v in values]}

    assert period_total(metric("s", 4530.0, 4000, 530)) == "1 h 15 min 30 s"
    assert period_total(metric("count", 11, 5, 6)) == "11"
    assert period_total(metric("%", None, 77.8)) == "77.8 %"
    assert period_total(metric("%", None, 100, None, 100)) == "100 % each day"
    assert period_total(metric("%", None, 33.9, 79.1)) == "per day 33.9 to 79.1 %"
    assert period_total(metric("%", None, None)) == "not known"
