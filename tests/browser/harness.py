"""Debian's real Chromium with the Onlooker extension loaded unpacked, a temporary profile whose
NativeMessagingHosts/ holds what ``onlooker browser install`` wrote, driven over CDP (Playwright's
connect_over_cdp; never a downloaded browser). Stand-in pages are served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM_BIN = os.environ.get("ONLOOKER_CHROMIUM_BIN", "/usr/lib/chromium/chromium")
EXT_ID = "hgakaigllhbfkhafccnpdaolbhglokgp"
ROOT = Path(__file__).resolve().parents[2]
EXT_DIR = ROOT / "ui" / "browser_extension"
ONLOOKER = [sys.executable, "-m", "onlooker.ui"]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font:16px sans-serif"><h1>{title}</h1><p>secret title text stays on the page</p>
<button id="fs">full screen</button>
<script>document.getElementById('fs').onclick=()=>document.documentElement.requestFullscreen();</script>
</body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = PAGE.format(title=self.path.split("?")[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class PageServer:
    """Stand-in meeting / quiz / exam pages (any path answers)."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def onlooker(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ONLOOKER, *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)


class RemoteControl:
    """A browser's remote-control socket (CDP, WebDriver BiDi): one command at a time, its
    reply matched by id; whatever else arrives meanwhile is kept in ``events``. No Origin
    header: Firefox refuses websocket clients that send one."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self._id = 0
        self._lock = threading.Lock()
        self.events: list[dict] = []

    def _call(self, msg: dict) -> dict:
        with self._lock:
            self._id += 1
            self.ws.send(json.dumps({"id": self._id, **msg}))
            while True:
                reply = json.loads(self.ws.recv())
                if reply.get("id") == self._id:
                    error = self.error_of(reply)
                    if error:
                        raise RuntimeError(f"{msg.get('method')}: {error}")
                    return reply.get("result", {})
                self.events.append(reply)

    def error_of(self, reply: dict) -> str | None:
        return str(reply["error"]) if "error" in reply else None

    def close(self):
        import websocket

        try:
            self.ws.close()
        except (OSError, websocket.WebSocketException):  # the browser may be gone already
            pass


class CDP(RemoteControl):
    """A minimal Chrome DevTools Protocol client (flattened sessions). Raw CDP rather than
    Playwright: Playwright turns on focus emulation in every page it attaches to, so every page
    would claim to be visible and focused."""

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        msg = {"method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        return self._call(msg)


class ScriptTab:
    """A tab whose page runs expressions (``js``), polled until one is true."""

    wait_s = 10.0

    def js(self, expression: str, *, gesture: bool = False):
        raise NotImplementedError

    def wait_js(self, expression: str, timeout: float | None = None):
        deadline = time.time() + (self.wait_s if timeout is None else timeout)
        while time.time() < deadline:
            try:
                value = self.js(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"never true: {expression}")


class Tab(ScriptTab):
    def __init__(self, cdp: CDP, target: str):
        self.cdp, self.target = cdp, target
        self.session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]

    def js(self, expression: str, *, gesture: bool = False):
        r = self.cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True, "userGesture": gesture},
                          self.session)
        return r.get("result", {}).get("value")

    def activate(self) -> None:
        self.cdp.send("Target.activateTarget", {"targetId": self.target})

    def close(self) -> None:
        self.cdp.send("Target.closeTarget", {"targetId": self.target})


class BrowserProcess:
    """A browser started for a test, in its own process group, its stderr kept in a log file:
    started until it prints the URL of its remote-control socket, killed if the start fails
    half-way (no browser is left running behind a test), stopped with its whole group."""

    name = "browser"
    listening = r"(ws://\S+)"  # the line naming the control socket's URL
    start_timeout_s = 30.0

    def _launch(self, args: list[str], env: dict, log: Path, connect) -> str:
        """Start ``args``; return the socket's URL once ``connect(url)`` has succeeded."""
        self.log = open(log, "w+")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            url = self._control_url()
            threading.Thread(target=self._drain, daemon=True).start()
            connect(url)
            return url
        except BaseException:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            raise

    def _control_url(self) -> str:
        deadline = time.time() + self.start_timeout_s
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.write(line)
            m = re.search(self.listening, line)
            if m:
                return m.group(1)
        raise RuntimeError(f"{self.name} did not start: " + self.stderr_text())

    def _drain(self):
        try:
            for line in self.proc.stderr:
                self.log.write(line)
                self.log.flush()
        except ValueError:  # closed at the end of the test
            pass

    def stderr_text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def _stop(self, wait_s: float = 10) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(wait_s)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


class Chromium(BrowserProcess):
    name = "chromium"
    listening = r"DevTools listening on (ws://\S+)"

    def __init__(self, tmp: Path, env: dict, *, headless: bool = True, display: str | None = None,
                 extension: bool = True):
        self.profile = tmp / "chromium-profile"
        self.profile.mkdir(parents=True, exist_ok=True)
        self.env = dict(env)
        if display:
            self.env["DISPLAY"] = display
        args = [CHROMIUM_BIN, "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--no-default-browser-check", "--disable-dev-shm-usage",
                "--disable-features=Translate,MediaRouter", "--window-size=1000,700",
                "--remote-debugging-port=0", f"--user-data-dir={self.profile}"]
        if extension:
            args += [f"--load-extension={EXT_DIR}", f"--disable-extensions-except={EXT_DIR}"]
        if headless:
            args.insert(1, "--headless=new")
        self.ws = self._launch([*args, "about:blank"], self.env, tmp / "chromium.log",
                               lambda url: setattr(self, "cdp", CDP(url)))

    def targets(self) -> list[dict]:
        return self.cdp.send("Target.getTargets")["targetInfos"]

    def find(self, predicate, timeout: float = 15.0) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for t in self.targets():
                if predicate(t):
                    return t
            time.sleep(0.05)
        raise AssertionError("no such target: " + json.dumps(self.targets()))

    def open(self, url: str, *, new_window: bool = False, background: bool = False) -> Tab:
        target = self.cdp.send("Target.createTarget", {"url": url, "newWindow": new_window,
                                                       "background": background})["targetId"]
        tab = Tab(self.cdp, target)
        tab.wait_js("document.readyState === 'complete'")
        return tab

    def worker(self) -> Tab:
        t = self.find(lambda t: t["type"] == "service_worker" and EXT_ID in t["url"])
        return Tab(self.cdp, t["targetId"])

    def consent(self) -> None:
        """What a user does on the consent page that opens on install: click 'I agree'."""
        t = self.find(lambda t: t["type"] == "page" and t["url"].endswith("/consent.html"))
        page = Tab(self.cdp, t["targetId"])
        # clicked until the page says it started (the first load may still be replacing the
        # initial empty document when it is found)
        page.wait_js("(() => { const s = document.getElementById('status'); if (!s) return false;"
                     " if (s.hidden) document.getElementById('agree').click(); return !s.hidden; })()")
        page.close()

    def watching(self, pattern: str) -> None:
        """Wait until the extension injects on ``pattern`` (consent given, the host's config in)."""
        w = self.worker()
        w.wait_js("chrome.scripting.getRegisteredContentScripts().then(s => s.length > 0 && "
                  f"s[0].matches.includes({json.dumps(pattern)}))")

    def close(self):
        self.cdp.close()
        self._stop()


def rows(db: Path, kinds: tuple[str, ...] | None = None) -> list[dict]:
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        try:
            cur = con.execute("SELECT ts, kind, app, category, window, title, data FROM events "
                              "ORDER BY ts, id")
        except sqlite3.OperationalError:
            return []
        out = [{"ts": r[0] / 1000, "kind": r[1], "app": r[2], "category": r[3], "window": r[4],
                "title": r[5], **(json.loads(r[6]) if r[6] else {})} for r in cur]
    finally:
        con.close()
    return [r for r in out if kinds is None or r["kind"] in kinds]


def wait_rows(db: Path, predicate, timeout: float = 10.0) -> list[dict]:
    """Poll the database (with a deadline) until predicate(rows) holds; return the rows."""
    deadline = time.time() + timeout
    while True:
        got = rows(db)
        if predicate(got):
            return got
        if time.time() > deadline:
            raise AssertionError(f"timed out; rows: {got}")
        time.sleep(0.1)
