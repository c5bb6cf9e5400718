"""The native-messaging host: the browser starts it (stdin/stdout, no port) when the extension
connects, and it writes what the pages observed into the database.

Why it writes itself rather than forwarding to a running ``onlooker watch``: the browser half
must work whether or not the desktop recorder runs (on Wayland, on a laptop where only the browser
matters), and SQLite already arbitrates: every write is one ``BEGIN IMMEDIATE`` transaction with a
busy timeout (storage/store.py), issued by the same ``Writer`` thread class ``watch`` uses, so the
two batch about once a second each and wait for each other instead of failing. It never takes the
recorder lock (that says "a desktop recorder runs").

Every message is checked (shim/browser.py: size cap, schema, known events, sane times); a bad one
is dropped with one log line and the host reads on. Memory is bounded: frames over the cap are
skipped in small chunks, a frame is handled before the next is read (the browser waits), and
page state is kept for at most MAX_PAGES pages. Page events are committed in batches of at most
a quarter second (``Writer.put_soon``): one commit per event cost more CPU than everything else.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import struct
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

from onlooker.shim import browser as shimbrowser

# its own name even when run as ``python -m`` (the launcher does), so the log says who wrote
log = logging.getLogger("onlooker.ui.browser_host" if __name__ == "__main__" else __name__)

STATUS_NAME = "browser-host.json"
RATE_LIMIT = 500              # page messages per second accepted; more are dropped (a runaway page)
# and per tab: shim/browser.py's TAB_PER_SECOND, TAB_PER_DAY, ALL_PER_DAY (Budget) bound the state
# changes stored; a message repeating its page's last snapshot is taken without being stored
SKIP_CHUNK = 64 * 1024
STATUS_EVERY_S = 1.0


def status_file() -> Path:
    from platformdirs import user_state_dir

    return Path(os.environ.get("ONLOOKER_STATE_DIR") or user_state_dir("onlooker")) / STATUS_NAME


def load_rules(config_path: Path) -> shimbrowser.UrlRules:
    """The [browser] table of the config file; a bad file is logged and the defaults used (the
    browser shows no terminal to say it in)."""
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        return shimbrowser.rules_from_config(data.get("browser"))
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        log.warning("config %s: %s; using the default origins", config_path, exc)
        return shimbrowser.UrlRules()


# --- framing ----------------------------------------------------------------------------------

class Frames:
    """4-byte native-endian length + body, as Chromium and Firefox send. A frame over the cap is
    read past in chunks and reported as an oversized frame (None body), never held in memory."""

    def __init__(self, stream: BinaryIO, cap: int = shimbrowser.MAX_MESSAGE_BYTES):
        self.stream, self.cap = stream, cap

    def _exactly(self, n: int) -> bytes | None:
        first = self.stream.read(n)  # a buffered stream returns all n unless the input ends
        if len(first) == n:
            return first
        buf = bytearray(first)
        while len(buf) < n:
            chunk = self.stream.read(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def next(self) -> tuple[int, bytes | None] | None:
        """(length, body or None when oversized); None at the end of the stream."""
        head = self._exactly(4)
        if head is None:
            return None
        (length,) = struct.unpack("=I", head)
        if length <= self.cap:
            body = self._exactly(length)
            return None if body is None else (length, body)
        left = length
        while left:
            chunk = self.stream.read(min(SKIP_CHUNK, left))
            if not chunk:
                return None
            left -= len(chunk)
        return length, None


def write_frame(stream: BinaryIO, obj: Any) -> None:
    body = json.dumps(obj, separators=(",", ":")).encode()
    stream.write(struct.pack("=I", len(body)) + body)
    stream.flush()


# --- the host ---------------------------------------------------------------------------------

class Host:
    """Frames in, observations out (to ``put``). Transport-free, so tests can feed it directly."""

    def __init__(self, put, rules: shimbrowser.UrlRules, *, reply=None, clock=time.time,
                 browser: str = "browser"):
        self.put = put
        self.rules = rules
        self.reply = reply or (lambda obj: None)
        self.clock = clock
        self.pages = shimbrowser.Pages(rules, browser)
        self.accepted = self.rejected = 0
        self.last_message: float | None = None
        self.browser = browser
        self._window, self._in_window = 0, 0
        self.budget = shimbrowser.Budget()

    def frame(self, length: int, body: bytes | None) -> None:
        now = self.clock()
        if body is None:
            return self._reject(f"frame of {length} bytes is over the "
                                f"{shimbrowser.MAX_MESSAGE_BYTES}-byte cap; skipped")
        try:
            msg = shimbrowser.parse(body, now)
        except shimbrowser.BadMessage as exc:
            return self._reject(str(exc))
        if isinstance(msg, shimbrowser.Hello):
            self.pages.browser = self.browser = msg.browser
            log.info("%s extension %s connected", msg.browser, msg.version)
            self.reply({"v": shimbrowser.PROTOCOL, "kind": "config",
                        "origins": list(self.rules.origins)})
            self.last_message = now
            return None
        second = int(now)
        if second != self._window:
            self._window, self._in_window = second, 0
        self._in_window += 1
        if self._in_window > RATE_LIMIT:
            if self._in_window > RATE_LIMIT + 1:  # said once a second, not once a message
                self.rejected += 1
                return None
            return self._reject(f"over {RATE_LIMIT} messages in one second; dropped")
        if isinstance(msg, shimbrowser.Closed):
            out = self.pages.closed(msg)
        else:
            if not self.rules.watched(msg.url):
                return self._reject("a page outside the watched origins; dropped")
            if not self.pages.repeats(msg):  # a repeat stores nothing: not charged
                over, first = self.budget.charge(msg.tab, now)
                if over:
                    self.rejected += 1
                    if first:  # one line per bound, tab and day: a flood does not fill the log
                        log.warning("browser messages dropped: %s; further ones from it are "
                                    "dropped without a word until it falls back under", over)
                    return None
            out = self.pages.feed(msg, now)
        self.accepted += 1
        self.last_message = now
        if log.isEnabledFor(logging.DEBUG):
            log.debug("message %s -> %s", getattr(msg, "cause", "closed"), [o.kind for o in out])
        for o in out:
            self.put(o)
        return None

    def tick(self) -> None:
        for o in self.pages.due(self.clock()):
            self.put(o)

    def next_due(self) -> float | None:
        return self.pages.next_due()

    def _reject(self, why: str) -> None:
        self.rejected += 1
        log.warning("browser message rejected: %s", why)


def _browser_from_args(argv: list[str]) -> str:
    """Chromium passes the calling origin (chrome-extension://ID/), Firefox the manifest path and
    the add-on id; the parent process's name tells the Chromium-family browsers apart."""
    try:
        name = Path(f"/proc/{os.getppid()}/comm").read_text().strip().lower()
    except OSError:
        name = ""
    for known in ("chromium", "chrome", "brave", "msedge", "firefox"):
        if known in name:
            return {"msedge": "edge"}.get(known, known)
    return "firefox" if len(argv) >= 2 and not argv[0].startswith("chrome-extension:") else "chromium"


class _Status:
    """A small private file saying which browser is connected and when it last spoke (read by
    ``onlooker browser status`` and the dashboard); written at most once a second."""

    def __init__(self, path: Path, browser: str):
        self.path, self.browser, self.started = path, browser, time.time()
        self._written = 0.0
        self._heard = False

    def write(self, host: Host, *, force: bool = False, running: bool = True) -> None:
        now = time.monotonic()
        first = host.last_message is not None and not self._heard  # "connected, last: never" no more
        if not force and not first and now - self._written < STATUS_EVERY_S:
            return
        self._heard = host.last_message is not None
        self._written = now
        data = {"pid": os.getpid() if running else None, "browser": host.browser,
                "started": self.started, "last_message": host.last_message,
                "accepted": host.accepted, "rejected": host.rejected}
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
            tmp.replace(self.path)
        except OSError as exc:
            log.debug("status file %s: %s", self.path, exc)


def read_status() -> dict | None:
    try:
        data = json.loads(status_file().read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid")
    alive = False
    if isinstance(pid, int) and pid > 0:
        try:
            os.kill(pid, 0)
            alive = True
        except OSError:
            alive = False
    data["connected"] = alive
    return data


def run(argv: list[str], stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve one browser connection until it closes stdin (the browser exits or disconnects)."""
    from onlooker.storage.db import connect
    from onlooker.storage.paths import default_config_path, default_db_path
    from onlooker.storage.store import Store
    from onlooker.storage.writer import Writer

    from . import logs

    # its own file beside the recorder's: two processes must not rotate one file
    logs.configure(bool(os.environ.get("ONLOOKER_VERBOSE")),
                   logs.default_log_file().with_name("browser-host.log"))
    browser = _browser_from_args(argv)
    rules = load_rules(default_config_path())
    db = default_db_path()
    try:
        store = Store(connect(db))
    except Exception as exc:  # the browser shows nothing; the log says it
        log.error("browser host cannot open %s: %s", db, exc)
        return 1
    writer = Writer(store, on_error=lambda exc: log.warning("browser host: write failed: %s", exc))
    writer.start()
    out_lock = threading.Lock()

    def reply(obj):
        with out_lock:
            write_frame(stdout, obj)

    host = Host(writer.put_soon, rules, reply=reply, browser=browser)
    status = _Status(status_file(), browser)
    status.write(host, force=True)
    lock = threading.Lock()    # the host's state: frames (reader thread), reorder deadlines (here)
    waiting = threading.Event()  # a message waits for a missing earlier one, or the input ended
    done = threading.Event()

    def read() -> None:
        # Frames are handled on this thread as they are read: no hand-over to another thread per
        # message (at 100 messages/s the hand-overs cost more CPU than the messages). The browser
        # waits on the pipe while one is handled, so nothing unbounded piles up.
        reader = Frames(stdin)
        try:
            while (item := reader.next()) is not None:
                with lock:
                    try:
                        host.frame(*item)
                    except Exception:  # a bug must not end the host: the page goes on observing
                        log.exception("browser host: a message could not be handled")
                    host.tick()
                    if host.next_due() is not None:
                        waiting.set()
                    status.write(host)
        except OSError as exc:
            log.warning("browser host: reading stopped: %s", exc)
        done.set()
        waiting.set()

    def stop(*_):
        done.set()
        waiting.set()

    threading.Thread(target=read, name="onlooker-host-reader", daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    log.info("browser host started for %s (pid %d)", browser, os.getpid())
    try:
        while not done.is_set():
            # only reordering needs a timer: sleep until a held-back message is due
            waiting.wait()
            with lock:
                waiting.clear()
                due = host.next_due()
            while due is not None and not done.is_set():
                done.wait(max(0.0, due - time.time()))
                with lock:
                    host.tick()
                    due = host.next_due()
    finally:
        with lock:
            for o in host.pages.due(float("inf")):
                writer.put(o)
        writer.stop()
        status.write(host, force=True, running=False)
        log.info("browser host stopped: %d messages accepted, %d rejected", host.accepted,
                 host.rejected)
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer))


if __name__ == "__main__":
    main()

