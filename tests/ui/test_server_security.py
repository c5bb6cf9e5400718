"""security.md tests A1-A13 against the real dashboard server: every attack refused, nothing read
or changed, and the right headers on every response."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import ok_headers, raw

REQUIRED_HEADERS = {
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin", "Referrer-Policy": "no-referrer",
}


def rows(server):
    return server.api.store.table_counts(), server.api.store.get_setting("paused_until")


def assert_headers(headers):
    for k, v in REQUIRED_HEADERS.items():
        assert headers.get(k) == v, k
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert not [k for k in headers if k.lower().startswith("access-control-")]


def test_legitimate_requests_work(dashboard):
    status, headers, body = raw(dashboard.port, "GET", "/api/overview", ok_headers(dashboard))
    assert status == 200 and json.loads(body)["profiles"]
    assert_headers(headers)
    status, headers, body = raw(dashboard.port, "GET", "/", {"Host": f"localhost:{dashboard.port}",
                                                             "Sec-Fetch-Site": "none"})
    assert status == 200 and b"<title>Onlooker</title>" in body
    assert_headers(headers)


def test_a1_listens_on_loopback_only(dashboard):
    """The listening socket's local address is 127.0.0.1 (checked in the kernel's own table, so no
    packet goes anywhere), and the server refuses to be bound elsewhere."""
    from onlooker.ui.dashboard.server import DashboardServer

    assert dashboard.server_address[0] == "127.0.0.1"
    listening = []
    with open("/proc/net/tcp") as fh:
        next(fh)
        for line in fh:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.split(":")[1], 16) == dashboard.port:
                listening.append(local.split(":")[0])
    assert listening == ["0100007F"]  # 127.0.0.1, not 00000000 (every interface)
    every_interface = ".".join(["0"] * 4)
    for host in (every_interface, "", "192.168.1.10"):
        with pytest.raises(ValueError, match="loopback"):
            DashboardServer(dashboard.api, host=host)


def test_a2_dns_rebinding_with_a_valid_token_is_refused(dashboard):
    before = rows(dashboard)
    for method, path, body in (("GET", "/api/day", None), ("POST", "/api/forget", {"all": True})):
        h = ok_headers(dashboard, Host=f"rebind.attacker.example:{dashboard.port}",
                       Origin=f"http://rebind.attacker.example:{dashboard.port}")
        h["Sec-Fetch-Site"] = "same-origin"
        if body:
            h["Content-Type"] = "application/json"
        status, headers, payload = raw(dashboard.port, method, path, h, body)
        assert status == 403
        assert b"attacker" not in payload and b"events" not in payload
        assert_headers(headers)
    assert rows(dashboard) == before


@pytest.mark.parametrize("host", [None, ":{p}", "0.0.0.0:{p}", "127.0.0.1:1", "localhost.:{p}",
                                  "evil.localhost:{p}", "127.0.0.1", "LOCALHOST:{p}x"])
def test_a3_host_allow_list_is_exact(dashboard, host):
    h = ok_headers(dashboard)
    if host is None:
        del h["Host"]
    else:
        h["Host"] = host.format(p=dashboard.port)
    status, _, _ = raw(dashboard.port, "GET", "/api/overview", h)
    assert status == 403


def test_a4_zoom_style_image_get_changes_nothing(dashboard):
    before = rows(dashboard)
    h = {"Host": f"127.0.0.1:{dashboard.port}", "Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors",
         "Sec-Fetch-Site": "cross-site"}
    for path in ("/api/pause", "/api/forget", "/api/day", "/api/export"):
        status, _, body = raw(dashboard.port, "GET", path, h)
        assert status in (401, 403) and b"zoom" not in body
    # even with the token, writers refuse GET
    status, _, _ = raw(dashboard.port, "GET", "/api/pause", ok_headers(dashboard))
    assert status == 405
    assert rows(dashboard) == before


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x"])
def test_a5_cross_site_form_posts_are_refused(dashboard, ctype):
    before = rows(dashboard)
    h = {"Host": f"127.0.0.1:{dashboard.port}", "Content-Type": ctype, "Origin": "https://evil.example"}
    status, _, _ = raw(dashboard.port, "POST", "/api/forget", h, b'{"all": true}')
    assert status in (403, 415)
    # same content types with the token and no Origin (a local process): still not JSON -> 415
    status, _, _ = raw(dashboard.port, "POST", "/api/forget", ok_headers(dashboard, **{"Content-Type": ctype}),
                       b'{"all": true}')
    assert status == 415
    assert rows(dashboard) == before


@pytest.mark.parametrize("extra", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                   {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}])
def test_a6_foreign_origin_and_fetch_metadata_refused(dashboard, extra):
    status, _, body = raw(dashboard.port, "GET", "/api/day", ok_headers(dashboard, **extra))
    assert status == 403 and b"lanes" not in body


def test_a7_preflight_refused_and_never_any_cors_header(dashboard):
    h = {"Host": f"127.0.0.1:{dashboard.port}", "Origin": "https://evil.example",
         "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"}
    status, headers, _ = raw(dashboard.port, "OPTIONS", "/api/forget", h)
    assert status == 403
    assert_headers(headers)


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Bearer {t8}", "Bearer {t}x", "{t}",
                                  "Basic {t}", "Bearer 00000000000000000000000000000000"])
def test_a8_missing_wrong_or_truncated_token(dashboard, auth):
    h = {"Host": f"127.0.0.1:{dashboard.port}"}
    if auth:
        h["Authorization"] = auth.format(t=dashboard.token, t8=dashboard.token[:8])
    status, _, body = raw(dashboard.port, "GET", "/api/overview", h)
    assert status == 401 and b"profiles" not in body


def test_a8_token_of_an_earlier_launch_is_refused(dashboard, tmp_path):
    from onlooker.ui.dashboard.server import DashboardServer

    other = DashboardServer(dashboard.api).start()
    try:
        assert other.token != dashboard.token
        status, _, _ = raw(other.port, "GET", "/api/overview",
                           {"Host": f"127.0.0.1:{other.port}", "Authorization": f"Bearer {dashboard.token}"})
        assert status == 401
    finally:
        other.stop()


def test_a8_token_is_not_accepted_in_a_query_string_and_never_logged(dashboard, capfd):
    """A key in the URL (where logs, history and Referer would keep it) is refused, and serving
    requests writes nothing to the terminal."""
    h = {"Host": f"127.0.0.1:{dashboard.port}"}
    status, _, _ = raw(dashboard.port, "GET", f"/api/overview?token={dashboard.token}", h)
    assert status == 401
    raw(dashboard.port, "GET", "/api/overview", ok_headers(dashboard))
    raw(dashboard.port, "GET", f"/?token={dashboard.token}", h)
    out, err = capfd.readouterr()
    assert dashboard.token not in out + err
    assert "GET /" not in out + err


def test_a9_websocket_upgrade_refused(dashboard):
    for origin in ("https://evil.example", f"http://127.0.0.1:{dashboard.port}"):
        h = {"Host": f"127.0.0.1:{dashboard.port}", "Origin": origin, "Upgrade": "websocket",
             "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
             "Sec-WebSocket-Version": "13"}
        status, headers, _ = raw(dashboard.port, "GET", "/api/version", h)
        assert status == 403 and headers.get("Upgrade") is None


def test_a10_headers_on_every_kind_of_response(dashboard):
    cases = [("GET", "/", {"Host": f"127.0.0.1:{dashboard.port}"}, None),
             ("GET", "/app.js", {"Host": f"127.0.0.1:{dashboard.port}"}, None),
             ("GET", "/nope", {"Host": f"127.0.0.1:{dashboard.port}"}, None),
             ("GET", "/api/overview", ok_headers(dashboard), None),
             ("GET", "/api/overview", {"Host": "evil"}, None),
             ("GET", "/api/overview", {"Host": f"127.0.0.1:{dashboard.port}"}, None),
             ("POST", "/api/pause", ok_headers(dashboard, **{"Content-Type": "application/json"}),
              b"not json"),
             ("GET", "/api/day?day=garbage", ok_headers(dashboard), None)]
    seen = set()
    for method, path, h, body in cases:
        status, headers, _ = raw(dashboard.port, method, path, h, body)
        seen.add(status)
        assert_headers(headers)
    assert {200, 400, 401, 403, 404} <= seen


def test_a10_traversal_and_unknown_paths_serve_nothing(dashboard):
    for path in ("/../dash.db", "/%2e%2e/dash.db", "/static/../../storage/db.py", "/api/../dash.db"):
        status, _, body = raw(dashboard.port, "GET", path, {"Host": f"127.0.0.1:{dashboard.port}"})
        assert status in (401, 403, 404) and b"SQLite" not in body


def test_a12_no_shell_anywhere_in_the_code():
    root = Path(__file__).resolve().parents[2]
    for pkg in ("shim", "storage", "ui"):
        for f in (root / pkg).rglob("*.py"):
            text = f.read_text()
            for needle in ("shell" + "=True", "os." + "system(", "os." + "popen("):
                assert needle not in text, (f, needle)


def test_a13_port_closes_when_the_dashboard_stops(tmp_path):
    """`onlooker dashboard --browser` serves until stopped; afterwards the port is closed and no
    process of ours is left listening."""
    from tests.ui.conftest import seed

    db = tmp_path / "a13.db"
    seed(db)
    proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), "dashboard", "--browser"],
                            stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    line = proc.stdout.readline()
    port = int(line.split("127.0.0.1:")[1].split("/")[0])
    status, _, _ = raw(port, "GET", "/", {"Host": f"127.0.0.1:{port}"})
    assert status == 200
    proc.terminate()  # SIGTERM stops it as Ctrl-C does
    assert proc.wait(20) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_bad_bodies_get_clear_400s_without_stack_traces(dashboard):
    h = ok_headers(dashboard, **{"Content-Type": "application/json"})
    for path, body in (("/api/forget", {"from": "yesterday"}), ("/api/pause", {"minutes": -5}),
                       ("/api/settings", {"profiles_shown": ["nope"]}), ("/api/forget", [1, 2]),
                       ("/api/settings", {"add_rule": {"app": "("}})):
        status, _, payload = raw(dashboard.port, "POST", path, h, body)
        assert status == 400, (path, payload)
        assert b"Traceback" not in payload and b".py" not in payload
    status, _, _ = raw(dashboard.port, "POST", "/api/forget", h, b"x" * 70000)
    assert status == 413


def test_scenario_switching_exists_only_in_demonstrations(dashboard):
    """On a real diary the demo's 'replace the data' action is refused."""
    before = rows(dashboard)
    h = ok_headers(dashboard, **{"Content-Type": "application/json"})
    status, _, body = raw(dashboard.port, "POST", "/api/scenario", h, {"name": "quiz-tab-switches"})
    assert status == 400 and b"no such demonstration scenario" in body
    assert rows(dashboard) == before


def test_every_post_route_has_exactly_one_schema():
    """Routes are declared once; each POST body is checked by the schema of the same path."""
    from onlooker.ui.dashboard import schemas
    from onlooker.ui.dashboard.server import GET_ROUTES, POST_ROUTES

    assert set(POST_ROUTES) == set(schemas.SCHEMAS)
    assert all(p.startswith("/api/") for p in [*GET_ROUTES, *POST_ROUTES])
