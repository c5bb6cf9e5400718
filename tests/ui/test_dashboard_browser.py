"""The dashboard in Debian's Chromium on a seeded database: every view shows the seeded facts."""

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser_support import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def page(chromium, dashboard):
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC",
                               accept_downloads=True)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(dashboard.url())
    pg.wait_for_selector("#timeline svg")
    pg.errors = errors
    yield pg
    ctx.close()
    assert not errors, errors


def test_timeline_shows_lanes_and_each_profiles_flags(page, dashboard):
    """The email-during-lecture day: 4 Zoom clock icons and 6 GoTo 'not attentive' marks on
    their own lanes; the key left the address bar."""
    assert "token" not in page.url
    assert page.locator("#title").inner_text() == "Your day as trackers would see it"
    assert page.locator("path.flag[data-profile='zoom-2020']").count() == 4
    assert page.locator("path.flag[data-profile='gotowebinar']").count() == 6
    assert page.locator("rect[data-lane='meeting']").count() >= 8
    labels = page.locator(".lane-label").all_text_contents()
    assert labels[:3] == ["In front", "Meeting window", "Keyboard / mouse"]
    assert "▲ Zoom host (2020)" in labels
    # hover tells what happened
    box = page.locator("rect[data-lane='foreground']").nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert re.search(r"\d\d:\d\d:\d\d — .*in front", page.locator("#tl-info").inner_text())
    shot(page, "dashboard-timeline")


def test_timeline_zooms_by_drag_and_keys(page):
    before = page.locator("svg[role=img]").get_attribute("aria-label")
    svg = page.locator("#timeline svg").bounding_box()
    page.mouse.move(svg["x"] + svg["width"] * 0.4, svg["y"] + 60)
    page.mouse.down()
    page.mouse.move(svg["x"] + svg["width"] * 0.6, svg["y"] + 60, steps=5)
    page.mouse.up()
    zoomed = page.locator("svg[role=img]").get_attribute("aria-label")
    assert zoomed != before
    page.locator("#timeline").focus()
    page.keyboard.press("0")
    assert page.locator("svg[role=img]").get_attribute("aria-label") != zoomed


def test_what_they_saw_states_each_flag_in_plain_sentences(page):
    page.click("#tab-saw")
    zoom = page.locator("article[data-profile='zoom-2020']")
    assert zoom.locator(".flagcount").inner_text() == "4"
    items = zoom.locator("li").all_inner_texts()
    assert items[0].startswith("10:03:47") and "clock icon next to your name; it stayed 15 s" in items[0]
    assert "77.8" in zoom.locator(".metric").inner_text()
    canvas = page.locator("article[data-profile='canvas-quiz-log']")
    assert "Does not apply" in canvas.inner_text()
    hub = page.locator("article[data-profile='hubstaff']")
    assert "Activity 23.7 % in this 10-minute slot" in hub.inner_text()
    shot(page, "dashboard-what-they-saw")
    # "show" jumps to the moment on the timeline
    zoom.locator("button.show").first.click()
    assert page.locator("#tab-timeline").get_attribute("aria-selected") == "true"
    assert "10:0" in page.locator("svg[role=img]").get_attribute("aria-label")


def test_host_view_scrubber_shows_and_clears_the_clock_icon(page):
    page.click("#tab-host")
    page.wait_for_selector("#scrubber")
    scrub = page.locator("#scrubber")
    lo = int(scrub.get_attribute("min"))

    def at(seconds_from_start):
        page.locator("#scrubber").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(seconds_from_start))
    at(240)  # 10:04:00: out of focus since 10:03:17 -> icon (from 10:03:47 to 10:04:02)
    assert page.locator("#attention-icon").count() == 1
    assert "clock icon shown" in page.locator(".scrub output").inner_text()
    assert "NOT in front" in page.locator(".stage").inner_text()
    shot(page, "dashboard-host-view-icon")
    at(250)  # 10:04:10: back in Zoom -> cleared
    assert page.locator("#attention-icon").count() == 0
    at(lo)
    page.click("#play")
    page.wait_for_timeout(1200)
    page.click("#play")
    assert int(page.locator("#scrubber").input_value()) > lo  # playing moved the time on
    shot(page, "dashboard-host-view")


def test_trends_plot_each_days_metric(chromium, tmp_path):
    """Three recorded days (three classroom scenarios): one bar a day, with the day's figure."""
    from tests.ui.conftest import seed
    from onlooker.ui.dashboard.api import DashboardAPI
    from onlooker.ui.dashboard.server import DashboardServer
    from onlooker.ui.service import Service

    db = tmp_path / "days.db"
    day0 = 1795428000.0  # 2026-11-23T10:00Z
    for i, name in enumerate(("email-during-lecture", "phone-break", "attentive-student")):
        store, _ = seed(db, name, start=day0 + i * 86400)
    server = DashboardServer(DashboardAPI(Service(store, db), tmp_path / "c.toml")).start()
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC")
    try:
        page = ctx.new_page()
        page.goto(server.url())
        page.wait_for_selector("#timeline svg")
        page.click("#tab-trends")
        page.wait_for_selector("article[data-profile='zoom-2020'] svg.chart rect")
        bars = page.locator("article[data-profile='zoom-2020'] svg.chart rect title").all_text_contents()
        assert bars == ["2026-11-23: 77.8", "2026-11-24: 74.9", "2026-11-25: 100"]
        teams = page.locator("article[data-profile='teams-presence'] svg.chart rect title").all_text_contents()
        assert teams[1] == "2026-11-24: 8"  # the phone break: 8 minutes Away, in minutes
        shot(page, "dashboard-trends")
    finally:
        ctx.close()
        server.stop()


def test_your_data_forgets_a_range_and_then_everything(page, dashboard):
    page.click("#tab-data")
    page.wait_for_selector("#forget-range")
    assert "17 rows" in page.locator("table.facts").inner_text()
    shot(page, "dashboard-your-data")
    page.fill("#forget-from", "2026-11-23T10:00:00")
    page.fill("#forget-to", "2026-11-23T10:10:00")
    page.click("#forget-range")
    page.click("#confirm-yes")
    page.wait_for_selector("#forget-msg:has-text('Deleted')")
    first = page.locator("#forget-msg").inner_text()
    conn = sqlite3.connect(dashboard.api.db_path)
    left = conn.execute("SELECT count(*) FROM events WHERE ts < ?", (1795428600 * 1000,)).fetchone()[0]
    assert left == 0
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    page.click("#forget-all")
    page.click("#confirm-no")  # cancel keeps everything
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    page.click("#forget-all")
    page.click("#confirm-yes")
    # the first forget's message says "Deleted" too: wait for this one's own
    expect(page.locator("#forget-msg")).not_to_have_text(first)
    expect(page.locator("#forget-msg")).to_contain_text("Deleted")
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM input_spans").fetchone()[0] == 0


def test_your_data_pause_resume_and_export(page, dashboard):
    page.click("#tab-data")
    page.wait_for_selector("#pause")
    page.select_option("#pause-for", "")
    page.click("#pause")
    page.wait_for_selector(".chip:has-text('paused')")
    assert dashboard.api.store.paused_until() == float("inf")
    page.click("#resume")
    page.wait_for_selector("#rec-state:has-text('No recorder')")
    assert dashboard.api.store.paused_until() is None
    expect(page.locator(".chip:has-text('paused')")).to_have_count(0)
    with page.expect_download() as dl:
        page.click("#export-jsonl")
    lines = open(dl.value.path()).read().splitlines()
    assert json.loads(lines[0])["onlooker"] == "log"
    assert any('"event":"meeting_start"' in x for x in lines)


def test_settings_hide_a_profile_and_keep_titles(page, dashboard):
    page.click("#tab-settings")
    page.wait_for_selector("#show-web-page")
    shot(page, "dashboard-settings")
    page.uncheck("#show-web-page")
    page.wait_for_timeout(300)
    page.check("#keep-titles")
    page.wait_for_timeout(300)
    page.click("#tab-saw")
    assert page.locator("article[data-profile='web-page']").count() == 0
    assert page.locator("article[data-profile='zoom-2020']").count() == 1
    assert "keep_titles = true" in (dashboard.api.config_path).read_text()
    before = page.locator("#settings").get_attribute("data-rendered")
    page.click("#tab-settings")
    expect(page.locator("#settings")).not_to_have_attribute("data-rendered", before)
    page.fill("#rule-app", "(")
    page.click("#add-rule")
    expect(page.locator("#settings p[role=status]")).to_contain_text("bad pattern")


def test_keyboard_moves_between_views(page):
    page.locator("#tab-timeline").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#tab-saw").get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-saw"
    page.keyboard.press("End")
    assert page.locator("#tab-settings").get_attribute("aria-selected") == "true"
    # every control has a name a screen reader can read
    unnamed = page.evaluate("""() => [...document.querySelectorAll('button, input, select')]
        .filter(e => !(e.getAttribute('aria-label') || e.labels?.length || e.textContent.trim()))
        .map(e => e.id || e.outerHTML.slice(0, 60))""")
    assert unnamed == []


def test_greyscale_still_distinguishes_focus_states(page):
    """In greyscale, in-focus and out-of-focus meeting segments differ in lightness (and pattern)."""
    page.evaluate("document.documentElement.style.filter = 'grayscale(1)'")  # CSP forbids style tags
    path = shot(page, "dashboard-timeline-greyscale")
    assert path.exists()
    lum = page.evaluate("""() => {
        const c = getComputedStyle(document.documentElement);
        const hex = (v) => { v = v.trim().replace('#', ''); return [0, 2, 4].map(i => parseInt(v.slice(i, i + 2), 16)); };
        const L = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
        return [L(hex(c.getPropertyValue('--focus-in'))), L(hex(c.getPropertyValue('--focus-out'))),
                L(hex(c.getPropertyValue('--idle'))), L(hex(c.getPropertyValue('--locked')))];
    }""")
    fin, fout, idle, locked = lum
    assert abs(fin - fout) > 60 and abs(idle - locked) > 100


def test_no_token_shows_what_to_do(chromium, dashboard):
    ctx = chromium.new_context()
    pg = ctx.new_page()
    pg.goto(f"http://127.0.0.1:{dashboard.port}/")
    pg.wait_for_selector("#error:not([hidden])")
    assert "one-time key" in pg.locator("#error").inner_text()
    ctx.close()


def test_a_day_without_records_says_so(page):
    page.click("#prev-day")
    expect(page.locator("#day")).to_have_value("2026-11-22")
    expect(page.locator("#tl-info")).to_have_text("Nothing was recorded on this day.")
    assert page.locator("path.flag").count() == 0
    page.click("#next-day")
    expect(page.locator("#day")).to_have_value("2026-11-23")
    expect(page.locator("path.flag[data-profile='zoom-2020']")).to_have_count(4)


def test_demo_switches_between_bundled_scenarios(demo_page):
    """In a classroom demonstration the teacher picks another scenario; its facts replace the
    old ones (here the quiz: Canvas's log and Proctorio's flags)."""
    page = demo_page
    expect(page.locator("#title")).to_have_text("Checks email during the lecture")
    page.select_option("#scenario", "quiz-tab-switches")
    expect(page.locator("#title")).to_have_text("Quiz with tab switches")
    expect(page.locator("#day")).to_have_value("2026-11-25")
    page.click("#tab-saw")
    canvas = page.locator("article[data-profile='canvas-quiz-log']")
    expect(canvas.locator(".flagcount")).to_have_text("12")
    assert "Stopped viewing the Canvas quiz-taking page..." in canvas.inner_text()
    expect(page.locator("article[data-profile='zoom-2020']")).to_contain_text("Does not apply")
    shot(page, "dashboard-demo-quiz")
