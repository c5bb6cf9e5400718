"""Plain words for the diary: durations, the first page's sentences, and anonymised names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from onlooker.shim.classify import Classifier
from onlooker.shim.model import BROWSER, MEETING
from onlooker.shim.profiles import duration_text

# The first page's sentences: what a product would have done, and which of its flags count
# towards it (a profile's variants and its second, stricter rule would count one event twice).
# Keyed by the stable profile ids; a profile not named here gets a generic sentence.
Match = Callable[[dict[str, Any]], bool]
HIGHLIGHTS: dict[str, tuple[str, Match]] = {
    "zoom-2020": ("a 2020 Zoom host would have seen the clock icon next to your name",
                  lambda d: True),
    "gotowebinar": ("a GoTo Webinar organizer would have seen you as 'not attentive'",
                    lambda d: True),
    "canvas-quiz-log": ("your Canvas quiz log would have told the instructor you stopped viewing "
                        "the quiz", lambda d: d.get("entry") == "page_blurred"),
    "proctorio": ("Proctorio would have flagged you for navigating away from the exam",
                  lambda d: "setting" not in d),
    "hubstaff": ("Hubstaff would have shown you an idle prompt", lambda d: True),
    "activtrak": ("ActivTrak would have reported you as inactive",
                  lambda d: d.get("state") == "inactive"),
    "time-doctor": ("Time Doctor would have stopped tracking your time",
                    lambda d: d.get("state") == "stopped"),
    "teams-presence": ("Microsoft Teams would have shown you as Away to your organisation",
                       lambda d: d.get("rule_min") == 5),
    "slack-presence": ("Slack would have shown your workspace the away dot",
                       lambda d: d.get("rule_min") == 10),
    "web-page": ("a web page could have seen you look away from it (tab hidden or window "
                 "blurred)", lambda d: d.get("state") in ("hidden", "blurred")),
}


def counts_towards_highlight(profile_id: str, flag: dict[str, Any]) -> bool:
    data = flag.get("data") or {}
    if "variant" in data:  # a labelled what-if (Zoom's worst case), never a fact
        return False
    entry = HIGHLIGHTS.get(profile_id)
    return entry is None or entry[1](data)


def highlight_phrase(profile_id: str, short: str, seen_by: str) -> str:
    entry = HIGHLIGHTS.get(profile_id)
    return entry[0] if entry else f"{short} would have flagged you to {audience(seen_by)}"


# A profile's seen_by is a noun ("employer") or a whole phrase ("everyone in your organisation",
# "any web page"); only the noun takes "the".
_NO_ARTICLE = ("everyone", "anyone", "any", "every", "each", "all", "your", "the", "a", "an")


def audience(seen_by: str) -> str:
    """'seen by ...' completed: 'the employer', but 'everyone in your organisation'."""
    first = seen_by.split(" ", 1)[0].lower()
    return seen_by if first in _NO_ARTICLE else f"the {seen_by}"


def duration(seconds: float) -> str:
    return duration_text(seconds)


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- anonymising -------------------------------------------------------------------------------

APP_CLASS = {MEETING: "meeting app", BROWSER: "browser"}
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s)\"']+", re.IGNORECASE)


def app_class(app: str | None, classifier: Classifier | None = None) -> str:
    """An app's class instead of its name (the default meeting rules and browser list)."""
    category = (classifier or Classifier()).classify(app, None)
    return APP_CLASS.get(category, "other app")


def origin_kind(url: str) -> str:
    """What kind of page an address is, without saying which."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "a page"
    host = (parts.hostname or "").lower()
    if parts.scheme == "file":
        return "a local file"
    if host in ("localhost", "::1") or host.startswith("127."):
        return "a page on this computer"
    if parts.scheme in ("http", "https"):
        return "a website"
    return "a browser page"


def scrub_text(text: str, urls: list[str]) -> str:
    """A sentence with every address in it replaced by its kind."""
    for url in sorted(set(urls), key=len, reverse=True):
        text = text.replace(url, origin_kind(url))
    return _URL.sub(lambda m: origin_kind(m.group(0)), text)


def scrub_data(data: dict[str, Any], classifier: Classifier) -> dict[str, Any]:
    out = dict(data)
    if isinstance(out.get("url"), str):
        out["url"] = origin_kind(out["url"])
    if isinstance(out.get("app"), str):
        out["app"] = app_class(out["app"], classifier)
    return out
