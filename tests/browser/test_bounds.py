"""Red team F3 and F4 on the host's side: whatever reaches it (a compromised page that got past the
extension, a buggy extension), one tab's stored state changes are bounded per second and per day,
a repeated snapshot stores nothing, and URLs keep only what a browser would call origin and path."""

import logging

import pytest

from onlooker.shim import browser as b
from onlooker.ui.browser_host import Host

from .test_host import HostProcess, frame, page

NOW = 1_800_000_000.0


def _msg(seq, pointer, *, tab=7, doc="doc-1234", url="http://127.0.0.1:8000/quiz"):
    return {"v": 1, "kind": "page", "cause": "mouseleave", "tab": tab, "doc": doc, "seq": seq,
            "time": NOW * 1000, "url": url,
            "state": {"visible": True, "focused": True, "fullscreen": False, "pointer": pointer}}


def _host(clock):
    stored = []
    rules = b.rules_from_config({"origins": ["http://127.0.0.1/*"]})
    return Host(stored.append, rules, clock=clock), stored


def _feed(host, obj):
    import json

    body = json.dumps(obj).encode()
    host.frame(len(body), body)


def test_a_tab_toggling_its_pointer_is_stored_at_most_per_second_and_per_day(caplog):
    t = [NOW]
    host, stored = _host(lambda: t[0])
    caplog.set_level(logging.WARNING)
    for seq in range(1, 10_001):             # 10,000 toggles within one second
        _feed(host, _msg(seq, seq % 2 == 0))
    assert len(stored) <= b.TAB_PER_SECOND
    lines = [r for r in caplog.records if "state changes in one second" in r.getMessage()]
    assert len(lines) == 1                    # one log line, not one per message
    # a whole day of flooding, one burst a second: bounded by the day's figure
    seq = 10_001
    for s in range(1, 600):
        t[0] = NOW + s
        for _ in range(b.TAB_PER_SECOND + 5):
            seq += 1
            _feed(host, _msg(seq, seq % 2 == 0))
        host.tick()
    assert len(stored) <= b.TAB_PER_DAY
    assert sum("changes today" in r.getMessage() for r in caplog.records) == 1
    # another tab is not starved by the first one's flood
    before = len(stored)
    _feed(host, _msg(1, None, tab=8, doc="doc-other"))
    _feed(host, _msg(2, None, tab=8, doc="doc-other") | {"state": {
        "visible": False, "focused": False, "fullscreen": False, "pointer": None}})
    assert len(stored) > before


def test_repeated_snapshots_store_nothing_and_cost_nothing():
    host, stored = _host(lambda: NOW)
    for seq in range(1, 401):
        _feed(host, _msg(seq, True))
    assert stored == [] and host.rejected == 0
    _feed(host, _msg(401, False))            # the next real change still counts, in order
    assert [o.kind for o in stored] == ["pointer_leave"]


def test_the_real_host_process_bounds_a_flood(tmp_path):
    host = HostProcess(tmp_path)
    host.hello()
    data = b"".join(frame(page(seq, seq % 2 == 0)) for seq in range(1, 10_001))
    host.send(data)
    host.hello()                               # everything before it has been handled
    assert host.close() == 0
    from .harness import rows

    got = rows(host.db)
    assert 0 < len(got) <= 3 * b.TAB_PER_SECOND, len(got)   # a second or three of the flood
    log = host.log.read_text()
    assert log.count("state changes in one second") == 1


@pytest.mark.parametrize("url,stored", [
    ("https://meet.google.com/abc-defg-hij;jsessionid=SECRETMARKER", "https://meet.google.com/abc-defg-hij"),
    ("https://x.blackboard.com/webapps/a;jsessionid=S/b.jsp;x=1", "https://x.blackboard.com/webapps/a/b.jsp"),
    ("https://evil.example\\@meet.google.com/abc-defg-hij", "https://evil.example/@meet.google.com/abc-defg-hij"),
    ("https://evil.example\\.zoom.us/wc/1", "https://evil.example/.zoom.us/wc/1"),
])
def test_urls_are_read_as_a_browser_reads_them(url, stored):
    assert b.clean_url(url) == stored
    assert not b.UrlRules().meeting(b.clean_url(url)) or "evil" not in stored


@pytest.mark.parametrize("url", [
    "https://meet.google.com/abc-defg-hij\x00x", "https://x.zoom.us/wc/\x1b[31m",
    "https://user:pw@meet.google.com/abc-defg-hij", "https://@meet.google.com/",
    "https://x.zoom.us:abc/wc/", "https://x.zoom.us:99999/wc/", "https://[::1/x",
])
def test_bad_urls_are_refused_with_a_fixed_text(url):
    with pytest.raises(b.BadMessage) as err:
        b.validate(_msg(1, None, url=url), NOW)
    text = str(err.value)
    assert "abc" not in text and "99999" not in text and "\x1b" not in text and "pw" not in text
