"""Issue 11: the dashboard's HTTP layer against malformed framing, slow clients and hostile bodies.

One real `onlooker dashboard --browser` process serves them all, over real sockets to 127.0.0.1;
the last test checks what the attacks cost it: peak memory, threads, and its stderr."""

import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui.conftest import seed

ROOT = Path(__file__).resolve().parents[2]
SECURITY = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
            "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


class Served:
    def __init__(self, proc, port, token, stderr):
        self.proc, self.port, self.token, self.stderr = proc, port, token, stderr
        self.host = f"127.0.0.1:{port}"

    def status(self, field):
        """A line of the server's /proc status (VmHWM = peak RSS in kB, Threads)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def head(self, method, path, extra="", length=None):
        """An authorised request head, as bytes, without the blank line's final CRLF pair."""
        h = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
             f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n")
        if length is not None:
            h += f"Content-Length: {length}\r\n"
        return (h + extra).encode()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    db = tmp / "attacks.db"
    seed(db)
    env = dict(os.environ, ONLOOKER_CONFIG=str(tmp / "config.toml"))
    stderr = tmp / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "--db", str(db), "dashboard",
                                 "--browser"], stdout=subprocess.PIPE, stderr=err, text=True,
                                cwd=ROOT, env=env)
    try:
        line = ""
        while "token=" not in line:
            line = proc.stdout.readline()
            assert line, "the dashboard exited before printing its address"
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        yield Served(proc, port, line.strip().split("token=")[1], stderr)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def exchange(port, data, wait=3.0):
    """Send raw bytes and keep our side open; (bytes received, closed by the server, seconds)."""
    t0 = time.monotonic()
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        while time.monotonic() - t0 < wait:
            s.settimeout(max(0.01, wait - (time.monotonic() - t0)))
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                return out, True, time.monotonic() - t0
            if not chunk:
                return out, True, time.monotonic() - t0
            out += chunk
    return out, False, time.monotonic() - t0


def responses(data):
    """[(status, headers, body)] of every response in ``data`` (Content-Length framed)."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        n = int(headers.get("Content-Length", "0"))
        out.append((int(lines[0].split()[1]), headers, rest[:n]))
        data = rest[n:]
    return out


def call(served, method, path, body=None, timeout=5):
    """An authorised request on a fresh connection: (status, parsed JSON, seconds)."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=timeout)
    headers = {"Authorization": f"Bearer {served.token}", "Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, json.loads(payload), time.monotonic() - t0


def assert_error_page(status, headers, body, expected):
    assert status == expected, (status, body)
    for k, v in SECURITY.items():
        assert headers.get(k) == v, (expected, k)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]
    assert b"<" not in body and b"Traceback" not in body


def state(served):
    """What an attack might change: paused or not, every table's row count, the settings."""
    _, overview, _ = call(served, "GET", "/api/overview")
    _, data, _ = call(served, "GET", "/api/data")
    _, settings, _ = call(served, "GET", "/api/settings")
    return overview["paused"], data["tables"], settings


@pytest.mark.parametrize("lengths", [["-1"], ["-100"], ["+2"], ["0x10"], ["abc"], ["2", "2"],
                                     ["2", "5"], ["1e3"], ["99999999999999999999999"], ["1000000"]])
def test_content_length_must_be_plain_digits_within_the_cap(served, lengths):
    """Refused at once, before any body is read (none is sent), with a forbidden Host too."""
    before = state(served)
    for host_ok in (True, False):
        head = served.head("POST", "/api/pause")
        if not host_ok:
            head = head.replace(served.host.encode(), b"evil.example")
        head += b"".join(f"Content-Length: {n}\r\n".encode() for n in lengths) + b"\r\n"
        data, closed, took = exchange(served.port, head)
        [(status, headers, body)] = responses(data)
        assert_error_page(status, headers, body, 413 if lengths[0].isdigit() and
                          len(lengths) == 1 else 400)
        assert closed and took < 2
    assert state(served) == before


@pytest.mark.parametrize("extra", [b"", b"Content-Length: 4\r\n"])
def test_chunked_body_with_a_smuggled_request_is_refused_whole(served, extra):
    """Transfer-Encoding is refused (411): neither the outer request nor the pause request hidden
    in its chunked body runs, and nothing else is answered on that connection."""
    before = state(served)
    smuggled = served.head("POST", "/api/pause", length=2) + b"\r\n{}"
    chunk = b'{"a":1}' + b"\r\n\r\n" + smuggled
    body = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n" + smuggled
    data, closed, _ = exchange(served.port, served.head("POST", "/api/resume", extra=(
        b"Transfer-Encoding: chunked\r\n" + extra).decode()) + b"\r\n" + body)
    [(status, headers, payload)] = responses(data)
    assert_error_page(status, headers, payload, 411)
    assert closed and data.count(b"HTTP/1.1 ") == 1
    for te in (b"gzip", b"chunked, identity"):
        data, closed, _ = exchange(served.port, served.head("POST", "/api/pause", length=2,
                                   extra="Transfer-Encoding: " + te.decode() + "\r\n") + b"\r\n{}")
        [(status, headers, payload)] = responses(data)
        assert status in (411, 501) and closed
    assert state(served) == before


def test_expect_continue_without_a_body_changes_nothing(served):
    before = state(served)
    data, closed, took = exchange(served.port, served.head(
        "POST", "/api/pause", length=15, extra="Expect: 100-continue\r\n") + b"\r\n")
    [(status, headers, body)] = responses(data)
    assert_error_page(status, headers, body, 417)
    assert b"100 Continue" not in data and closed and took < 2
    assert state(served) == before and before[0] is False


def test_every_error_status_is_ours(served):
    """Parser errors and guard refusals alike: JSON, the security headers, no HTML stack page."""
    h, tok = served.host, f"Authorization: Bearer {served.token}\r\n"
    cases = {
        400: f"GARBAGE\r\nHost: {h}\r\n\r\n",
        401: f"GET /api/overview HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n",
        403: "GET /api/overview HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        404: f"GET /nope HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n",
        405: f"GET /api/pause HTTP/1.1\r\nHost: {h}\r\n{tok}Connection: close\r\n\r\n",
        411: f"POST /api/pause HTTP/1.1\r\nHost: {h}\r\nTransfer-Encoding: chunked\r\n\r\n",
        413: f"POST /api/pause HTTP/1.1\r\nHost: {h}\r\nContent-Length: 70000\r\n\r\n",
        414: f"GET /{'a' * 5000} HTTP/1.1\r\nHost: {h}\r\n\r\n",
        415: f"POST /api/pause HTTP/1.1\r\nHost: {h}\r\n{tok}Content-Type: text/plain\r\n"
             "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
        417: f"POST /api/pause HTTP/1.1\r\nHost: {h}\r\nExpect: 100-continue\r\n\r\n",
        431: f"GET / HTTP/1.1\r\nHost: {h}\r\nX-Big: {'b' * 20000}\r\n\r\n",
        501: f"POST /api/pause HTTP/1.1\r\nHost: {h}\r\nTransfer-Encoding: gzip\r\n\r\n",
        505: f"GET / HTTP/2.0\r\nHost: {h}\r\n\r\n",
    }
    for expected, request in cases.items():
        data, closed, _ = exchange(served.port, request.encode())
        assert closed, expected
        [(status, headers, body)] = responses(data)
        assert_error_page(status, headers, body, expected)


BAD_VALUES = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", '"5"', "true", "[1]", "{}", "null"]
FIELDS = {"/api/pause": ['{{"minutes": {v}}}'],
          "/api/resume": ['{{"x": {v}}}'],
          "/api/forget": ['{{"from": {v}, "to": 2000000000}}', '{{"from": 0, "to": {v}}}',
                          '{{"all": {v}}}'],
          "/api/settings": ['{{"notify": {v}}}', '{{"keep_titles": {v}}}',
                            '{{"profiles_shown": {v}}}', '{{"add_rule": {{"app": {v}}}}}',
                            '{{"add_rule": {{"app": "zoom", "title": {v}}}}}'],
          "/api/scenario": ['{{"name": {v}}}']}
WHOLE_BODIES = [b"NaN", b"1e999", b"[1, 2]", b"null", b'"x"', b"1" * 5000, b"[" * 50000,
                b'{"minutes": 5', b"\xff\xfe{}", b'{"a": 1}' * 2]
VALID = {'{"minutes": null}', '{"all": true}', '{"notify": true}', '{"keep_titles": true}',
         '{"add_rule": {"app": "zoom", "title": null}}', '{"add_rule": {"app": "5"}}',
         '{"add_rule": {"app": "zoom", "title": "5"}}'}  # the "bad" values that are good here


def test_hostile_bodies_get_a_400_with_a_sentence_and_change_nothing(served):
    before = state(served)
    for path, templates in FIELDS.items():
        bodies = [t.format(v=v).encode() for t in templates for v in BAD_VALUES
                  if t.format(v=v) not in VALID]
        for body in bodies + WHOLE_BODIES:
            status, payload, _ = call(served, "POST", path, body)
            assert status == 400, (path, body[:60], payload)
            assert isinstance(payload["error"], str) and ".py" not in payload["error"]
    assert state(served) == before


def test_the_dashboard_still_takes_good_bodies(served):
    assert call(served, "POST", "/api/pause", b'{"minutes": 1.5}')[:2] == (200, {"paused": True})
    assert call(served, "POST", "/api/resume", b"{}")[:2] == (200, {"paused": False})
    status, settings, _ = call(served, "POST", "/api/settings", b'{"notify": false}')
    assert status == 200 and settings["notify"] is False


def test_clients_that_vanish_mid_request_leave_no_trace(served):
    """Half-sent requests, resets and a reader that leaves before a big answer arrives."""
    for i in range(200):
        s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        s.sendall(served.head("POST", "/api/pause", length=40)[: 20 + i % 60])
        if i % 2:  # an abortive close: RST instead of FIN
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        s.sendall(served.head("GET", "/api/export?format=jsonl") + b"\r\n")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    assert call(served, "GET", "/api/version")[0] == 200


@pytest.mark.slow
def test_three_thousand_slow_connections_do_not_stop_it(served):
    """Stalled half-requests cost a socket, not a thread: the dashboard answers within 1 s while
    3,000 of them are open and after they are gone, and the server drops them at its deadline."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 3200:
        if hard != resource.RLIM_INFINITY and hard < 3200:
            pytest.skip("this process may not open 3,000 sockets")
        resource.setrlimit(resource.RLIMIT_NOFILE, (3200, hard))
    half = served.head("POST", "/api/pause")[:-30]
    slow = []
    try:
        for _ in range(3000):
            s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            s.sendall(half)
            slow.append(s)
        worst = max(call(served, "GET", "/api/overview")[2] for _ in range(5))
        assert worst < 1.0, worst
        assert served.status("Threads") <= 16
        # the request deadline (10 s) closes stalled requests even while they trickle
        deadline = time.monotonic() + 20
        trickler = slow[0]
        while time.monotonic() < deadline:
            try:
                trickler.sendall(b"x")
            except OSError:
                break
            time.sleep(0.5)
        else:
            pytest.fail("a trickling request was never cut off")
    finally:
        for s in slow:
            s.close()
    worst = max(call(served, "GET", "/api/overview")[2] for _ in range(5))
    assert worst < 1.0, worst
    assert state(served)[0] is False


def test_what_the_attacks_cost(served):
    """Run last: peak memory under 100 MB, threads bounded, not one traceback on stderr."""
    assert call(served, "GET", "/api/version")[0] == 200
    peak_mb = served.status("VmHWM") / 1024
    assert peak_mb < 100, peak_mb
    assert served.status("Threads") <= 16
    err = served.stderr.read_text(errors="replace")
    assert "Traceback" not in err and "Error" not in err, err[-2000:]
