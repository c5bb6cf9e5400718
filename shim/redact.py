"""Titles kept only when the user opted in, and then cleaned: they are attacker-controlled text
(any web page sets its own) and the most sensitive thing a tracker sees."""

from __future__ import annotations

import re

MAX_TITLE = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_PRIVATE = re.compile(r"private browsing|incognito|inprivate", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DIGITS = re.compile(r"\d{6,}")  # card, phone and account numbers


def redact_title(title: str | None, deny: re.Pattern | None = None) -> str | None:
    """A title fit to store, or None when it must not be stored at all."""
    if not title:
        return None
    if _PRIVATE.search(title) or (deny is not None and deny.search(title)):
        return None
    clean = _CONTROL.sub("", title)
    clean = _EMAIL.sub("[email]", clean)
    clean = _DIGITS.sub("[number]", clean)
    clean = " ".join(clean.split())
    return clean[:MAX_TITLE] or None
