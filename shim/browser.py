"""Browser messages -> observations: the URL rules, message validation, and per-page state rebuilt
from snapshots. Pure: no I/O, the clock is passed in.

The extension (ui/browser_extension/) sends, for each page on a listed origin, a message at each
thing the page itself can observe, carrying a full snapshot of what the page sees (visible,
focused, full screen, pointer inside) and a per-page sequence number. Messages from different
tabs interleave in any order; each page's are put back in sequence here (with a short wait for a
missing one), and the observations are the differences between consecutive snapshots, timed by
the page's own clock.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .model import BROWSER, MEETING, Observation
from .profiles.browser import CANVAS_QUIZ_PAGES, EXAM_PAGES

PROTOCOL = 1
HOST_NAME = "org.onlooker.browser"  # the native-messaging host's name (lowercase, dots)
MAX_MESSAGE_BYTES = 8 * 1024   # a page message is ~300 bytes; nothing legitimate comes near this
MAX_URL_CHARS = 2048
MAX_PAGES = 512                # pages whose state is kept; the least recently heard-from go first
MEMO_MAX = 4096                # addresses whose classification (watched? which kind?) is kept
REORDER_WAIT_S = 0.05          # how long a page's later message waits for a missing earlier one
CLOCK_PAST_S = 24 * 3600       # a page's time may lag the host's (a long-lived page's clock drifts)
CLOCK_FUTURE_S = 60            # ... but never run ahead of it by more than this
# Bounds on the state changes one tab can have stored (red team F3): a person switching tabs,
# windows and moving the pointer in and out makes a few a second at most and a few hundred a day.
TAB_PER_SECOND = 20
TAB_PER_DAY = 5_000            # per UTC day; at most ~2.5 KB a row, so ~12 MB a tab a day at worst
ALL_PER_DAY = 50_000           # every tab together, per UTC day

CAUSES = frozenset(("load", "visibilitychange", "blur", "focus", "fullscreenchange",
                    "mouseleave", "mouseenter", "pagehide"))
STATE_KEYS = ("visible", "focused", "fullscreen", "pointer")

# --- URL rules --------------------------------------------------------------------------------
# Match patterns in the WebExtensions syntax (scheme://host/path, '*' wildcards, a host may start
# with '*.'; no port = any port). The extension injects its content script only on these pages.
DEFAULT_ORIGINS = (
    # meetings
    "https://meet.google.com/*",            # Google Meet
    "https://*.zoom.us/*",                  # Zoom web client (app.zoom.us/wc/..., zoom.us/wc/...)
    "https://teams.microsoft.com/*",        # Microsoft Teams on the web (work/school)
    "https://teams.live.com/*",             # Microsoft Teams (free)
    "https://*.webex.com/*",                # Webex
    # learning platforms (hosted; a university's own domain is added in the config)
    "https://*.instructure.com/*",          # Canvas
    "https://*.moodlecloud.com/*",          # Moodle (MoodleCloud)
    "https://*.blackboard.com/*",           # Blackboard Learn
    "https://*.brightspace.com/*",          # D2L Brightspace
    # proctoring
    "https://*.proctorio.com/*",
    "https://*.proctoru.com/*",
    "https://*.honorlock.com/*",
    "https://*.examity.com/*",
    "https://*.respondus.com/*",
)

# Pages that are a meeting in progress (the path of a joined call), by origin pattern -> path
# regex. Source: the address formats in each product's invitations and help pages.
MEETING_PAGES = (
    # https://support.google.com/meet/answer/9303069 (meet.google.com/abc-mnop-xyz)
    ("https://meet.google.com/*", r"^/[a-z]{3}-[a-z]{4}-[a-z]{3}$"),
    # https://support.zoom.com/hc/en/article?id=zm_kb&sysparm_article=KB0064113 (web client /wc/)
    ("https://*.zoom.us/*", r"^/wc/"),
    # https://learn.microsoft.com/en-us/microsoftteams/meeting-settings-in-teams (meetup-join links)
    ("https://teams.microsoft.com/*", r"^/(l/meetup-join|v2/|_)"),
    ("https://teams.live.com/*", r"^/(meet|l/meetup-join)/"),
    # https://help.webex.com/en-us/article/nrmg5al (personal room /meet/NAME, joins under /wbxmjs/)
    ("https://*.webex.com/*", r"^/(meet|wbxmjs|webappng)/"),
)

_PATTERN = re.compile(r"^(\*|https?)://(\*|(?:\*\.)?[a-z0-9.\-]+|\[[0-9a-f:]+\])(?::(\d{1,5}|\*))?"
                      r"(/.*)$")


class BadPattern(ValueError):
    """An origin pattern the extension would not accept; the message says what to write."""


def check_pattern(pattern: Any) -> str:
    """``pattern`` if it is a usable match pattern (https://*.example.edu/*), else BadPattern."""
    if not isinstance(pattern, str) or len(pattern) > 300 or not _PATTERN.match(pattern.lower()):
        shown = pattern if isinstance(pattern, str) and len(pattern) <= 80 else "a value"
        raise BadPattern(f"{shown!r} is not an origin pattern; write it like "
                         "'https://*.example.edu/*' or 'http://127.0.0.1/*'")
    return pattern.lower()


@lru_cache(maxsize=4096)  # a page sends many messages from one address: match it once
def matches(pattern: str, url: str) -> bool:
    """Does ``url`` (scheme://host[:port]/path) fall under the match pattern?"""
    m = _PATTERN.match(pattern)
    parts = urlsplit(url)
    if not m or parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    scheme, host, port, path = m.groups()
    if scheme != "*" and scheme != parts.scheme:
        return False
    hostname = parts.hostname
    if host.startswith("["):
        host = host[1:-1]
    if host != "*":
        if host.startswith("*."):
            if not (hostname == host[2:] or hostname.endswith(host[1:])):
                return False
        elif hostname != host:
            return False
    if port not in (None, "*") and str(parts.port or "") != port:
        return False
    regex = "^" + ".*".join(re.escape(p) for p in path.split("*")) + "$"
    return re.match(regex, parts.path or "/") is not None


@dataclass(frozen=True)
class UrlRules:
    """Which pages are watched and which of them are meetings: the defaults plus the user's."""

    origins: tuple[str, ...] = DEFAULT_ORIGINS
    meeting_pages: tuple[tuple[str, str], ...] = MEETING_PAGES
    quiz_pages: tuple[str, ...] = ()   # the config's own (patterns); plus CANVAS_QUIZ_PAGES paths
    exam_pages: tuple[str, ...] = ()   # the config's own; plus EXAM_PAGES paths
    # url -> (watched, kind): a page sends many messages from one address; classify it once
    _memo: dict[str, tuple[bool, str]] = field(default_factory=dict, init=False, repr=False,
                                               compare=False, hash=False)

    def _classify(self, url: str) -> tuple[bool, str]:
        known = self._memo.get(url)
        if known is None:
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            known = self._memo[url] = (any(matches(p, url) for p in self.origins),
                                       self._kind(url))
        return known

    def kind(self, url: str) -> str:
        """What kind of page it is, for the profiles' scoping: meeting / quiz / exam / page."""
        return self._classify(url)[1]

    def _kind(self, url: str) -> str:
        if self._meeting(url):
            return "meeting"
        path = urlsplit(url).path or "/"
        if any(re.search(rx, path) for rx in CANVAS_QUIZ_PAGES) or any(
                matches(p, url) for p in self.quiz_pages):
            return "quiz"
        if any(re.search(rx, path) for rx in EXAM_PAGES) or any(
                matches(p, url) for p in self.exam_pages):
            return "exam"
        return "page"

    def watched(self, url: str) -> bool:
        return self._classify(url)[0]

    def meeting(self, url: str) -> bool:
        return self._classify(url)[1] == "meeting"

    def _meeting(self, url: str) -> bool:
        parts = urlsplit(url)
        return any(matches(p, url) and re.search(rx, parts.path or "/")
                   for p, rx in self.meeting_pages)


def rules_from_config(table: Any) -> UrlRules:
    """The ``[browser]`` table of config.toml -> UrlRules, or BadPattern naming the problem.

    ``origins``: more pages to watch; ``meeting_pages``: pages that are a meeting (each also
    watched)."""
    if table is None:
        return UrlRules()
    if not isinstance(table, dict):
        raise BadPattern("[browser] must be a table")
    unknown = set(table) - {"origins", "meeting_pages", "quiz_pages", "exam_pages"}
    if unknown:
        raise BadPattern(f"[browser] has unknown keys: {', '.join(sorted(unknown))}")
    lists = {}
    for key in ("origins", "meeting_pages", "quiz_pages", "exam_pages"):
        value = table.get(key, [])
        if not isinstance(value, list) or len(value) > 200:
            raise BadPattern(f"[browser] {key} must be a list of origin patterns")
        lists[key] = tuple(check_pattern(p) for p in value)
    extra = lists["meeting_pages"] + lists["quiz_pages"] + lists["exam_pages"]
    origins = DEFAULT_ORIGINS + tuple(p for p in lists["origins"] + extra
                                      if p not in DEFAULT_ORIGINS)
    return UrlRules(origins=tuple(dict.fromkeys(origins)),
                    meeting_pages=MEETING_PAGES + tuple((p, "") for p in lists["meeting_pages"]),
                    quiz_pages=lists["quiz_pages"], exam_pages=lists["exam_pages"])


def clean_url(url: Any, *, keep_query: bool = False) -> str:
    """Origin and path only (the query too when the user opted in); never the fragment,
    credentials or ``;parameters``. ValueError (a fixed text, never the URL's) when it is not an
    http(s) address as a browser would read it."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise ValueError("'url' must be an http(s) address of at most 2048 characters")
    return _clean_url(url, keep_query)


_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # C0 controls, space, DEL: never in a browser's location


@lru_cache(maxsize=MEMO_MAX)  # a page sends many messages from one address: parse it once
def _clean_url(url: str, keep_query: bool) -> str:
    # Read as a browser reads it (WHATWG URL), not as urlsplit does: in http(s) addresses a
    # backslash is a path separator, so "https://evil.example\@meet.google.com/" is evil.example.
    # Userinfo is refused outright (no page address the extension sends has any), and so are
    # control characters (the extension sends location's percent-encoded form).
    if _CONTROL.search(url):
        raise ValueError("'url' must not contain spaces or control characters")
    try:
        parts = urlsplit(url.replace("\\", "/"))
        hostname, port = parts.hostname, parts.port
    except ValueError:
        raise ValueError("'url' has a bad host or port") from None  # fixed text: not the page's
    if parts.scheme not in ("http", "https") or not hostname:
        raise ValueError("'url' must be an http(s) address")
    if "@" in parts.netloc:
        raise ValueError("'url' must not carry a user name or password")
    host = hostname if ":" not in hostname else f"[{hostname}]"
    netloc = host + (f":{port}" if port else "")
    # ";jsessionid=..." and other path parameters are session state, not the page: dropped
    path = "/".join(seg.split(";", 1)[0] for seg in (parts.path or "/").split("/"))
    query = f"?{parts.query}" if keep_query and parts.query else ""
    return f"{parts.scheme}://{netloc}{path or '/'}{query}"


# --- messages ---------------------------------------------------------------------------------

class BadMessage(ValueError):
    """A message the host refuses; the text is one log line (never the message's content)."""


@dataclass(frozen=True)
class PageMessage:
    tab: int
    doc: str
    seq: int
    ts: float                 # epoch seconds, the page's own clock
    cause: str
    url: str
    state: dict[str, bool | None]


@dataclass(frozen=True)
class Closed:
    tab: int
    ts: float


@dataclass(frozen=True)
class Hello:
    browser: str
    version: str


def _int(obj: dict, key: str, lo: int, hi: int) -> int:
    v = obj.get(key)
    if type(v) is not int or not lo <= v <= hi:
        raise BadMessage(f"'{key}' must be a whole number from {lo} to {hi}")
    return v


def _time(obj: dict, now: float) -> float:
    v = obj.get("time")
    if type(v) not in (int, float) or not math.isfinite(v):
        raise BadMessage("'time' must be epoch milliseconds")
    ts = v / 1000
    if not now - CLOCK_PAST_S <= ts <= now + CLOCK_FUTURE_S:
        raise BadMessage("'time' is not a sane moment (more than a day old or in the future)")
    return ts


def _refuse(constant: str) -> None:
    raise ValueError(constant)  # NaN and Infinity are not JSON


_DECODER = json.JSONDecoder(parse_constant=_refuse)  # one, not one per message
_DOC = re.compile(r"[A-Za-z0-9-]{4,40}")


def parse(raw: bytes, now: float) -> PageMessage | Closed | Hello:
    """One message body (JSON, at most MAX_MESSAGE_BYTES) -> a typed message, or BadMessage."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"message of {len(raw)} bytes is over the {MAX_MESSAGE_BYTES}-byte cap")
    try:
        obj = _DECODER.decode(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadMessage("message is not JSON") from None
    return validate(obj, now)


def validate(obj: Any, now: float, *, keep_query: bool = False) -> PageMessage | Closed | Hello:
    """A decoded message -> PageMessage / Closed / Hello, or BadMessage saying what is wrong."""
    if not isinstance(obj, dict):
        raise BadMessage("message must be a JSON object")
    if obj.get("v") != PROTOCOL:
        raise BadMessage(f"message must carry \"v\": {PROTOCOL}")
    kind = obj.get("kind")
    if kind == "hello":
        browser, version = obj.get("browser"), obj.get("version")
        if not (isinstance(browser, str) and re.fullmatch(r"[a-z][a-z0-9-]{0,30}", browser)):
            raise BadMessage("hello needs 'browser' (a short lowercase name)")
        if not (isinstance(version, str) and len(version) <= 30):
            raise BadMessage("hello needs 'version' (text)")
        return Hello(browser, version)
    if kind == "closed":
        return Closed(_int(obj, "tab", 0, 2**31 - 1), _time(obj, now))
    if kind != "page":
        raise BadMessage("unknown message kind (known: hello, page, closed)")
    cause = obj.get("cause")
    if cause not in CAUSES:
        raise BadMessage(f"unknown page event (known: {', '.join(sorted(CAUSES))})")
    doc = obj.get("doc")
    if not (isinstance(doc, str) and _DOC.fullmatch(doc)):
        raise BadMessage("'doc' must be a page id of 4-40 letters, digits or dashes")
    state = obj.get("state")
    if not isinstance(state, dict) or set(state) - set(STATE_KEYS):
        raise BadMessage(f"'state' must be an object with {', '.join(STATE_KEYS)}")
    snap: dict[str, bool | None] = {}
    for key in STATE_KEYS:
        v = state.get(key)
        if not (v is None and key == "pointer") and type(v) is not bool:
            raise BadMessage(f"state '{key}' must be true or false")
        snap[key] = v
    try:
        url = clean_url(obj.get("url"), keep_query=keep_query and obj.get("query") is True)
    except ValueError as exc:
        raise BadMessage(str(exc)) from None
    return PageMessage(tab=_int(obj, "tab", 0, 2**31 - 1), doc=doc,
                       seq=_int(obj, "seq", 1, 2**31 - 1), ts=_time(obj, now), cause=cause,
                       url=url, state=snap)


# --- bounds ---------------------------------------------------------------------------------

class Budget:
    """Per-tab (per second and per day) and overall (per day) bounds on the state changes that are
    stored. ``charge`` says None when a message may pass, else the bound it is over; ``first`` is
    true the first time that bound refuses that tab that day, so the caller logs it once."""

    def __init__(self, per_second: int = TAB_PER_SECOND, per_day: int = TAB_PER_DAY,
                 all_per_day: int = ALL_PER_DAY) -> None:
        self.per_second, self.per_day, self.all_per_day = per_second, per_day, all_per_day
        self._tabs: dict[int, list[int]] = {}   # tab -> [second, in that second, today]
        self._day, self._all = -1, 0
        self._said: set[tuple[int | None, str, int]] = set()  # bounds already logged

    def charge(self, tab: int, now: float) -> tuple[str | None, bool]:
        second, day = int(now), int(now // 86400)
        if day != self._day:
            self._day, self._all, self._tabs, self._said = day, 0, {}, set()
        c = self._tabs.get(tab)
        if c is None:
            if len(self._tabs) >= 4 * MAX_PAGES:  # tabs long closed: forget their counts
                self._tabs.clear()
            c = self._tabs[tab] = [second, 0, 0]
        if c[0] != second:
            c[0], c[1] = second, 0
        if self._all >= self.all_per_day:
            return self._over((None, "day", day), f"all tabs together are over "
                              f"{self.all_per_day} state changes today")
        if c[2] >= self.per_day:
            return self._over((tab, "day", day), f"tab {tab} is over {self.per_day} state "
                              "changes today")
        if c[1] >= self.per_second:
            return self._over((tab, "second", day), f"tab {tab} is over "
                              f"{self.per_second} state changes in one second")
        c[1] += 1
        c[2] += 1
        self._all += 1
        return None, False

    def _over(self, key: tuple[int | None, str, int], why: str) -> tuple[str, bool]:
        first = key not in self._said
        if first:
            if len(self._said) > 4 * MAX_PAGES:
                self._said.clear()
            self._said.add(key)
        return why, first


# --- rebuilding state -------------------------------------------------------------------------

_CHANGES = {  # state key -> (observation when it became true, when it became false)
    "visible": (("tab", "visible"), ("tab", "hidden")),
    "focused": (("page_focus", None), ("page_blur", None)),
    "fullscreen": (("fullscreen_enter", None), ("fullscreen_exit", None)),
    "pointer": (("pointer_enter", None), ("pointer_leave", None)),
}


@dataclass
class _Page:
    tab: int
    url: str = ""
    seq: int = 0
    state: dict[str, bool | None] | None = None
    meeting: bool = False
    in_front: bool = False     # meeting page visible and its window focused
    ended: bool = False
    waiting: dict[int, tuple[float, PageMessage]] = field(default_factory=dict)


class Pages:
    """Per page (doc): its last snapshot; each message's snapshot against the previous one gives
    the observations. Later messages wait up to REORDER_WAIT_S for a missing earlier one; older
    or repeated ones are dropped (their state is already known)."""

    def __init__(self, rules: UrlRules, browser: str = "browser") -> None:
        self.rules = rules
        self.browser = browser
        self.pages: OrderedDict[str, _Page] = OrderedDict()
        self.dropped = 0

    def repeats(self, msg: PageMessage) -> bool:
        """Is this the next message of a known page, saying exactly what the last one said? Such a
        message changes nothing: it is taken (its number) without being charged or stored."""
        page = self.pages.get(msg.doc)
        return (page is not None and not page.ended and msg.seq == page.seq + 1
                and msg.cause != "pagehide" and msg.url == page.url and msg.state == page.state)

    def feed(self, msg: PageMessage, now: float) -> list[Observation]:
        if not self.rules.watched(msg.url):
            self.dropped += 1
            return []
        page = self.pages.get(msg.doc)
        if page is None:
            page = self.pages[msg.doc] = _Page(tab=msg.tab)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)
        self.pages.move_to_end(msg.doc)
        if page.ended or msg.seq <= page.seq or msg.seq in page.waiting:
            self.dropped += 1
            return []
        if page.state is not None and msg.seq > page.seq + 1:
            page.waiting[msg.seq] = (now + REORDER_WAIT_S, msg)
            return []
        return self._apply(page, msg) + self._release(page, now, force=False)

    def due(self, now: float) -> list[Observation]:
        """Messages whose wait for a missing predecessor is over, applied in order."""
        out: list[Observation] = []
        for page in list(self.pages.values()):
            if page.waiting:
                out += self._release(page, now, force=True)
        return out

    def next_due(self) -> float | None:
        times = [t for p in self.pages.values() for t, _ in p.waiting.values()]
        return min(times) if times else None

    def closed(self, msg: Closed) -> list[Observation]:
        """The tab was closed: its pages end (hidden, and any meeting in it ends)."""
        out: list[Observation] = []
        for doc, page in list(self.pages.items()):
            if page.tab == msg.tab:
                out += self._release(page, float("inf"), force=True)
                out += self._end(page, msg.ts)
                del self.pages[doc]
        return out

    def _release(self, page: _Page, now: float, *, force: bool) -> list[Observation]:
        out: list[Observation] = []
        while page.waiting:
            seq = min(page.waiting)
            deadline, msg = page.waiting[seq]
            if seq != page.seq + 1 and not (force and deadline <= now):
                break
            del page.waiting[seq]
            out += self._apply(page, msg)
        return out

    def _obs(self, page: _Page, kind: str, ts: float, **data: Any) -> Observation:
        return Observation(ts=ts, kind=kind, app=self.browser, window=f"tab:{page.tab}",
                           category=BROWSER,
                           data={"url": page.url, "page": self.rules.kind(page.url), **data})

    def _apply(self, page: _Page, msg: PageMessage) -> list[Observation]:
        out: list[Observation] = []
        before, page.seq = page.state, msg.seq
        if page.url and msg.url != page.url and page.meeting:
            out += self._meeting(page, msg.ts, meeting=False)
        page.url = msg.url
        if before is None:
            # A page's first word: it was hidden from the start if it says so; nothing else is an
            # event the page saw (a page that loads unfocused did not "lose" focus).
            if msg.state["visible"] is False:
                out.append(self._obs(page, "tab", msg.ts, state="hidden"))
        else:
            for key, (on, off) in _CHANGES.items():
                was, now = before.get(key), msg.state[key]
                if was is None or now is None or was == now:
                    continue
                kind, state = on if now else off
                out.append(self._obs(page, kind, msg.ts, **({"state": state} if state else {})))
        page.state = dict(msg.state)
        if not page.meeting and self.rules.meeting(msg.url) and msg.cause != "pagehide":
            out += self._meeting(page, msg.ts, meeting=True)
        if page.meeting:
            out += self._front(page, msg.ts, bool(msg.state["visible"] and msg.state["focused"]))
        if msg.cause == "pagehide":
            out += self._end(page, msg.ts)
        return out

    def _meeting(self, page: _Page, ts: float, *, meeting: bool) -> list[Observation]:
        page.meeting = meeting
        if meeting:
            return [Observation(ts=ts, kind="meeting_start", app=self._meeting_app(page),
                                window=f"tab:{page.tab}", category=MEETING,
                                data={"url": page.url})]
        page.in_front = False
        return [Observation(ts=ts, kind="meeting_end", window=f"tab:{page.tab}",
                            data={"url": page.url})]

    def _meeting_app(self, page: _Page) -> str:
        # The meeting window is the tab: named by its site, so it never equals the browser's own
        # name (another tab of the same browser in front is "out of focus").
        return urlsplit(page.url).hostname or "meeting"

    def _front(self, page: _Page, ts: float, in_front: bool) -> list[Observation]:
        """A browser meeting is "in focus" while its tab is visible and its window focused: said
        as focus changes, as the desktop recorder says them for an app's window."""
        if in_front == page.in_front:
            return []
        page.in_front = in_front
        if in_front:
            return [Observation(ts=ts, kind="focus", app=self._meeting_app(page),
                                window=f"tab:{page.tab}", category=MEETING,
                                data={"url": page.url})]
        return [Observation(ts=ts, kind="focus", app=self.browser, window=f"tab:{page.tab}",
                            category=BROWSER, data={"url": page.url, "from": "browser"})]

    def _end(self, page: _Page, ts: float) -> list[Observation]:
        if page.ended:
            return []
        page.ended = True
        out: list[Observation] = []
        if page.state and page.state.get("visible"):
            out.append(self._obs(page, "tab", ts, state="hidden"))
            page.state["visible"] = False
        if page.meeting:
            out += self._front(page, ts, False)
            out += self._meeting(page, ts, meeting=False)
        return out
