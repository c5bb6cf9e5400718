"""Profiles present themselves: a profile added to the registry alone reaches the dashboard's API,
the CLI help, the notifier's live set, the terminal report, the metrics export and the page."""

import csv
import io
import json
import time

import pytest
from click.testing import CliRunner

from onlooker.shim.model import LogHeader, Observation
from onlooker.shim.profiles import PROFILES, Flag, Metric, Presentation, Profile
from onlooker.shim.profiles._base import Locks
from onlooker.shim.replay import replay_events
from onlooker.storage.db import connect
from onlooker.storage.lockfile import RecorderLock
from onlooker.storage.store import Store
from onlooker.ui.cli import cli
from onlooker.ui.dashboard.api import DashboardAPI
from onlooker.ui.notify import Notifier
from onlooker.ui.render import table
from onlooker.ui.service import Service
from tests.browser_support import shot
from tests.shim.helpers import ev
from tests.ui.conftest import ok_headers, raw


class LockWatcherMachine:
    """A made-up product that marks you absent while the screen is locked."""

    handles = frozenset(("lock", "unlock"))

    def __init__(self, info):
        self.locks = Locks()

    def feed(self, e):
        self.locks.feed(e)

    def finish(self, end):
        spans = self.locks.finish(end)
        flags = [Flag(a, b, "The lock watcher would mark you absent.") for a, b in spans]
        return flags, {"applies": True, "absences": len(flags),
                       "locked_s": round(sum(b - a for a, b in spans), 3)}


LOCK_WATCHER = Profile(
    id="lock-watcher",
    name="Lock Watcher (a made-up eleventh product)",
    seen_by="a test",
    sources=("https://example.org/lock-watcher",),
    assumptions=("Made up for a test.",),
    machine=LockWatcherMachine,
    presentation=Presentation(
        short="Lock watcher",
        metrics=(Metric("absences", "absences marked"), Metric("locked_s", "marked absent", "s")),
        headline=("absences", "locked_s"),
        trend="locked_s",
        live="The lock watcher would now mark you absent",
    ),
)


@pytest.fixture
def eleventh(monkeypatch):
    """The registry, and only the registry, learns of an eleventh profile."""
    monkeypatch.setitem(PROFILES, LOCK_WATCHER.id, LOCK_WATCHER)
    return LOCK_WATCHER


def test_an_added_profile_reaches_the_dashboard_api(eleventh, dashboard):
    status, _, body = raw(dashboard.port, "GET", "/api/profiles", ok_headers(dashboard))
    assert status == 200
    served = {p["id"]: p for p in json.loads(body)["profiles"]}
    assert list(served) == list(PROFILES)
    mine = served["lock-watcher"]
    assert mine["short"] == "Lock watcher"
    assert [h["label"] for h in mine["headlines"]] == ["absences marked", "marked absent"]
    assert mine["trend"] == {"key": "locked_s", "label": "marked absent", "unit": "s", "scale": "min"}
    assert mine["live"] == "The lock watcher would now mark you absent"
    overview = dashboard.api.overview()
    assert "lock-watcher" in [p["id"] for p in overview["profiles"]]


def test_an_added_profile_is_listed_in_the_cli_help(eleventh):
    for command in ("replay", "report"):
        out = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
        assert out.exit_code == 0
        assert "web-page, lock-watcher." in out.output, out.output


def test_an_added_live_profile_notifies_with_its_own_sentence(eleventh, db_path, tmp_path):
    now = time.time()
    store = Store(connect(db_path))
    store.record([Observation(now - 100, "focus", app="editor"), Observation(now - 50, "lock")], [])
    api = DashboardAPI(Service(store, db_path), tmp_path / "c.toml")
    api.set_settings({"notify": True})
    lock = RecorderLock(db_path).acquire()  # a recorder is running
    try:
        sent = []
        notifier = Notifier(api, lambda summary, body: sent.append(summary))
        notifier.check_once()
        banner = [a["sentence"] for a in api.live()["active"] if a["profile"] == "lock-watcher"]
    finally:
        lock.release()
    assert sent.count("The lock watcher would now mark you absent") == 1
    assert banner == ["The lock watcher would now mark you absent"]


def test_an_added_profile_reads_as_words_in_the_terminal_report(eleventh):
    events = [ev(0, "input"), ev(60, "lock"), ev(160, "unlock"), ev(200, "end")]
    text = table(replay_events(LogHeader(), events))
    assert "Lock Watcher (a made-up eleventh product)  [lock-watcher]" in text
    assert "absences marked: 1; marked absent: 1 min 40 s" in text


def test_terminal_report_words_every_metric_of_the_shipped_profiles():
    events = [ev(0, "input", until=30), ev(60, "lock"), ev(400, "unlock"), ev(1000, "end")]
    text = table(replay_events(LogHeader(), events, ["teams-presence", "hubstaff"]))
    # Away from the lock at 60 s to the unlock at 400 s; unlocking is input, so the 5-min rule
    # is Away again from 700 s to the end and the 15-min rule never after the unlock
    assert "shown Away (5-min rule): 10 min 40 s; shown Away (15-min rule): 5 min 40 s" in text
    assert "activity: 3 %" in text
    assert "away_s" not in text and "_pct" not in text


def test_metrics_export_names_each_metric_in_words(eleventh, dashboard):
    _, _, body = dashboard.api.export("csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert list(rows[0]) == ["day", "profile", "metric", "value", "label", "unit"]
    zoom = {r["metric"]: r for r in rows if r["profile"] == "zoom-2020"}
    assert zoom["attentive_pct"]["label"] == "attentive (model)"
    assert zoom["attentive_pct"]["unit"] == "%"
    teams = {r["metric"]: r for r in rows if r["profile"] == "teams-presence"}
    assert teams["away_s_5min"]["label"] == "shown Away (5-min rule)"
    assert teams["away_s_5min"]["unit"] == "s"


@pytest.mark.browser
def test_an_added_profile_shows_on_the_page_under_its_own_label(eleventh, chromium, tmp_path):
    """The page draws the eleventh profile's lane, card headline and trend from the registry."""
    from tests.ui.conftest import seed
    from onlooker.ui.dashboard.server import DashboardServer

    db = tmp_path / "locked.db"
    store, _ = seed(db, "phone-break")
    server = DashboardServer(DashboardAPI(Service(store, db), tmp_path / "c.toml")).start()
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC")
    errors = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url())
        page.wait_for_selector("#timeline svg")
        assert "▲ Lock watcher" in page.locator(".lane-label").all_text_contents()
        assert page.locator("path.flag[data-profile='lock-watcher']").count() == 1
        page.click("#tab-saw")
        card = page.locator("article[data-profile='lock-watcher']")
        # durations read as words, like the terminal's
        assert " ".join(card.locator(".metric").inner_text().split()) == "1 absences marked 8 min marked absent"
        page.click("#tab-trends")
        page.wait_for_selector("article[data-profile='lock-watcher'] svg.chart rect")
        trend = page.locator("#trends article[data-profile='lock-watcher']")
        assert "min marked absent, per day" in trend.inner_text()
        assert trend.locator("svg.chart rect title").all_text_contents() == ["2026-11-24: 8"]
        shot(page, "dashboard-eleventh-profile-trends")
    finally:
        ctx.close()
        server.stop()
    assert not errors, errors
