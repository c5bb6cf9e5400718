"""One schema per POST endpoint: a body is parsed strictly and checked before the API sees it.

Parsing refuses what Python's json would let through (NaN, Infinity, 1e999 as inf, nesting deep
enough to exhaust the stack), and each schema checks types, finite ranges, text lengths and that
no unknown field is present, so a bad body is always a 400 with a sentence, never a 500.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onlooker.shim.model import EARLIEST, LATEST
from onlooker.shim.profiles import PROFILES



class BadBody(ValueError):
    """The body is not what the endpoint accepts; the message is a fixed text, safe to show."""


def _no_constants(name: str) -> Any:
    raise BadBody("numbers must be finite (no NaN or Infinity)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses to inf
        raise BadBody("numbers must be finite (no NaN or Infinity)")
    return value


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or BadBody. An empty body is an empty object."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw, parse_constant=_no_constants, parse_float=_finite)
    except BadBody:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError):  # int digits limit included
        raise BadBody("the body must be JSON") from None


@dataclass(frozen=True)
class Number:
    lo: float
    hi: float
    nullable: bool = False

    def check(self, v: Any) -> bool:
        if v is None:
            return self.nullable
        return (isinstance(v, (int, float)) and not isinstance(v, bool)
                and math.isfinite(v) and self.lo <= v <= self.hi)

    def describe(self) -> str:
        return f"a number from {self.lo:g} to {self.hi:g}" + (", or null" if self.nullable else "")


@dataclass(frozen=True)
class Bool:
    only: bool | None = None  # a flag that must be exactly true, e.g. {"all": true}

    def check(self, v: Any) -> bool:
        return isinstance(v, bool) and (self.only is None or v is self.only)

    def describe(self) -> str:
        return "true or false" if self.only is None else f"{str(self.only).lower()}"


@dataclass(frozen=True)
class Text:
    max_len: int
    nullable: bool = False

    def check(self, v: Any) -> bool:
        return (v is None and self.nullable) or (isinstance(v, str) and len(v) <= self.max_len)

    def describe(self) -> str:
        return f"text of at most {self.max_len} characters" + (", or null" if self.nullable else "")


@dataclass(frozen=True)
class IdList:
    known: Callable[[], Any]  # called at check time: the set of allowed ids

    def check(self, v: Any) -> bool:
        known = self.known()
        return isinstance(v, list) and len(v) <= len(known) and all(
            isinstance(x, str) and x in known for x in v)

    def describe(self) -> str:
        return "a list of known profile ids"


@dataclass(frozen=True)
class Obj:
    fields: dict[str, Any]
    required: frozenset[str] = frozenset()
    rule: Callable[[dict], str | None] | None = None  # cross-field check: None or the problem

    def check(self, v: Any) -> bool:
        return isinstance(v, dict)

    def describe(self) -> str:
        return "a JSON object"

    def validate(self, body: Any, where: str = "the body") -> dict:
        if not isinstance(body, dict):
            raise BadBody(f"{where} must be a JSON object")
        for key in body:
            if key not in self.fields:
                # named only when it is a plain short identifier: nothing odd is echoed back
                raise BadBody(f"unknown field '{key}' in {where}"
                              if key.isidentifier() and len(key) <= 40 else f"unknown field in {where}")
        for key in self.required:
            if key not in body:
                raise BadBody(f"'{key}' is required in {where}")
        for key, spec in self.fields.items():
            if key not in body:
                continue
            if isinstance(spec, Obj):
                spec.validate(body[key], f"'{key}'")
            elif not spec.check(body[key]):
                raise BadBody(f"'{key}' must be {spec.describe()}")
        problem = self.rule(body) if self.rule else None
        if problem:
            raise BadBody(problem)
        return body


def _forget_rule(body: dict) -> str | None:
    if body.get("all") is True:
        return None if set(body) == {"all"} else "give either 'all': true or 'from' and 'to'"
    if "from" not in body or "to" not in body or not body["from"] < body["to"]:
        return "give 'from' < 'to' as epoch seconds, or 'all': true"
    return None


PROBE_EVENTS = ("tab", "page_blur", "page_focus", "fullscreen_enter", "fullscreen_exit",
                "pointer_leave", "pointer_enter")


def _probe_rule(body: dict) -> str | None:
    if body["event"] not in PROBE_EVENTS:
        return f"'event' must be one of {', '.join(PROBE_EVENTS)}"
    if (body["event"] == "tab") != (body.get("state") in ("visible", "hidden")):
        return "'state' (visible or hidden) goes with a tab event, and only with it"
    return None


def _meeting_rule(body: dict) -> str | None:
    # compiled as the recorder will run them (RE2, linear time): refused here, not at matching
    from onlooker.shim.classify import BadRulePattern, compile_pattern

    for key in ("app", "title"):
        if body.get(key):
            try:
                compile_pattern(body[key])
            except BadRulePattern as exc:
                return f"'{key}': {exc}"
    return None


SCHEMAS: dict[str, Obj] = {
    "/api/pause": Obj({"minutes": Number(1, 24 * 60, nullable=True)}),
    "/api/resume": Obj({}),
    "/api/forget": Obj({"all": Bool(only=True), "from": Number(EARLIEST, LATEST),
                        "to": Number(EARLIEST, LATEST)}, rule=_forget_rule),
    "/api/settings": Obj({
        "profiles_shown": IdList(lambda: PROFILES),
        "notify": Bool(),
        "keep_titles": Bool(),
        "add_rule": Obj({"name": Text(100, nullable=True), "app": Text(200),
                         "title": Text(200, nullable=True)}, required=frozenset({"app"}),
                        rule=_meeting_rule),
    }),
    "/api/scenario": Obj({"name": Text(100)}, required=frozenset({"name"})),
    # the probe page's own observations (recorded only when 'onlooker probe --record' runs)
    "/api/probe/event": Obj({"event": Text(20), "time": Number(EARLIEST * 1000, LATEST * 1000),
                             "state": Text(10)}, required=frozenset({"event", "time"}),
                            rule=_probe_rule),
}


def body_for(path: str, raw: bytes) -> dict:
    """The checked body of a POST to ``path`` (a route in SCHEMAS), or BadBody."""
    return SCHEMAS[path].validate(parse_json(raw))
