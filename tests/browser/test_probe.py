"""`onlooker probe` in Debian's real Chromium: the page shows what it learns as it happens."""

import base64
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import ROOT, Chromium, rows

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts"


def screenshot(tab, name: str) -> Path:
    tab.cdp.send("Page.enable", {}, tab.session)
    data = tab.cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                        tab.session)["data"]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(data))
    return path


@pytest.fixture
def probe_server(tmp_path, user):
    proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "probe", "--record"], env=user,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    m = re.search(r"probe: (http://127\.0\.0\.1:\d+/probe\.html#token=[0-9a-f]{32})", line)
    assert m, line + proc.stderr.read()
    yield m.group(1)
    proc.send_signal(signal.SIGTERM)
    proc.wait(15)


def test_probe_page_shows_visibility_and_focus_as_they_happen(tmp_path, user, probe_server,
                                                              pages):
    b = Chromium(tmp_path, user, extension=False)
    try:
        probe = b.open(probe_server)
        probe.wait_js("document.getElementById('recording').textContent.startsWith('Recording')")
        assert probe.js("document.getElementById('s-visible').textContent") == "visible"
        assert "#" not in probe.js("location.href")  # the key left the address bar
        other = b.open(pages.url("/elsewhere"))      # another tab in front
        probe.wait_js("document.getElementById('s-visible').textContent === 'hidden'")
        assert probe.js("document.getElementById('s-focus').textContent") == "not focused"
        probe.activate()
        probe.wait_js("document.getElementById('s-visible').textContent === 'visible'")
        probe.wait_js("document.getElementById('c-visible').textContent === '2'")
        events = probe.js("[...document.querySelectorAll('#events li')].map(li => li.textContent)")
        assert any("tab hidden" in e for e in events) and any("visible again" in e for e in events)
        device = probe.js("[...document.querySelectorAll('#device tr')].map(tr => tr.textContent)")
        assert len(device) >= 7
        assert any("hardwareConcurrency" in d for d in device)
        assert any("Phone carrier" in d and "cannot" in d for d in device)
        assert any("UTC" in d or "/" in d for d in device if d.startswith("Time zone"))
        # "or more" only at the browser's top value (8 GB before Chrome 147, 32 GB since)
        memory = next(d for d in device if d.startswith("(also) Memory"))
        assert re.search(r"(about \d+(\.\d+)? GB|\b(8|32) GB or more|not given)$", memory), memory
        shot = screenshot(probe, "probe-page")
        assert shot.stat().st_size > 10_000
        # recorded like the extension's events (started with --record)
        got = [r for r in rows(Path(user["ONLOOKER_DB"])) if r["app"] == "probe"]
        assert [(r["kind"], r.get("state")) for r in got if r["kind"] == "tab"] == [
            ("tab", "hidden"), ("tab", "visible")]
        del other
    finally:
        b.close()


def test_consent_page_screenshot(tmp_path, user):
    b = Chromium(tmp_path, user)
    try:
        t = b.find(lambda t: t["type"] == "page" and t["url"].endswith("/consent.html"))
        from .harness import Tab

        page = Tab(b.cdp, t["targetId"])
        page.wait_js("document.readyState === 'complete' && !!document.getElementById('agree')")
        text = page.js("document.body.innerText")
        for needed in ("never", "query", "native messaging", "I agree"):
            assert needed in text
        assert screenshot(page, "browser-consent-page").stat().st_size > 10_000
    finally:
        b.close()
