"""What a web page (and the exam tools built on one) can learn: Canvas, Proctorio, any page."""

from __future__ import annotations

from ..model import Event
from ._base import (Activity, Flag, LogInfo, Locks, Metric, Presentation, Profile, absent,
                    beyond, flag_ms, ms_text, secs, subtract, total, union)

CANVAS_THROTTLE_MS = 5_000  # underscore throttle(5000, {leading: true, trailing: false})
PROCTORIO_LIMITS_MS = {"severe": 0, "moderate": 15_000, "lenient": 30_000}  # ExamSettings.cs
IDLE_DETECTION_MIN_MS = 60_000  # IdleDetector.start() rejects thresholds below 60 000 ms

PAGE_EVENTS = frozenset(("tab", "page_blur", "page_focus"))
FULLSCREEN_EVENTS = frozenset(("fullscreen_exit", "fullscreen_enter"))

# Which pages each rule watches. Recorded browser events carry the kind of page they came from
# ("page": quiz / exam / meeting / page, decided at capture time from these rules and the
# config's [browser] quiz_pages / exam_pages); a hand-written log without it is taken at its word.
# Canvas Classic Quizzes' taking page: routes.rb, get "courses/:course_id/quizzes/:quiz_id/take"
# https://github.com/instructure/canvas-lms/blob/master/config/routes.rb
CANVAS_QUIZ_PAGES = (r"^/courses/\d+/quizzes/\d+/take",)
# Exam pages where Proctorio's extension runs (it proctors the LMS's own quiz page):
EXAM_PAGES = (
    *CANVAS_QUIZ_PAGES,
    r"^/mod/quiz/attempt\.php",          # Moodle: mod/quiz/attempt.php (moodle/moodle, mod/quiz)
    r"^/webapps/assessment/take/",        # Blackboard Learn Original: assessment take
    r"^/d2l/lms/quizzing/user/attempt/",  # D2L Brightspace quizzing attempt
    r"^/(exam|quiz)",                     # proctoring sites' own exam pages (proctorio.com ...)
)


def page_kind_of(e: Event) -> str | None:
    """The kind of page a recorded event came from, or None for a hand-written log's event."""
    kind = (e.extra or {}).get("page")
    return kind if isinstance(kind, str) else None


def origin_of(url: str) -> str:
    """scheme://host[:port] of an address (the whole text when it has no path)."""
    scheme, sep, rest = url.partition("://")
    return scheme + sep + rest.split("/", 1)[0] if sep else url


def seconds_to_time(seconds: int) -> str:
    """Canvas's ``secondsToTime`` (quiz-legacy-client-apps/util/seconds_to_time.js): mm:ss with
    the minutes not capped, hh:mm:ss when more than an hour (3600 -> 60:00, 7230 -> 02:00:30)."""
    seconds = max(seconds, 0)
    if seconds > 3600:
        h, rest = divmod(seconds, 3600)
        return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


_CANVAS_EVENT = {"page_blur": "page_blurred", "page_focus": "page_focused"}  # its event types


class CanvasMachine:
    handles = frozenset(("page_blur", "page_focus"))
    in_ms = True

    def __init__(self, info: LogInfo) -> None:
        self.flags: list[Flag] = []
        self._last: dict[tuple[str, str], int] = {}
        self.counts = {"stopped_viewing": 0, "resumed": 0, "dropped_by_throttle": 0}

    def feed(self, e: Event) -> None:
        if page_kind_of(e) not in (None, "quiz"):
            return  # recorded on another kind of page: Canvas's quiz log is only on the quiz
        key = (e.url or "", e.event)
        last = self._last.get(key)
        if last is not None and e.t - last < CANVAS_THROTTLE_MS:
            self.counts["dropped_by_throttle"] += 1
            return
        self._last[key] = e.t
        if e.event == "page_blur":
            self.counts["stopped_viewing"] += 1
            text = "Stopped viewing the Canvas quiz-taking page..."
        else:
            self.counts["resumed"] += 1
            text = "Resumed."
        elapsed = seconds_to_time(e.t // 1000)  # whole seconds since the attempt started
        self.flags.append(flag_ms(e.t, None, f"{elapsed} {text} ({e.url})", url=e.url,
                                  entry=_CANVAS_EVENT[e.event], elapsed=elapsed))

    def finish(self, end: int):
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
        "so each entry shows the whole seconds since then as Canvas's secondsToTime writes them "
        "(mm:ss, minutes not capped; hh:mm:ss past one hour).",
        "Window blur/focus only (not tab visibility), each kind at most once per 5 s "
        "(leading edge), as Canvas's code does; blurs into an iframe inside the quiz are not in "
        "the log.",
        "Canvas sent its log to the server in 15 s batches; the instructor sees the same entries.",
    ),
    machine=CanvasMachine,
    presentation=Presentation(
        short="Canvas quiz log",
        metrics=(Metric("stopped_viewing", "'Stopped viewing' entries"),
                 Metric("resumed", "'Resumed' entries"),
                 Metric("dropped_by_throttle", "events dropped by the 5 s throttle")),
        headline=("stopped_viewing",),
        trend="stopped_viewing",
    ),
)


class PageSpans:
    """Per page: when its tab was hidden and when its window was blurred, as spans (ms). Each
    kept apart, so an implied earlier state (a first 'visible' means hidden since the start)
    lands in place whatever the other one did meanwhile."""

    def __init__(self) -> None:
        self.since: dict[tuple[str, str], int] = {}
        self.spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self.urls: set[str] = set()

    def feed(self, e: Event) -> None:
        url = e.url or ""
        self.urls.add(url)
        if e.event == "tab":
            key, on = (url, "hidden"), e.state == "hidden"
        elif e.event in FULLSCREEN_EVENTS:
            key, on = (url, "windowed"), e.event == "fullscreen_exit"
        else:
            key, on = (url, "blurred"), e.event == "page_blur"
        if on:
            self.since.setdefault(key, e.t)
        elif key in self.since:
            a = self.since.pop(key)
            if e.t > a:
                self.spans.setdefault(key, []).append((a, e.t))

    def finish(self, end: int) -> None:
        for key, a in self.since.items():
            if end > a:
                self.spans.setdefault(key, []).append((a, end))
        self.since.clear()

    def of(self, url: str, kind: str) -> list[tuple[int, int]]:
        return sorted(self.spans.get((url, kind), []))


class ProctorioMachine:
    handles = PAGE_EVENTS | FULLSCREEN_EVENTS
    in_ms = True

    def __init__(self, info: LogInfo) -> None:
        self.pages = PageSpans()
        self.unobserved = info.unobserved_ms()

    def feed(self, e: Event) -> None:
        if page_kind_of(e) in (None, "exam", "quiz"):  # exam pages only, when the record says
            self.pages.feed(e)

    def finish(self, end: int):
        if not self.pages.urls:
            return [], absent("no exam page events (tab / page_blur / page_focus) in this log")
        self.pages.finish(end)
        flags: list[Flag] = []
        first: dict[str, int | None] = {s: None for s in PROCTORIO_LIMITS_MS}
        away_all = 0
        for url in sorted(self.pages.urls):
            # leaving full screen counts where the record has it ("Force full screen")
            away = subtract(union(self.pages.of(url, "hidden"), self.pages.of(url, "blurred"),
                                  self.pages.of(url, "windowed")), self.unobserved)
            cumulative = 0
            for a, b in away:
                before, cumulative = cumulative, cumulative + b - a
                ongoing = b >= end
                tail = ("still away when the recording ended" if ongoing
                        else f"{ms_text(cumulative)} in all")
                flags.append(flag_ms(a, b, f"Flag: navigating away from the exam page ({url}) for "
                                           f"{ms_text(b - a)}; {tail}.", url=url,
                                     away_s=secs(b - a), cumulative_s=secs(cumulative)))
                for setting, limit in PROCTORIO_LIMITS_MS.items():
                    # "more than N seconds (cumulatively)"; Severe removes at the first departure.
                    if (limit and before <= limit < cumulative) or (not limit and not before):
                        at = a + (limit - before)
                        rule = ("at once" if not limit
                                else f"after more than {ms_text(limit)} away in all")
                        flags.append(flag_ms(at, None, f"With 'Force full screen' set to "
                                                       f"{setting.title()}, you would have been "
                                                       f"removed from the exam ({rule}).",
                                             url=url, setting=setting,
                                             cumulative_s=secs(limit)))
                        if first[setting] is None or at < first[setting]:
                            first[setting] = at
            away_all += cumulative
        return flags, {
            "applies": True,
            "navigating_away_flags": sum(1 for f in flags if f.until is not None),
            "away_s": secs(away_all),
            **{f"removed_at_{s}": (None if at is None else secs(at)) for s, at in first.items()},
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
        "Removal: Moderate after more than 15 s away in all, Lenient after more than 30 s "
        "(exactly 15.000 s is not more), Severe at the first departure; times are when the limit "
        "was crossed, to the millisecond.",
        "Webcam, audio and keystroke flags are not modelled.",
    ),
    machine=ProctorioMachine,
    presentation=Presentation(
        short="Proctorio",
        metrics=(Metric("navigating_away_flags", "'navigating away' flags"),
                 Metric("away_s", "away from the exam page", "s"),
                 *(Metric(f"removed_at_{s}", f"removed under {s.title()}", "at")
                   for s in PROCTORIO_LIMITS_MS)),
        headline=("navigating_away_flags",),
        trend="navigating_away_flags",
    ),
)


class WebPageMachine:
    handles = PAGE_EVENTS | frozenset(("input", "lock", "unlock"))
    in_ms = True

    def __init__(self, info: LogInfo) -> None:
        self.pages = PageSpans()
        self.activity = Activity(info, keep_over=IDLE_DETECTION_MIN_MS)
        self.locks = Locks()
        self.unobserved = info.unobserved_ms()

    def feed(self, e: Event) -> None:
        kind = e.event
        if kind == "input":
            self.activity.feed(e)
        elif kind == "lock" or kind == "unlock":
            self.locks.feed(e)
            if kind == "unlock":  # typing the password restarts the OS idle timer
                self.activity.touch(e.t)
        else:
            self.pages.feed(e)

    def finish(self, end: int):
        has_input = self.activity.seen
        locked = subtract(self.locks.finish(end), self.unobserved)
        if not self.pages.urls and not has_input and not locked:
            return [], absent("no browser, input or lock events in this log")
        self.pages.finish(end)
        flags, spent = [], {"hidden": 0, "blurred": 0}
        words = {"hidden": "its tab was hidden", "blurred": "its window lost focus"}
        origins: dict[str, list[str]] = {}  # each origin separately: what its scripts can see
        for url in self.pages.urls:
            origins.setdefault(origin_of(url), []).append(url)
        for url, same in sorted(origins.items()):
            for kind in ("hidden", "blurred"):
                spans = union(*(self.pages.of(u, kind) for u in same))
                for a, b in subtract(spans, self.unobserved):
                    spent[kind] += b - a
                    flags.append(flag_ms(a, b, f"The page ({url}) could see {words[kind]}.",
                                         url=url, state=kind))
        # "idle" once no input for at least 60 s; a gap of exactly 60.000 s ends as it begins
        idle = beyond(self.activity.finish(end), IDLE_DETECTION_MIN_MS) if has_input else []
        flags += [flag_ms(a, b, "A page holding the Idle Detection permission would be told you "
                                "were 'idle'.", user_state="idle") for a, b in idle]
        flags += [flag_ms(a, b, "A page holding the Idle Detection permission would be told the "
                                "screen was 'locked'.", screen_state="locked") for a, b in locked]
        return flags, {
            "applies": True,
            "hidden_s": secs(spent["hidden"]),
            "blurred_s": secs(spent["blurred"]),
            "idle_s": secs(total(idle)) if has_input else None,
            "locked_s": secs(total(locked)),
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
        "Idle is device-wide: input in any app counts as activity, and so does unlocking (typing "
        "the password restarts the OS idle timer the API reads).",
        "'idle' after at least 60 s without input: a gap of exactly 60.000 s becomes idle the "
        "instant input returns, so nothing lasts to be seen.",
        "Visibility and focus need no permission at all; every page sees them.",
    ),
    machine=WebPageMachine,
    presentation=Presentation(
        short="Any web page",
        metrics=(Metric("hidden_s", "a page saw its tab hidden", "s"),
                 Metric("blurred_s", "a page saw its window blurred", "s"),
                 Metric("idle_s", "'idle' to Idle Detection", "s"),
                 Metric("locked_s", "'locked' to Idle Detection", "s")),
        headline=("hidden_s", "idle_s"),
        trend="hidden_s",
    ),
)
