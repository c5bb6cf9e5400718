"""Direct tests of the two pure gatekeepers: the dashboard's request guard (who may talk to the
loopback server, before any routing) and the command line's time parsing."""

from datetime import datetime, timezone

import pytest
from email.message import Message

from onlooker.shim.model import InvalidTime
from onlooker.ui import timeparse
from onlooker.ui.dashboard import guard

PORT = 8123
HOSTS = guard.allowed_hosts(PORT)
TOKEN = "t" * 32


def headers(**h):
    m = Message()  # case-insensitive, as the server's headers are
    for k, v in h.items():
        m[k.replace("_", "-")] = v
    return m


def api(method="GET", path="/api/day", **h):
    base = {"Host": f"127.0.0.1:{PORT}", "Authorization": f"Bearer {TOKEN}"}
    if method == "POST":
        base["Content_Type"] = "application/json"
        base["Content_Length"] = "2"
    base.update(h)  # the test's own value replaces the default of the same name
    return guard.check(method, path, headers(**base), hosts=HOSTS, token=TOKEN)


def test_the_dashboards_own_requests_pass():
    assert api() is None
    assert api("POST", "/api/pause") is None
    assert api(Sec_Fetch_Site="same-origin", Sec_Fetch_Mode="cors", Sec_Fetch_Dest="empty") is None
    page = headers(Host=f"localhost:{PORT}", Sec_Fetch_Site="none", Sec_Fetch_Dest="document")
    assert guard.check("GET", "/", page, hosts=HOSTS, token=TOKEN) is None


@pytest.mark.parametrize("change, status", [
    ({"Host": f"evil.example:{PORT}"}, 403),            # DNS rebinding
    ({"Host": "127.0.0.1:9"}, 403),                     # another port
    ({"Host": f"127.0.0.1.:{PORT}"}, 403),
    ({"Authorization": "Bearer wrong"}, 401),
    ({"Authorization": TOKEN}, 401),                   # no scheme
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Sec-Fetch-Dest": "image"}, 403),                # <img src=.../api/...>
    ({"Sec-Fetch-Mode": "no-cors"}, 403),
    ({"Sec-Fetch-Site": "none"}, 403),                 # typed into the address bar: no API
    ({"Upgrade": "websocket"}, 403),
    ({"Transfer-Encoding": "chunked"}, 411),
    ({"Expect": "100-continue"}, 417),
    ({"Content-Length": "-1"}, 400),
    ({"Content-Length": "+5"}, 400),
    ({"Content-Length": "99999999"}, 413),
])
def test_everything_else_is_refused_before_routing(change, status):
    refusal = api(**{k.replace("-", "_"): v for k, v in change.items()})
    assert refusal is not None and refusal.status == status
    sent = [v for v in change.values() if any(c in v for c in ".:/")]  # hosts, origins, tokens
    assert not any(v in refusal.reason for v in sent)  # the reason never echoes the request


def test_state_changes_need_post_with_json():
    assert api("POST", "/api/pause", Content_Type="text/plain").status == 415
    assert api("PUT", "/api/pause").status == 405
    assert api("OPTIONS", "/api/pause").status == 403
    page = headers(Host=f"127.0.0.1:{PORT}")
    assert guard.check("POST", "/", page, hosts=HOSTS, token=TOKEN).status == 405


def test_token_comparison_needs_the_whole_token():
    assert guard.token_ok(f"Bearer {TOKEN}", TOKEN)
    assert not guard.token_ok(f"Bearer {TOKEN[:-1]}", TOKEN)
    assert not guard.token_ok(None, TOKEN)


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("now", NOW.timestamp()),
    ("-2h", NOW.timestamp() - 7200),
    ("-90s", NOW.timestamp() - 90),
    ("09:30", datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc).timestamp()),
    ("2026-11-28T09:00Z", datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc).timestamp()),
    ("2026-11-28T09:00+01:00", datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc).timestamp()),
    ("yesterday", datetime(2026, 11, 27, tzinfo=timezone.utc).timestamp()),
])
def test_moments_people_type(text, expected):
    assert timeparse.moment(text, now=NOW) == expected  # the tests run with TZ=UTC


@pytest.mark.parametrize("text, words", [
    ("garbage", "is not a time"),
    ("0001-01-01T00:00Z", "outside 1970-01-01 to 2100-01-01"),
    ("9999-12-31T00:00Z", "outside"),
    ("-99999999999h", "within 400 days"),
    ("25:00", "is not a time of day"),
])
def test_impossible_moments_are_one_clear_error(text, words):
    with pytest.raises(ValueError, match=words):
        timeparse.moment(text, now=NOW)


def test_durations_and_days():
    assert timeparse.duration("30m") == 1800 and timeparse.duration("1.5h") == 5400
    assert timeparse.duration("45") == 2700  # a bare number is minutes
    with pytest.raises(ValueError, match="400 days"):
        timeparse.duration("99999h")
    a, b = timeparse.day_range("2026-03-29")
    assert b - a == 86400  # UTC has no DST; the range is the local day
    for bad in ("1970-01-01", "9999-12-31", "2026-13-01"):
        with pytest.raises(ValueError):
            timeparse.day_range(bad)
    assert issubclass(InvalidTime, ValueError)
