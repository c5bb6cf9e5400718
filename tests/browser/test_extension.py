"""The extension in Debian's real Chromium, talking to the real host, into a real database."""

import json
import time

import pytest

from .harness import EXT_ID, rows, wait_rows

pytestmark = pytest.mark.browser

PAGE_KINDS = ("tab", "page_blur", "page_focus", "fullscreen_enter", "fullscreen_exit",
              "pointer_leave", "pointer_enter", "meeting_start", "meeting_end", "focus")


def _db(user):
    from pathlib import Path

    return Path(user["ONLOOKER_DB"])


def test_tab_switches_and_full_screen_store_the_right_rows_in_order(chromium_with_host, user,
                                                                    pages):
    b = chromium_with_host
    worker = b.worker()
    b.cdp.send("Runtime.enable", {}, worker.session)
    b.consent()
    b.watching("http://127.0.0.1/*")
    quiz = b.open(pages.url("/courses/1/quizzes/2/take?student=ann.smith#q3"))
    # on a busy machine the new tab's page may get its window's focus a moment after it loads;
    # switching away before that would hide a page that never had focus (no blur to store)
    quiz.wait_js("document.hasFocus()")
    other = b.open(pages.url("/courses/1/files"))          # a new tab in front: the quiz is hidden
    elsewhere = b.open(pages.url("/elsewhere", host="localhost"))  # not on the list
    quiz.activate()
    quiz.js("document.getElementById('fs').click()", gesture=True)
    quiz.wait_js("!!document.fullscreenElement")
    quiz.js("document.exitFullscreen()", gesture=True)
    quiz.wait_js("!document.fullscreenElement")
    got = wait_rows(_db(user), lambda r: any(x["kind"] == "fullscreen_exit" for x in r))
    quiz_url = pages.url("/courses/1/quizzes/2/take")
    seq = [(r["kind"], r.get("state")) for r in got if r.get("url") == quiz_url]
    if seq[:1] == [("page_focus", None)]:
        seq = seq[1:]  # the page loaded before its window had focus and then got it (busy machine)
    # within one switch the page's focus and visibility events come in either order
    assert len(seq) == 6 and set(seq[:2]) == {("page_blur", None), ("tab", "hidden")}, seq
    assert set(seq[2:4]) == {("page_focus", None), ("tab", "visible")}, seq   # switched back
    assert seq[4:] == [("fullscreen_enter", None), ("fullscreen_exit", None)], seq
    # the other watched tab saw its own hide when the quiz came back; times never go backwards
    assert ("tab", "hidden") in [(r["kind"], r.get("state")) for r in got
                                 if r.get("url") == pages.url("/courses/1/files")]
    assert [r["ts"] for r in got] == sorted(r["ts"] for r in got)
    assert all(r["app"] == "chromium" and r["category"] == "browser" and r["title"] is None
               for r in got)
    # a page outside the list stores nothing, and neither query nor fragment reaches the database
    assert not [r for r in got if "localhost" in r.get("url", "")]
    raw = _db(user).read_bytes() + (_db(user).with_name("onlooker.db-wal").read_bytes()
                                    if _db(user).with_name("onlooker.db-wal").exists() else b"")
    assert b"ann.smith" not in raw and b"student=" not in raw and b"#q3" not in raw
    # the extension's service worker ran without an error
    errors = [e for e in b.cdp.events if e.get("method") == "Runtime.exceptionThrown"]
    assert errors == []
    del other, elsewhere


def test_nothing_is_stored_before_consent(chromium_with_host, user, pages):
    b = chromium_with_host
    consent_page = b.find(lambda t: t["url"] == f"chrome-extension://{EXT_ID}/consent.html")
    assert consent_page  # it opened by itself on install
    before = b.open(pages.url("/courses/9/quizzes/9/take"))
    b.open(pages.url("/courses/9/files"))
    before.activate()
    before.wait_js("document.visibilityState === 'visible'")
    assert not _db(user).exists() or rows(_db(user)) == []
    status = b.worker().js("chrome.scripting.getRegisteredContentScripts().then(s => s.length)")
    assert status == 0  # no page is even touched before consent
    consented = time.time()
    b.consent()
    b.watching("http://127.0.0.1/*")
    b.open(pages.url("/after-consent"))
    got = wait_rows(_db(user), lambda r: len(r) > 0)
    # everything stored happened after consent (tabs open before it get the script then)
    assert got and all(r["ts"] >= consented - 0.01 for r in got)


@pytest.mark.slow
def test_a_browser_meeting_gives_meeting_rows_and_zoom_shows_the_icon(chromium_with_host, user,
                                                                      pages, tmp_path):
    from .harness import onlooker

    b = chromium_with_host
    b.consent()
    b.watching("http://127.0.0.1/meet/*")
    meet = b.open(pages.url("/meet/abc-defg-hij"))
    wait_rows(_db(user), lambda r: any(x["kind"] == "meeting_start" for x in r))
    assert onlooker(user, "sharing", "on").returncode == 0
    notes = b.open(pages.url("/notes"))  # another tab in front: the meeting window is out of focus
    wait_rows(_db(user), lambda r: any(x["kind"] == "focus" and x["app"] == "chromium" for x in r))
    time.sleep(31)  # Zoom's rule needs more than 30 s out of focus: real time in a real browser
    meet.activate()
    meet.wait_js("document.visibilityState === 'visible'")
    meet.close()
    got = wait_rows(_db(user), lambda r: any(x["kind"] == "meeting_end" for x in r))
    kinds = [(r["kind"], r["app"]) for r in got if r["kind"] in ("meeting_start", "meeting_end",
                                                                  "focus")]
    assert kinds[0] == ("meeting_start", "127.0.0.1")
    assert ("focus", "chromium") in kinds and kinds[-1][0] == "meeting_end"
    report = onlooker(user, "report", "--date", "today", "--profile", "zoom-2020", "--json")
    assert report.returncode == 0, report.stderr
    zoom = json.loads(report.stdout)
    zoom = zoom[0] if isinstance(zoom, list) else zoom
    text = json.dumps(zoom)
    assert "clock icon" in text, text[:2000]
    del notes
