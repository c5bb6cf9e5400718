"""Red team F3: a script on a watched page dispatches synthetic pointer events (and rewrites its
address) as fast as it can. Only events the browser raised count, so nothing it forges is stored."""

from pathlib import Path

import pytest

from .harness import rows, wait_rows

pytestmark = pytest.mark.browser

FLOOD = """(() => {
  for (let i = 0; i < 10000; i++) {
    history.replaceState(null, "", "/flood/" + "x".repeat(100) + i);
    dispatchEvent(new MouseEvent("mouseout"));
    dispatchEvent(new MouseEvent("mouseover"));
    dispatchEvent(new FocusEvent("blur"));
    dispatchEvent(new FocusEvent("focus"));
    document.dispatchEvent(new Event("visibilitychange"));
  }
  return true;
})()"""


def test_ten_thousand_synthetic_events_store_nothing(chromium_with_host, user, pages):
    db = Path(user["ONLOOKER_DB"])
    b = chromium_with_host
    b.consent()
    b.watching("http://127.0.0.1/*")
    page = b.open(pages.url("/flood/start"))
    page.activate()
    # the page's own first word (hidden or not) reaches the host: the pipe is open
    b.open(pages.url("/other"))
    wait_rows(db, lambda r: any(x["kind"] == "tab" for x in r))
    page.activate()
    page.wait_js("document.visibilityState === 'visible'")
    settled = wait_rows(db, lambda r: any(x["kind"] == "tab" and x.get("state") == "visible"
                                          for x in r))
    before = len(settled)
    assert page.js(FLOOD) is True
    # a real change after the flood (another tab in front): the page's own later message, so once
    # it is stored every message the page sent before it has been handled
    b.open(pages.url("/after"))
    got = wait_rows(db, lambda r: any(x["kind"] == "tab" and x.get("state") == "hidden"
                                      and "/flood/x" in x.get("url", "") for x in r))
    new = got[before:]
    assert not [r for r in new if r["kind"] in ("pointer_leave", "pointer_enter")], new
    # only the tab switch (blur + hidden, under the address the page last set) is stored
    assert sorted(r["kind"] for r in new if "/flood/" in r["url"]) == ["page_blur", "tab"], new
    assert len(new) <= 4, [(r["kind"], r["url"][-30:]) for r in new]
