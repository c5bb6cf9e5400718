"""The native-messaging host as the browser runs it (a process fed frames on stdin), with the bad
messages a broken or hostile extension could send."""

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

from .harness import ROOT, rows

CAP = 8 * 1024


def frame(obj=None, raw: bytes | None = None) -> bytes:
    body = raw if raw is not None else json.dumps(obj).encode()
    return struct.pack("=I", len(body)) + body


def page(seq, visible, focused=True, *, url="http://127.0.0.1:8000/quiz", t=None, doc="doc-1234",
         cause="visibilitychange"):
    return {"v": 1, "kind": "page", "cause": cause, "tab": 7, "doc": doc, "seq": seq,
            "time": (t or time.time()) * 1000, "url": url,
            "state": {"visible": visible, "focused": focused, "fullscreen": False,
                      "pointer": None}}


class HostProcess:
    def __init__(self, tmp: Path):
        config = tmp / "config.toml"
        config.write_text('[browser]\norigins = ["http://127.0.0.1/*"]\n')
        self.env = {**os.environ, "ONLOOKER_DB": str(tmp / "o.db"), "ONLOOKER_CONFIG": str(config),
                    "XDG_STATE_HOME": str(tmp / "state")}
        self.db = tmp / "o.db"
        self.log = tmp / "state" / "onlooker" / "browser-host.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui.browser_host",
                                      "chrome-extension://x/"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=self.env, cwd=ROOT)

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def hello(self) -> dict:
        """A liveness probe: the host answers hello with its config."""
        self.send(frame({"v": 1, "kind": "hello", "browser": "chromium", "version": "0.1.0"}))
        (n,) = struct.unpack("=I", self.proc.stdout.read(4))
        return json.loads(self.proc.stdout.read(n))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(15)

    def log_lines(self) -> list[str]:
        """The host's log, rotated files included (oldest first)."""
        files = sorted(self.log.parent.glob(self.log.name + ".*"), reverse=True) + [self.log]
        return [line for f in files if f.exists() for line in f.read_text().splitlines()]


def test_bad_messages_are_each_rejected_with_one_line_and_the_host_keeps_running(tmp_path):
    host = HostProcess(tmp_path)
    assert host.hello()["kind"] == "config"
    bad = [
        frame(raw=b"this is not json"),
        struct.pack("=I", CAP * 8) + b"x" * (CAP * 8),                       # over the cap
        frame({"v": 1, "kind": "page", **{k: v for k, v in page(1, True).items()
                                          if k not in ("v", "kind")}, "cause": "keypress"}),
        frame({**page(1, True), "seq": "one"}),                                # wrong type
        frame({**page(1, True), "state": {"visible": "yes", "focused": True,
                                          "fullscreen": False, "pointer": None}}),
        frame({**page(1, True), "time": 1e18}),                                # not a sane time
        frame({**page(1, True), "url": "file:///etc/passwd"}),
        frame({**page(1, True), "url": "https://example.com/not-listed"}),    # not watched
        frame([1, 2, 3]),
        frame(raw=b'{"v": 1, "kind": "page", "time": NaN}'),
    ]
    for i, data in enumerate(bad):
        host.send(data)
        assert host.hello()["kind"] == "config", f"host stopped after bad message {i}"
    # the good messages after them are stored
    now = time.time()
    host.send(frame(page(1, True, t=now, cause="load")))
    host.send(frame(page(2, False, t=now + 0.1)))
    assert host.close() == 0
    lines = [line for line in host.log_lines() if "message rejected" in line]
    assert len(lines) == len(bad), lines
    got = rows(host.db)
    assert [(r["kind"], r.get("state")) for r in got] == [("tab", "hidden")]
    assert all("example.com" not in r["url"] and "passwd" not in r["url"] for r in got)


def test_a_flood_of_10000_messages_keeps_memory_bounded_and_stores_nothing_wrong(tmp_path):
    host = HostProcess(tmp_path)
    host.hello()
    start_rss = host.rss_mb()
    junk = b"".join(frame({"v": 1, "kind": "page", "cause": "nonsense", "n": i})
                    for i in range(5000))
    repeats = b"".join(frame(page(1, True, doc="doc-flood", cause="load")) for _ in range(5000))
    host.send(junk + repeats)
    assert host.hello()["kind"] == "config"
    grown = host.rss_mb() - start_rss
    assert host.close() == 0
    assert grown < 20, f"RSS grew {grown:.1f} MB"
    assert rows(host.db) == []  # junk rejected, repeated first words of one page say nothing new
    assert sum("message rejected" in line for line in host.log_lines()) >= 5000


def test_messages_out_of_order_are_put_back_in_sequence(tmp_path):
    host = HostProcess(tmp_path)
    host.hello()
    t = time.time()
    host.send(frame(page(1, True, t=t, cause="load")))
    host.send(frame(page(3, True, t=t + 0.2)))          # arrives before its predecessor
    host.send(frame(page(2, False, t=t + 0.1)))
    host.send(frame(page(2, False, t=t + 0.1)))          # a repeat: dropped
    assert host.close() == 0
    got = rows(host.db)
    assert [(r["kind"], r.get("state")) for r in got] == [("tab", "hidden"), ("tab", "visible")]


def test_page_events_share_commits_yet_are_durable_within_a_quarter_second(tmp_path):
    """At 100 page events a second the host must not commit (and fsync) each one: they go in
    batches of at most Writer's BATCH_S, readable by another connection by then; stop flushes."""
    import sqlite3
    import time

    from onlooker.shim.model import BROWSER, Observation
    from onlooker.storage.db import connect
    from onlooker.storage.store import Store
    from onlooker.storage.writer import BATCH_S, Writer

    store = Store(connect(tmp_path / "o.db"))
    commits = []
    record = store.record
    store.record = lambda *a, **k: (commits.append(1), record(*a, **k))[1]  # count, then write
    w = Writer(store).start()
    t0 = time.monotonic()
    for i in range(50):
        w.put_soon(Observation(ts=time.time(), kind="page_blur", app="firefox", window="tab:1",
                               category=BROWSER, data={"url": "https://meet.google.com/x"}))
        time.sleep(0.005)
    reader = sqlite3.connect(tmp_path / "o.db")
    while reader.execute("SELECT count(*) FROM events").fetchone()[0] < 50:
        assert time.monotonic() - t0 < 0.25 + BATCH_S + 1.0, "page events were not committed"
        time.sleep(0.01)
    assert len(commits) <= 4, len(commits)   # ~0.3 s of events: a couple of batches, not 50
    w.put_soon(Observation(ts=time.time(), kind="page_focus", app="firefox", window="tab:1",
                           category=BROWSER, data={"url": "https://meet.google.com/x"}))
    w.stop()
    assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 51
