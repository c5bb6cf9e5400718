"""What a web page (and the exam tools built on one) can learn: Canvas, Proctorio, any page."""

from __future__ import annotations

from typing import Any

from ..model import Event
from ._base import Activity, Flag, LogInfo, Locks, Profile, absent, beyond, duration_text, total

CANVAS_THROTTLE_S = 5.0  # underscore throttle(5000, {leading: true, trailing: false})
PROCTORIO_LIMITS_S = {"severe": 0.0, "moderate": 15.0, "lenient": 30.0}  # ExamSettings.cs
IDLE_DETECTION_MIN_S = 60.0  # IdleDetector.start() rejects thresholds below 60 000 ms

PAGE_EVENTS = frozenset(("tab", "page_blur", "page_focus"))


def _mmss(seconds: float) -> str:
    m, s = divmod(int(max(seconds, 0)), 60)
    return f"{m:02d}:{s:02d}"


class CanvasMachine:
    handles = frozenset(("page_blur", "page_focus"))

    def __init__(self, info: LogInfo) -> None:
        self.flags: list[Flag] = []
        self._last: dict[tuple[str, str], float] = {}
        self.counts = {"stopped_viewing": 0, "resumed": 0, "dropped_by_throttle": 0}

    def feed(self, e: Event) -> None:
        key = (e.url or "", e.event)
        last = self._last.get(key)
        if last is not None and e.t - last < CANVAS_THROTTLE_S:
            self.counts["dropped_by_throttle"] += 1
            return
        self._last[key] = e.t
        if e.event == "page_blur":
            self.counts["stopped_viewing"] += 1
            text = "Stopped viewing the Canvas quiz-taking page..."
        else:
            self.counts["resumed"] += 1
            text = "Resumed."
        self.flags.append(Flag(e.t, None, f"{_mmss(e.t)} {text} ({e.url})"))

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]:
        if not self._last:
            return [], absent("no page_blur / page_focus events from a quiz page in this log")
        return self.flags, {"applies": True, **self.counts}


CANVAS = Profile(
    id="canvas-quiz-log",
    name="Canvas Classic Quizzes quiz log",
    seen_by="instructor",
    sources=(
        "https://github.com/instructure/canvas-lms/blob/master/ui/shared/quiz-log-auditing/"
        "jquery/event_trackers/page_blurred.js",
        "https://github.com/instructure/canvas-lms/blob/master/ui/shared/quiz-log-auditing/"
        "jquery/event_trackers/page_focused.js",
        "https://github.com/instructure/canvas-lms/blob/master/ui/shared/quiz-log-auditing/"
        "jquery/event_tracker.js",
    ),
    assumptions=(
        "Every page in the log is a quiz-taking page; the attempt started at the log's start, "
        "so mm:ss is the time since then.",
        "Window blur/focus only (not tab visibility), each kind at most once per 5 s "
        "(leading edge), as Canvas's code does; blurs into an iframe inside the quiz are not in "
        "the log.",
        "Canvas sent its log to the server in 15 s batches; the instructor sees the same entries.",
    ),
    machine=CanvasMachine,
)


class _Page:
    """Per-URL window-focus and tab-visibility state."""

    def __init__(self) -> None:
        self.blurred = False
        self.hidden = False

    @property
    def away(self) -> bool:
        return self.blurred or self.hidden

    def feed(self, e: Event) -> None:
        if e.event == "tab":
            self.hidden = e.state == "hidden"
        elif e.event == "page_blur":
            self.blurred = True
        elif e.event == "page_focus":
            self.blurred = False


class ProctorioMachine:
    handles = PAGE_EVENTS

    def __init__(self, info: LogInfo) -> None:
        self.pages: dict[str, _Page] = {}
        self.away_since: dict[str, float] = {}
        self.cumulative: dict[str, float] = {}
        self.flags: list[Flag] = []
        self.removed: dict[str, dict[str, float]] = {}

    def feed(self, e: Event) -> None:
        url = e.url or ""
        page = self.pages.setdefault(url, _Page())
        was = page.away
        page.feed(e)
        if page.away and not was:
            self.away_since[url] = e.t
        elif was and not page.away:
            self._back(url, e.t)

    def _back(self, url: str, t: float) -> None:
        a = self.away_since.pop(url)
        before = self.cumulative.get(url, 0.0)
        after = before + (t - a)
        self.cumulative[url] = after
        self.flags.append(Flag(a, t, f"Flag: navigating away from the exam page ({url}) for "
                                     f"{duration_text(t - a)}; {duration_text(after)} in all."))
        for setting, limit in PROCTORIO_LIMITS_S.items():
            done = self.removed.setdefault(url, {})
            # "more than N seconds (cumulatively)"; Severe removes at the first departure.
            if setting not in done and (after > limit if limit else True):
                done[setting] = a + (limit - before)

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]:
        for url in list(self.away_since):
            self._back(url, end)
        if not self.pages:
            return [], absent("no exam page events (tab / page_blur / page_focus) in this log")
        removals = []
        for url, done in self.removed.items():
            for setting, at in done.items():
                limit = PROCTORIO_LIMITS_S[setting]
                rule = "at once" if not limit else f"after more than {duration_text(limit)} away in all"
                removals.append(Flag(at, None, f"With 'Force full screen' set to {setting.title()}, "
                                               f"you would have been removed from the exam ({rule})."))
        flags = sorted(self.flags + removals, key=lambda f: f.at)
        first = {s: min((d[s] for d in self.removed.values() if s in d), default=None)
                 for s in PROCTORIO_LIMITS_S}
        return flags, {
            "applies": True,
            "navigating_away_flags": len(self.flags),
            "away_s": round(sum(self.cumulative.values()), 3),
            **{f"removed_at_{s}": (None if at is None else round(at, 3)) for s, at in first.items()},
        }


PROCTORIO = Profile(
    id="proctorio",
    name="Proctorio exam (navigating away, Force full screen)",
    seen_by="instructor",
    sources=(
        "https://github.com/proctorio/proctorio-api-dotnet-client",
        "https://www.miamioh.edu/regionals/eccoe/get-help-with-campus-systems/get-help-proctorio/"
        "using-proctorio/index.html",
    ),
    assumptions=(
        "Each page in the log is an exam page; leaving it means its window lost focus or its tab "
        "was hidden (which browser signal Proctorio reads is not published).",
        "Removal: Moderate after more than 15 s away in all, Lenient after more than 30 s, "
        "Severe at the first departure; times are when the limit was crossed.",
        "Webcam, audio and keystroke flags are not modelled.",
    ),
    machine=ProctorioMachine,
)


class WebPageMachine:
    handles = PAGE_EVENTS | frozenset(("input", "lock", "unlock"))

    def __init__(self, info: LogInfo) -> None:
        self.pages: dict[str, _Page] = {}
        self.since: dict[tuple[str, str], float] = {}
        self.spans: dict[str, list[tuple[float, float, str]]] = {"hidden": [], "blurred": []}
        self.activity = Activity()
        self.locks = Locks()

    def feed(self, e: Event) -> None:
        if e.event == "input":
            self.activity.feed(e)
            return
        if e.event in ("lock", "unlock"):
            self.locks.feed(e)
            return
        url = e.url or ""
        page = self.pages.setdefault(url, _Page())
        before = {"hidden": page.hidden, "blurred": page.blurred}
        page.feed(e)
        for kind, was in before.items():
            now = getattr(page, kind)
            if now and not was:
                self.since[(url, kind)] = e.t
            elif was and not now:
                self.spans[kind].append((self.since.pop((url, kind)), e.t, url))

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]:
        for (url, kind), a in list(self.since.items()):
            self.spans[kind].append((a, end, url))
        self.since.clear()
        has_input = self.activity.seen
        if not self.pages and not has_input and not self.locks.spans and self.locks.since is None:
            return [], absent("no browser, input or lock events in this log")
        flags = [Flag(a, b, f"The page ({url}) could see its tab was hidden.")
                 for a, b, url in self.spans["hidden"]]
        flags += [Flag(a, b, f"The page ({url}) could see its window lost focus.")
                  for a, b, url in self.spans["blurred"]]
        idle = beyond(self.activity.finish(end), IDLE_DETECTION_MIN_S) if has_input else []
        flags += [Flag(a, b, "A page holding the Idle Detection permission would be told you "
                             "were 'idle'.") for a, b in idle]
        locked = self.locks.finish(end)
        flags += [Flag(a, b, "A page holding the Idle Detection permission would be told the "
                             "screen was 'locked'.") for a, b in locked]
        flags.sort(key=lambda f: f.at)
        return flags, {
            "applies": True,
            "hidden_s": round(sum(b - a for a, b, _ in self.spans["hidden"]), 3),
            "blurred_s": round(sum(b - a for a, b, _ in self.spans["blurred"]), 3),
            "idle_s": round(total(idle), 3) if has_input else None,
            "locked_s": round(total(locked), 3),
        }


WEB_PAGE = Profile(
    id="web-page",
    name="Any web page (Page Visibility, window focus, Idle Detection)",
    seen_by="any web page",
    sources=(
        "https://developer.mozilla.org/en-US/docs/Web/API/Page_Visibility_API",
        "https://developer.mozilla.org/en-US/docs/Web/API/Document/hasFocus",
        "https://wicg.github.io/idle-detection/",
        "https://developer.chrome.com/blog/timer-throttling-in-chrome-88",
    ),
    assumptions=(
        "Worst case: the page was granted the Idle Detection permission (Chromium 94+, needs a "
        "click and HTTPS) with the minimum 60 s threshold.",
        "Idle is device-wide: input in any app counts as activity.",
        "Visibility and focus need no permission at all; every page sees them.",
    ),
    machine=WebPageMachine,
)
