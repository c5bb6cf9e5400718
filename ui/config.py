"""The user's settings file (TOML). Read only; ``write_default`` is explicit."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from onlooker.shim.classify import Classifier, rules_from_config

DEFAULT_TEXT = """\
# Onlooker settings. Titles are used to recognise meeting windows at capture time; they are
# stored only if keep_titles is true (then cleaned: e-mail addresses and long numbers removed).
keep_titles = false
# Titles matching this pattern are never stored, even with keep_titles on.
# title_deny = "bank|health|password"

# Delete recordings older than this many days (checked when the recorder starts and daily).
# retention_days = 90

# The built-in meeting rules (Zoom, Teams, Webex, Slack huddles, GoTo, Meet/Zoom/Teams in a
# browser) stay on unless this is false. Add your own below.
default_meeting_rules = true

# [[meeting]]
# name = "Jitsi in a browser"
# app = "firefox|chromium"          # regex on the app (WM_CLASS or process name)
# title = "jitsi"                    # optional regex on the window title
"""


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    keep_titles: bool = False
    title_deny: re.Pattern | None = None
    retention_days: int | None = None
    classifier: Classifier = field(default_factory=Classifier)
    path: Path | None = None


def load(path: Path) -> Config:
    """Missing file: defaults. A bad file: ConfigError naming the file and the problem."""
    if not path.exists():
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}; fix the file or move it aside") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        keep = data.get("keep_titles", False)
        if not isinstance(keep, bool):
            raise ValueError("keep_titles must be true or false")
        deny = data.get("title_deny")
        retention = data.get("retention_days")
        if retention is not None and (not isinstance(retention, int) or isinstance(retention, bool)
                                      or retention < 1):
            raise ValueError("retention_days must be a whole number of days (1 or more)")
        rules = rules_from_config(data.get("meeting", []),
                                  keep_defaults=bool(data.get("default_meeting_rules", True)))
        return Config(keep_titles=keep, title_deny=re.compile(deny, re.I) if deny else None,
                      retention_days=retention, classifier=Classifier(rules), path=path)
    except (ValueError, re.error) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def write_default(path: Path) -> bool:
    """Create the commented default file; False if one exists already."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:  # O_EXCL|O_NOFOLLOW: never through a link, never over a file that appeared meanwhile
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(DEFAULT_TEXT)
    return True


def _document(path: Path) -> "tomlkit.TOMLDocument":
    import tomlkit  # a round-trip TOML editor: comments, order and layout are kept

    text = path.read_text(encoding="utf-8") if path.exists() else DEFAULT_TEXT
    return tomlkit.parse(text)


def set_value(path: Path, key: str, value) -> None:
    """Set one top-level key in the config file, keeping everything else as written."""
    doc = _document(path)
    doc[key] = value
    _write(path, doc.as_string())


def add_meeting_rule(path: Path, name: str, app: str, title: str | None) -> None:
    """Append a [[meeting]] rule after checking its patterns compile."""
    import tomlkit

    rules_from_config([{"name": name, "app": app, "title": title}], keep_defaults=False)
    doc = _document(path)
    rule = tomlkit.table()
    rule.update({"name": name, "app": app, **({"title": title} if title else {})})
    meetings = doc.get("meeting")
    if meetings is None:
        meetings = tomlkit.aot()
        doc.append("meeting", meetings)
    meetings.append(rule)
    _write(path, doc.as_string())


def _write(path: Path, text: str) -> None:
    from .files import write_atomic

    tomllib.loads(text)  # never write a file we could not read back
    # a symlinked config (stow, home-manager) is written where it points, so the link stays
    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(target, text.encode())  # a random temp name beside it, 0600, then rename
