"""Which windows are meeting windows. Rules match the app (WM_CLASS or process name) and,
optionally, the window title; titles are used here, at capture time, and not kept."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import BROWSER, MEETING, OTHER

BROWSER_APPS = r"firefox|firefox-esr|chromium|chromium-browser|google-chrome|chrome|brave|" \
               r"brave-browser|microsoft-edge|msedge|vivaldi|opera|epiphany|librewolf"


@dataclass(frozen=True)
class Rule:
    name: str
    app: re.Pattern
    title: re.Pattern | None = None

    def matches(self, app: str, title: str) -> bool:
        return bool(self.app.search(app)) and (self.title is None or bool(self.title.search(title)))


def rule(name: str, app: str, title: str | None = None) -> Rule:
    flags = re.IGNORECASE
    return Rule(name, re.compile(app, flags), re.compile(title, flags) if title else None)


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
        except re.error as exc:
            raise ValueError(f"[[meeting]] rule {i}: bad pattern ({exc})") from None
    return out


class Classifier:
    def __init__(self, rules: list[Rule] | None = None):
        self.rules = default_rules() if rules is None else rules
        self._browser = re.compile(rf"^({BROWSER_APPS})$", re.IGNORECASE)

    def classify(self, app: str | None, title: str | None) -> str:
        app, title = app or "", title or ""
        if any(r.matches(app, title) for r in self.rules):
            return MEETING
        if self._browser.search(app):
            return BROWSER
        return OTHER
