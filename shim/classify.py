"""Which windows are meeting windows. Rules match the app (WM_CLASS or process name) and,
optionally, the window title; titles are used here, at capture time, and not kept.

Patterns run on RE2 (google-re2), whose matching time is linear in the text: a user's pattern such
as ``(a+)+$`` meets titles that any web page chooses (document.title is the window's title), and
Python's backtracking ``re`` would pin a core on one of them and stop the recorder. RE2 has no
back-references or look-arounds; a pattern using them is refused with a one-line error. What is
matched is bounded too (MAX_APP_CHARS, MAX_TITLE_CHARS)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import re2

from .model import BROWSER, MEETING, OTHER

MAX_APP_CHARS = 256      # an app name (WM_CLASS, process name) is matched on at most this much
MAX_TITLE_CHARS = 1024   # ... and a window title on at most this much
MAX_PATTERN_CHARS = 200  # as the dashboard's schema allows

BROWSER_APPS = r"firefox|firefox-esr|chromium|chromium-browser|google-chrome|chrome|brave|" \
               r"brave-browser|microsoft-edge|msedge|vivaldi|opera|epiphany|librewolf"


class BadRulePattern(ValueError):
    """A meeting-rule pattern RE2 cannot run; the text says what to change."""


def _options() -> Any:
    opts = re2.Options()
    opts.case_sensitive = False
    opts.log_errors = False   # the error is raised to the caller; RE2's own stderr line is noise
    return opts


def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled for linear-time matching (case-insensitive), or BadRulePattern."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise BadRulePattern(f"a pattern is at most {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        why = exc.args[0].decode(errors="replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise BadRulePattern(f"bad pattern {pattern!r} ({why}); write it without "
                             "back-references or look-arounds") from None


@dataclass(frozen=True)
class Rule:
    name: str
    app: Any                 # compiled RE2 pattern (``.pattern`` is its text)
    title: Any | None = None

    def matches(self, app: str, title: str) -> bool:
        return bool(self.app.search(app[:MAX_APP_CHARS])) and (
            self.title is None or bool(self.title.search(title[:MAX_TITLE_CHARS])))


def rule(name: str, app: str, title: str | None = None) -> Rule:
    return Rule(name, compile_pattern(app), compile_pattern(title) if title else None)


def default_rules() -> list[Rule]:
    """Meeting apps named in the issue; browser meetings are recognised by their tab titles."""
    return [
        rule("Zoom", r"^zoom", r"zoom meeting|zoom webinar|^meeting$|^zoom$"),
        rule("Microsoft Teams", r"^(ms-?)?teams|teams-for-linux|microsoft teams",
             r"meeting|call|\| microsoft teams"),
        rule("Webex", r"webex|ciscocollabhost"),
        rule("Slack huddle", r"^slack$", r"huddle"),
        rule("GoTo", r"goto|g2m|gotomeeting|gotowebinar"),
        rule("Google Meet (browser)", rf"^({BROWSER_APPS})$", r"^meet\b|google meet|meet\.google\.com"),
        rule("Zoom (browser)", rf"^({BROWSER_APPS})$", r"zoom meeting|zoom webinar|app\.zoom\.us"),
        rule("Teams (browser)", rf"^({BROWSER_APPS})$", r"microsoft teams|teams\.microsoft\.com"),
    ]


def rules_from_config(entries: Iterable[Mapping], *, keep_defaults: bool = True) -> list[Rule]:
    """``[[meeting]]`` tables from config.toml: ``name``, ``app`` regex, optional ``title`` regex."""
    out = default_rules() if keep_defaults else []
    for i, entry in enumerate(entries, start=1):
        if not str(entry.get("app") or "").strip():
            raise ValueError(f"[[meeting]] rule {i} needs an 'app' pattern (an empty one would "
                             "match every window)")
        try:
            out.append(rule(str(entry.get("name", f"rule {i}")), str(entry["app"]),
                            str(entry["title"]) if entry.get("title") else None))
        except KeyError:
            raise ValueError(f"[[meeting]] rule {i} needs an 'app' pattern") from None
        except BadRulePattern as exc:
            raise ValueError(f"[[meeting]] rule {i}: {exc}") from None
    return out


class Classifier:
    def __init__(self, rules: list[Rule] | None = None):
        self.rules = default_rules() if rules is None else rules
        self._browser = re.compile(rf"^({BROWSER_APPS})$", re.IGNORECASE)

    def classify(self, app: str | None, title: str | None) -> str:
        app, title = (app or "")[:MAX_APP_CHARS], (title or "")[:MAX_TITLE_CHARS]
        if any(r.matches(app, title) for r in self.rules):
            return MEETING
        if self._browser.search(app):
            return BROWSER
        return OTHER
