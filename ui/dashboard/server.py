"""The dashboard's HTTP server: loopback only, every request through ``guard.check`` first."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from storage.errors import StorageError

from . import guard
from .api import BadRequest, DashboardAPI

STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


def _static_files() -> dict[str, tuple[str, bytes]]:
    """URL path -> (content type, bytes) for the shipped assets; nothing else is ever served."""
    out = {}
    for entry in resources.files("ui.static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in STATIC_TYPES:
            out["/" + entry.name] = (STATIC_TYPES[suffix], entry.read_bytes())
    out["/"] = out["/index.html"]
    return out


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, api: DashboardAPI, host: str = "127.0.0.1", port: int = 0):
        if host not in ("127.0.0.1", "::1"):
            raise ValueError("the dashboard only listens on loopback")
        super().__init__((host, port), Handler)
        self.api = api
        self.token = secrets.token_hex(16)  # 128 bits, new every launch
        self.hosts = guard.allowed_hosts(self.server_address[1])
        self.static = _static_files()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self) -> str:
        # the token travels in the fragment: browsers never send it to a server or a Referer
        return f"http://127.0.0.1:{self.port}/#token={self.token}"

    def start(self) -> "DashboardServer":
        self._thread = threading.Thread(target=self.serve_forever, name="onlooker-dashboard",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


GET_ROUTES = {"/api/version", "/api/overview", "/api/day", "/api/trends", "/api/data",
              "/api/settings", "/api/live", "/api/export"}
POST_ROUTES = {"/api/pause", "/api/resume", "/api/forget", "/api/settings", "/api/scenario"}


class Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    server_version = "onlooker"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # never log requests: paths and headers are the user's business

    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def do_OPTIONS(self):
        self._handle("OPTIONS")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PATCH(self):
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        refusal = guard.check(method, path, self.headers, hosts=self.server.hosts,
                              token=self.server.token)
        if refusal is not None:
            self._drain()
            return self._json(refusal.status, {"error": refusal.reason})
        if not path.startswith(guard.API_PREFIX):
            asset = self.server.static.get(path)
            if asset is None:
                return self._json(404, {"error": "not found"})
            return self._send(200, asset[0], asset[1], head=(method == "HEAD"))
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            if method == "POST":
                if path not in POST_ROUTES:
                    self._drain()
                    return self._json(405 if path in GET_ROUTES else 404, {"error": "no such action"})
                body = self._body()
                return self._json(200, self._post(path, body))
            if path not in GET_ROUTES:
                return self._json(405 if path in POST_ROUTES else 404, {"error": "not found"})
            if path == "/api/export":
                name, ctype, data = self.server.api.export(query.get("format", "jsonl"))
                return self._send(200, ctype, data, api=True, extra={
                    "Content-Disposition": f'attachment; filename="{name}"'})
            return self._json(200, self._get(path, query))
        except BadRequest as exc:
            return self._json(400, {"error": str(exc)})
        except StorageError as exc:
            return self._json(503, {"error": str(exc)})
        except Exception:  # no stack traces to the page
            return self._json(500, {"error": "internal error"})

    def _get(self, path: str, q: dict[str, str]) -> Any:
        api = self.server.api
        if path == "/api/day":
            return api.day(q.get("day"))
        if path == "/api/trends":
            try:
                days = int(q.get("days", "28"))
            except ValueError:
                raise BadRequest("days must be a whole number") from None
            return api.trends(days)
        return {"/api/version": api.version, "/api/overview": api.overview, "/api/data": api.data,
                "/api/settings": api.settings, "/api/live": api.live}[path]()

    def _post(self, path: str, body: dict) -> Any:
        api = self.server.api
        return {"/api/pause": api.pause, "/api/resume": api.resume, "/api/forget": api.forget,
                "/api/settings": api.set_settings, "/api/scenario": api.select_scenario}[path](body)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("the body must be JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body

    def _drain(self) -> None:
        """Read a refused request's body so the connection stays in step (bounded)."""
        try:
            length = min(int(self.headers.get("Content-Length") or 0), guard.MAX_BODY)
        except ValueError:
            length = 0
        if length:
            self.rfile.read(length)
        self.close_connection = True

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, "application/json", json.dumps(obj).encode(), api=True)

    def _send(self, status: int, ctype: str, data: bytes, *, head: bool = False, api: bool = False,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in guard.SECURITY_HEADERS.items():
            self.send_header(k, guard.API_CSP if (api and k == "Content-Security-Policy") else v)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(data)
