"""The dashboard's HTTP server: waitress on loopback, every request through ``guard.check`` first,
every POST body through its schema.

Why waitress rather than http.server (README, security): its parser takes Content-Length as digits
only and caps it before reading, decodes chunked framing instead of reading it as a second request,
reads every connection in one event loop (a stalled client costs a socket, not a thread) and hands
complete requests to a fixed pool of worker threads. Around it, a few small subclasses add what it
lacks: a deadline for a whole request (not just for silence), our own JSON error pages with the
security headers, and refusals of Transfer-Encoding, Expect, long addresses and unknown versions.
"""

from __future__ import annotations

import json
import logging
import resource
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import orjson
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import Error

from onlooker.storage.errors import StorageError

from . import guard, schemas
from .api import BadRequest, DashboardAPI

log = logging.getLogger(__name__)

STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
def _days(q: dict[str, str]) -> int:
    days = q.get("days", "28")
    if not (days.isascii() and days.isdigit() and len(days) <= 4):
        raise BadRequest("days must be a whole number")
    return int(days)


def _download(name: str, ctype: str, data: bytes) -> "Reply":
    return Reply(200, ctype, data, extra=[("Content-Disposition", f'attachment; filename="{name}"')])


# Every route, once: what a GET passes to the API (from the query), and which API method a POST's
# body (checked first by the schema of the same path, schemas.SCHEMAS) goes to.
GET_ROUTES: dict[str, Callable[[DashboardAPI, dict[str, str]], Any]] = {
    "/api/version": lambda api, q: api.version(),
    "/api/overview": lambda api, q: api.overview(),
    "/api/profiles": lambda api, q: api.profiles(),
    "/api/day": lambda api, q: api.day(q.get("day")),
    "/api/trends": lambda api, q: api.trends(_days(q)),
    "/api/data": lambda api, q: api.data(),
    "/api/settings": lambda api, q: api.settings(),
    "/api/live": lambda api, q: api.live(),
    "/api/export": lambda api, q: _download(*api.export(q.get("format", "jsonl"))),
    "/api/diary": lambda api, q: _download(*api.diary(q.get("format", "html"), q.get("from"),
                                                      q.get("to"), q.get("anonymize"))),
    "/api/probe": lambda api, q: api.probe(),
}
POST_ROUTES: dict[str, Callable[[DashboardAPI, dict], Any]] = {
    "/api/pause": DashboardAPI.pause,
    "/api/resume": DashboardAPI.resume,
    "/api/forget": DashboardAPI.forget,
    "/api/settings": DashboardAPI.set_settings,
    "/api/scenario": DashboardAPI.select_scenario,
    "/api/probe/event": DashboardAPI.probe_event,
}

MAX_URI = 4096            # the dashboard's longest address is under 100 characters
MAX_HEADERS = 16 * 1024   # request line + headers; the browser sends about 1 KiB
REQUEST_DEADLINE = 10     # s: a request must arrive whole within this, and idle keep-alives close
CONNECTIONS = 4096        # open connections at most; each is a socket and a few KiB, no thread
ACCEPT_BATCH = 64         # connections taken per pass of the event loop
WORKERS = 4               # threads that run requests (the API serialises on one lock anyway)

# Fixed texts for the errors the parser finds: never what the request sent.
PARSE_ERRORS = {400: "malformed request", 413: f"the body is over {guard.MAX_BODY} bytes",
                431: "request headers too large", 500: "internal error",
                501: "Transfer-Encoding is not supported: send a Content-Length"}


def _static_files() -> dict[str, tuple[str, bytes]]:
    """URL path -> (content type, bytes) for the shipped assets; nothing else is ever served."""
    out = {}
    for entry in resources.files("onlooker.ui.static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in STATIC_TYPES:
            out["/" + entry.name] = (STATIC_TYPES[suffix], entry.read_bytes())
    out["/"] = out["/index.html"]
    return out


# --- HTTP framing: small subclasses of waitress's parser, channel and error task ----------------

class _Refused(Error):
    """A framing refusal of ours; ``body`` is its fixed message."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.reason = code, HTTPStatus(code).phrase


class _Parser(HTTPRequestParser):
    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        refusal = _framing_refusal(self.version, self.request_uri, self.chunked,
                                   self.headers)
        if refusal is not None:
            # answer at once, read nothing more: no body, no 100 Continue
            self.error = refusal
            self.chunked = self.expect_continue = False
            self.body_rcv, self.content_length = None, 0


def _framing_refusal(version: str, uri: str, chunked: bool,
                     headers: dict[str, str]) -> _Refused | None:
    if version not in ("1.0", "1.1"):
        return _Refused(505, "only HTTP/1.0 and HTTP/1.1")
    if len(uri) > MAX_URI:
        return _Refused(414, "the address is too long")
    if chunked or "TRANSFER_ENCODING" in headers:
        return _Refused(411, "send the body with a Content-Length, not Transfer-Encoding")
    if "EXPECT" in headers:
        return _Refused(417, "Expect is not supported")
    return None


class _ErrorTask(ErrorTask):
    """Onlooker's own error page: JSON, a fixed text, every security header; then close."""

    def execute(self) -> None:
        error = self.request.error
        message = error.body if isinstance(error, _Refused) else PARSE_ERRORS.get(
            error.code, HTTPStatus(error.code).phrase.lower())
        body = json.dumps({"error": message}).encode()
        self.status = f"{error.code} {HTTPStatus(error.code).phrase}"
        self.response_headers.extend(guard.response_headers("application/json", api=True))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _ErrorTask
    _began = 0.0

    def received(self, data: bytes) -> bool:
        # waitress closes a channel after ``channel_timeout`` of silence; a client trickling a
        # byte at a time would never be silent, so a request's clock starts at its first byte
        if self.request is None:
            self._began = time.time()
        out = super().received(data)
        if self.request is not None:
            self.last_activity = self._began
        return out


class _Server(TcpWSGIServer):
    channel_class = _Channel

    def handle_accept(self) -> None:
        # waitress accepts one connection per pass of its event loop, and a pass over thousands of
        # sockets takes milliseconds: under a connection flood that is quadratic, so take a batch
        for _ in range(ACCEPT_BATCH):
            before = len(self._map)
            if before >= self.adj.connection_limit:
                return
            super().handle_accept()
            if len(self._map) == before:  # nothing more was waiting
                return


def _adjustments(host: str, port: int) -> Adjustments:
    return Adjustments(
        host=host, port=port, ipv6=(host == "::1"), ipv4=(host != "::1"), threads=WORKERS,
        backlog=1024, connection_limit=_connection_limit(), channel_timeout=REQUEST_DEADLINE,
        cleanup_interval=1, asyncore_use_poll=True,  # select() cannot watch fds above 1023
        max_request_header_size=MAX_HEADERS, max_request_body_size=guard.MAX_BODY + 1,
        outbuf_overflow=64 * 1024 * 1024,  # keep diary exports in memory, not in a temp file
        expose_tracebacks=False, log_socket_errors=False, ident="onlooker")


def _connection_limit() -> int:
    """CONNECTIONS, within the process's file limit (raised towards it when the hard limit allows)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = CONNECTIONS + 256  # the database, the recorder, the window's own files
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    return CONNECTIONS if soft == resource.RLIM_INFINITY else max(16, min(CONNECTIONS, soft - 256))


def _quiet_waitress() -> None:
    """Waitress's own log: real errors only, one line each, never a traceback or a request."""
    log = logging.getLogger("waitress")
    if getattr(log, "_onlooker", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("onlooker dashboard: %(message)s"))
    handler.setLevel(logging.ERROR)
    log.addHandler(handler)
    log.propagate = False
    log._onlooker = True  # type: ignore[attr-defined]


class _OneLine(logging.Formatter):
    def formatException(self, ei) -> str:  # noqa: N802
        return ""

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return ""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return super().format(record).splitlines()[0]


# --- the application: routing behind the guard ------------------------------------------------

@dataclass
class Reply:
    status: int
    ctype: str
    body: bytes
    api: bool = True
    extra: list[tuple[str, str]] = field(default_factory=list)


def _json(status: int, obj: Any) -> Reply:
    # orjson: a busy day's answer (300 kB) in a millisecond rather than ten, and never the
    # non-JSON "NaN"/"Infinity" that json.dumps would write
    return Reply(status, "application/json", orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS))


class _Headers(dict):
    """A WSGI environ's request headers, looked up case-insensitively as guard.check needs."""

    @classmethod
    def of(cls, environ: dict) -> "_Headers":
        out = cls({k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")})
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if key in environ:
                out[key.replace("_", "-").lower()] = environ[key]
        return out

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class DashboardServer:
    def __init__(self, api: DashboardAPI, host: str = "127.0.0.1", port: int = 0):
        if host not in ("127.0.0.1", "::1"):
            raise ValueError("the dashboard only listens on loopback")
        _quiet_waitress()
        self.api = api
        self.token = secrets.token_hex(16)  # 128 bits, new every launch
        self.static = _static_files()
        self._server = _Server(self._wsgi, adj=_adjustments(host, port))
        self.hosts = guard.allowed_hosts(self.port)
        self._thread: threading.Thread | None = None

    @property
    def server_address(self) -> tuple[str, int]:
        return self._server.socket.getsockname()[:2]

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self) -> str:
        # the token travels in the fragment: browsers never send it to a server or a Referer
        return f"http://127.0.0.1:{self.port}/#token={self.token}"

    def start(self) -> "DashboardServer":
        self._thread = threading.Thread(target=self._server.run, name="onlooker-dashboard",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port and every connection, then let the workers finish."""
        close_all = lambda: wasyncore.close_all(self._server._map)  # noqa: E731
        if self._thread is not None and self._thread.is_alive():
            try:
                self._server.trigger.pull_trigger(close_all)  # on the loop's own thread: its map
            except OSError:  # the loop closed its map (the trigger with it) on its way out
                log.debug("dashboard: the server loop had already closed its sockets")
            self._thread.join(5)
        else:
            close_all()
        self._server.task_dispatcher.shutdown()

    # WSGI entry: waitress has already read the whole body (at most MAX_BODY bytes).
    def _wsgi(self, environ: dict, start_response) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        headers = _Headers.of(environ)
        length = guard.body_length(headers.get("Content-Length")) or 0
        raw = environ["wsgi.input"].read(min(length, guard.MAX_BODY))
        reply = self.respond(method, environ.get("PATH_INFO") or "/",
                             environ.get("QUERY_STRING", ""), headers, raw)
        out = guard.response_headers(reply.ctype, api=reply.api) + reply.extra
        out.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {HTTPStatus(reply.status).phrase}", out)
        return [b"" if method == "HEAD" else reply.body]

    def respond(self, method: str, path: str, query: str, headers: _Headers, raw: bytes) -> Reply:
        refusal = guard.check(method, path, headers, hosts=self.hosts, token=self.token)
        if refusal is not None:
            return _json(refusal.status, {"error": refusal.reason})
        if not path.startswith(guard.API_PREFIX):
            asset = self.static.get(path)
            if asset is None:
                return _json(404, {"error": "not found"})
            return Reply(200, asset[0], asset[1], api=False)
        try:
            routes, other = (POST_ROUTES, GET_ROUTES) if method == "POST" else (GET_ROUTES, POST_ROUTES)
            handler = routes.get(path)
            if handler is None:
                return _json(405 if path in other else 404, {"error": "not found"})
            if method == "POST":
                result = handler(self.api, schemas.body_for(path, raw))
            else:
                result = handler(self.api, {k: v[-1] for k, v in parse_qs(query).items()})
            return result if isinstance(result, Reply) else _json(200, result)
        except (BadRequest, schemas.BadBody) as exc:
            return _json(400, {"error": str(exc)})
        except StorageError as exc:
            log.warning("dashboard: %s %s: %s", method, path, exc)
            return _json(503, {"error": str(exc)})
        except Exception:  # the cause goes to the log (stderr), never a stack trace to the page
            log.exception("dashboard: %s %s failed", method, path)
            return _json(500, {"error": "internal error; the cause is in Onlooker's log"})
