"""Red team F16: `import activitywatch --server` reads only from this machine: no redirect is
followed (not even to another loopback port), and the body is read up to a cap."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from onlooker.ui.awfetch import FetchError, fetch_export


@contextmanager
def _server(host, answer):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            answer(self)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_port, hits
    finally:
        srv.shutdown()
        srv.server_close()


def _json(body):
    def answer(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        h.wfile.write(body)
    return answer


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_naming_it_and_is_not_followed(status):
    with _server("127.0.0.2", _json(b'{"buckets": {}}')) as (elsewhere, stolen):
        def redirect(h):
            h.send_response(status)
            h.send_header("Location", f"http://127.0.0.2:{elsewhere}/stolen?x=1")
            h.send_header("Content-Length", "0")
            h.end_headers()

        with _server("127.0.0.1", redirect) as (port, hits):
            with pytest.raises(FetchError, match=f"redirected \\({status}\\)"):
                fetch_export(f"http://127.0.0.1:{port}")
    assert hits == ["/api/0/export"] and stolen == []


def test_a_body_over_the_cap_is_refused_without_holding_it(tmp_path):
    def endless(h):  # no Content-Length: the cap must hold while reading
        h.send_response(200)
        h.end_headers()
        try:
            for _ in range(64):
                h.wfile.write(b" " * 65536)
        except OSError:
            pass

    with _server("127.0.0.1", endless) as (port, _):
        with pytest.raises(FetchError, match="more than"):
            fetch_export(f"http://127.0.0.1:{port}", cap=1024 * 1024)


def test_a_declared_length_over_the_cap_is_refused_before_reading():
    def big(h):
        h.send_response(200)
        h.send_header("Content-Length", str(10**12))
        h.end_headers()

    with _server("127.0.0.1", big) as (port, _):
        with pytest.raises(FetchError, match="over the 512 MB limit"):
            fetch_export(f"http://127.0.0.1:{port}")


@pytest.mark.parametrize("url", ["http://example.com:5600", "http://10.0.0.1:5600",
                                 "https://127.0.0.1:5600", "http://user:pw@127.0.0.1:5600",
                                 "http://127.0.0.1.example.com:5600", "http://127.0.0.1:99999"])
def test_only_loopback_addresses_are_read(url):
    with pytest.raises(FetchError, match="only an aw-server on this machine"):
        fetch_export(url)


def test_localhost_and_a_good_export_still_work():
    with _server("127.0.0.1", _json(b'{"buckets": {"b": {"events": []}}}')) as (port, hits):
        assert fetch_export(f"http://localhost:{port}") == {"buckets": {"b": {"events": []}}}
    assert hits == ["/api/0/export"]
