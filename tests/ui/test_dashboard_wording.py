"""What a new user reads in the dashboard: badges that count what a card lists, durations in
words, axis labels inside the chart, hover text that belongs to the shown day, and the host's
view telling the scrubbed moment apart from the whole meeting."""

import io
import re

import pytest
from playwright.sync_api import expect

from onlooker.shim.obslog import parse
from onlooker.storage.db import connect
from onlooker.storage.loadlog import load_log
from onlooker.storage.store import Store
from onlooker.ui.dashboard.api import DashboardAPI
from onlooker.ui.dashboard.server import DashboardServer
from onlooker.ui.service import Service
from tests.browser_support import shot

pytestmark = pytest.mark.browser

# Two Zoom meetings: in the first, sharing starts 7 s in and the window is away for 80 s; the
# second has no sharing marked at all.
TWO_MEETINGS = """\
{"onlooker": "log", "version": 1, "start": "2026-11-23T10:00:00Z", "title": "Two meetings"}
{"at": 0, "event": "focus", "app": "zoom"}
{"at": 3, "event": "meeting_start", "app": "zoom"}
{"at": 10, "event": "share_start"}
{"at": 20, "event": "focus", "app": "mail"}
{"at": 100, "event": "focus", "app": "zoom"}
{"at": 600, "event": "meeting_end"}
{"at": 700, "event": "meeting_start", "app": "zoom"}
{"at": 760, "event": "meeting_end"}
"""


@pytest.fixture
def page(chromium, dashboard):
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC")
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(dashboard.url())
    pg.wait_for_selector("#timeline svg")
    yield pg
    ctx.close()
    assert not errors, errors


def test_badges_count_what_each_card_lists(page):
    """Hubstaff lists its 10-minute slots: the badge says how many; a rule that does not apply
    says n/a instead of 0."""
    page.click("#tab-saw")
    hub = page.locator("article[data-profile='hubstaff']")
    listed = hub.locator("ol li").count()
    assert listed >= 1
    expect(hub.locator(".flagcount")).to_have_text(str(listed))
    expect(page.locator("article[data-profile='canvas-quiz-log'] .flagcount")).to_have_text("n/a")


def test_durations_read_as_words_and_long_addresses_wrap(page):
    page.click("#tab-saw")
    page.wait_for_selector("article[data-profile='zoom-2020'] .metric")
    metrics = page.locator(".card .metric").all_inner_texts()
    assert not [m for m in metrics if re.search(r"\b\d{3,} s\b", m)], metrics  # not "590 s"
    # nothing in a card runs past its edge (a long URL wraps)
    wide = page.evaluate("""() => [...document.querySelectorAll('.card li')]
        .filter(li => li.scrollWidth > li.clientWidth + 1)
        .map(li => li.textContent.slice(0, 60))""")
    assert wide == []
    wrap = page.evaluate("getComputedStyle(document.querySelector('.card li')).overflowWrap")
    assert wrap == "anywhere"


def test_time_axis_labels_stay_inside_the_timeline(page):
    for zoom in (None, "#zoom-in", "#zoom-in"):
        if zoom:
            page.click(zoom)
        right = page.evaluate(
            "document.querySelector('#timeline svg').getBoundingClientRect().right")
        ends = page.evaluate("""() => [...document.querySelectorAll('#timeline .axis text')]
            .map(t => t.getBoundingClientRect().right)""")
        assert ends and max(ends) <= right + 0.5, (ends, right)
        labels = page.locator("#timeline .axis text").all_text_contents()
        assert all(re.fullmatch(r"\d\d:\d\d(:\d\d)?", t) for t in labels), labels


def _serve(tmp_path, text):
    header, events = parse(io.StringIO(text))
    db = tmp_path / "two.db"
    store = Store(connect(db))
    load_log(store, header, events, header.start)
    return DashboardServer(DashboardAPI(Service(store, db), tmp_path / "c.toml")).start()


def test_host_view_tells_the_moment_from_the_whole_meeting(chromium, tmp_path):
    """Before sharing starts: nobody is sharing now. While shared: someone is. A meeting with no
    share marked at all says so."""
    server = _serve(tmp_path, TWO_MEETINGS)
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC")
    try:
        page = ctx.new_page()
        page.goto(server.url())
        page.wait_for_selector("#timeline svg")
        page.click("#tab-host")
        share = page.locator(".stage .share")
        # 10:00:03; sharing starts at 10:00:10
        expect(share).to_have_text("Nobody is sharing a screen now.")

        def at(seconds):
            page.locator("#scrubber").evaluate(
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(seconds))
        at(60)
        expect(share).to_have_text("Someone is sharing a screen.")
        expect(page.locator("#attention-icon")).to_have_count(1)  # away since :20, icon after :50
        page.select_option("#meeting-pick", "1")
        expect(share).to_have_text("No screen sharing was marked in this meeting.")
        shot(page, "dashboard-host-view-no-sharing")
    finally:
        ctx.close()
        server.stop()


def test_switching_scenario_clears_the_old_hover_text(demo_page):
    page = demo_page
    box = page.locator("rect[data-lane='foreground']").nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#tl-info")).to_contain_text("in front")
    page.mouse.move(5, 5)  # off the timeline, so no new hover text is written
    page.select_option("#scenario", "quiz-tab-switches")
    expect(page.locator("#title")).to_have_text("Quiz with tab switches")
    expect(page.locator("#tl-info")).to_have_text("Point at the timeline to see what happened.")
    shot(page, "dashboard-scenario-switched")
