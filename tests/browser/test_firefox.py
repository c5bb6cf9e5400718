"""The same extension in Debian's Firefox ESR: installed from the profile's extensions folder,
its host manifest from `onlooker browser install --browser firefox`, tabs switched over WebDriver
BiDi, rows read from the real database."""

from pathlib import Path

import pytest

from .firefox import FIREFOX_BIN, Firefox
from .harness import onlooker, rows, wait_rows

pytestmark = pytest.mark.browser


@pytest.fixture
def firefox_with_host(tmp_path, user):
    if not Path(FIREFOX_BIN).exists():
        pytest.fail(f"{FIREFOX_BIN} is missing; run ./bootstrap test (it installs firefox-esr)")
    # HOME is the test's directory: this writes $HOME/.mozilla/native-messaging-hosts/
    r = onlooker(user, "browser", "install", "--browser", "firefox")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / ".mozilla/native-messaging-hosts/org.onlooker.browser.json").exists()
    browser = Firefox(tmp_path, user)
    yield browser
    browser.close()


def test_firefox_tab_switches_on_a_listed_origin_store_the_right_rows(firefox_with_host, user,
                                                                     pages):
    fx = firefox_with_host
    db = Path(user["ONLOOKER_DB"])
    fx.consent()
    quiz = fx.open(pages.url("/courses/1/quizzes/2/take?student=ann.smith#q3"))
    files = fx.open(pages.url("/courses/1/files"))     # in front of the quiz: the quiz is hidden
    fx.open(pages.url("/elsewhere", host="localhost"))  # not on the list
    quiz.activate()                                      # back to the quiz
    quiz_url, files_url = pages.url("/courses/1/quizzes/2/take"), pages.url("/courses/1/files")
    got = wait_rows(db, lambda r: ("tab", "visible") in [(x["kind"], x.get("state")) for x in r
                                                         if x.get("url") == quiz_url])
    seq = [(r["kind"], r.get("state")) for r in got if r.get("url") == quiz_url]
    # hidden when another tab came in front, visible and focused again when switched back. (A
    # tab Firefox opens may load unfocused and get focus without a focus event, so its first
    # blur is not always there to see: what the page saw is what is stored.)
    hidden, visible = seq.index(("tab", "hidden")), seq.index(("tab", "visible"))
    assert hidden < visible and ("page_focus", None) in seq[hidden:], seq
    assert seq.count(("tab", "hidden")) == seq.count(("tab", "visible")) == 1, seq
    assert ("tab", "hidden") in [(r["kind"], r.get("state")) for r in got
                                 if r.get("url") == files_url]
    assert all(r["app"] == "firefox" and r["category"] == "browser" and r["title"] is None
               for r in got)
    assert {r["page"] for r in got if r.get("url") == quiz_url} == {"quiz"}
    # a page outside the list stores nothing; neither query nor fragment reaches the database
    assert not [r for r in rows(db) if "localhost" in r.get("url", "")]
    raw = db.read_bytes() + (db.with_name(db.name + "-wal").read_bytes()
                             if db.with_name(db.name + "-wal").exists() else b"")
    assert b"ann.smith" not in raw and b"student=" not in raw and b"#q3" not in raw
    del files


def test_dashboard_settings_show_the_connected_extension_and_its_origins(firefox_with_host, user,
                                                                          pages, chromium):
    """While Firefox's extension is connected, Settings says so and lists the watched origins."""
    import signal
    import subprocess
    import time

    from tests.browser_support import shot

    from .harness import ONLOOKER, ROOT

    fx = firefox_with_host
    fx.consent()
    fx.open(pages.url("/courses/3/quizzes/4/take"))
    status = Path(user["XDG_STATE_HOME"]) / "onlooker" / "browser-host.json"
    deadline = time.time() + 15
    while not status.exists():  # the host starts when the extension connects after consent
        assert time.time() < deadline, "the extension never started the host"
        time.sleep(0.1)
    proc = subprocess.Popen([*ONLOOKER, "dashboard", "--browser"], env=user, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = ""
        while "token=" not in line:
            line = proc.stdout.readline()
            assert line, "the dashboard exited before printing its address"
        page = chromium.new_page(viewport={"width": 1200, "height": 900})
        page.goto(line.split("dashboard: ", 1)[1].strip())
        page.click("#tab-settings")
        page.wait_for_selector("#browser-origins li")
        state = page.inner_text("#browser-state")
        origins = page.locator("#browser-origins li").all_inner_texts()
        page.locator("#browser-box").scroll_into_view_if_needed()
        path = shot(page, "dashboard-settings-browser")
        page.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    assert state.startswith("Connected (firefox)") and "never" not in state, state
    assert "https://meet.google.com/*" in origins and "http://127.0.0.1/*" in origins, origins
    assert path.stat().st_size > 10_000
