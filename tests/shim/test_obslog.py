"""The observation log format: what parses, and how bad lines are reported."""

import json

import pytest

from onlooker.shim.obslog import LogError, dump_lines, parse
from onlooker.shim.replay import replay_lines


def lines(*objs):
    return [json.dumps(o) if not isinstance(o, str) else o for o in objs]


HEADER = {"onlooker": "log", "version": 1, "start": "2026-11-28T09:00:00Z", "title": "t"}


def test_header_and_relative_times_are_read():
    """'at' seconds count from the header's start; the title is kept."""
    header, events = parse(lines(HEADER, {"at": 1.5, "event": "focus", "app": "zoom"}))
    assert header.title == "t"
    assert header.start == pytest.approx(1795856400.0)
    assert events[0].t == 1.5 and events[0].app == "zoom"


def test_iso_times_and_relative_times_mix_with_a_header():
    """'ts' lines are placed relative to the header's start."""
    _, events = parse(lines(HEADER, {"ts": "2026-11-28T10:00:00+01:00", "event": "lock"},
                            {"at": 3, "event": "unlock"}))
    assert [e.t for e in events] == [0.0, 3.0]


def test_without_header_first_iso_time_is_the_start():
    header, events = parse(lines({"ts": "2026-11-28T09:00:10Z", "event": "lock"},
                                 {"ts": "2026-11-28T09:00:40Z", "event": "unlock"}))
    assert [e.t for e in events] == [0.0, 30.0]
    assert header.start is not None


def test_lines_are_sorted_stably_by_time():
    """Out-of-order lines are sorted; equal times keep their file order."""
    _, events = parse(lines({"at": 5, "event": "focus", "app": "b"},
                            {"at": 1, "event": "focus", "app": "a"},
                            {"at": 5, "event": "focus", "app": "c"}))
    assert [e.app for e in events] == ["a", "b", "c"]


def test_unknown_fields_are_kept_and_ignored():
    _, events = parse(lines({"at": 0, "event": "lock", "source": "screensaver"}))
    assert events[0].extra == {"source": "screensaver"}


@pytest.mark.parametrize("bad, problem", [
    ("{not json", "not JSON"),
    ('["a"]', "JSON object"),
    ({"at": 1, "event": "teleport"}, "unknown event 'teleport'"),
    ({"at": 1, "event": "focus"}, "focus needs 'app'"),
    ({"event": "lock"}, "missing time"),
    ({"at": "soon", "event": "lock"}, "'at' must be a number"),
    ({"ts": "2026-11-28T09:00:00", "event": "lock"}, "has no zone"),
    ({"ts": "yesterday", "event": "lock"}, "is not an ISO-8601 time"),
    ({"at": 5, "event": "input", "until": 2}, "'until' is before"),
    ({"at": 5, "event": "input", "keys": -1}, "whole number"),
    ({"at": 5, "event": "tab", "url": "u", "state": "gone"}, "'visible' or 'hidden'"),
])
def test_bad_line_is_named_with_its_number(bad, problem):
    """The error names the line (here line 3) and the problem."""
    with pytest.raises(LogError) as info:
        parse(lines(HEADER, {"at": 0, "event": "lock"}, bad))
    assert info.value.line == 3
    assert problem in str(info.value)
    assert str(info.value).startswith("line 3:")


def test_a_bad_line_late_in_the_file_means_nothing_is_replayed():
    """Replay refuses the whole log rather than returning partial results."""
    log = lines(HEADER, *[{"at": i, "event": "input"} for i in range(100)], {"at": 1, "event": "x"})
    with pytest.raises(LogError) as info:
        replay_lines(log)
    assert info.value.line == 102


def test_dump_then_parse_round_trips():
    header, events = parse(lines(HEADER, {"at": 1, "event": "input", "until": 4, "keys": 3},
                                 {"at": 2, "event": "tab", "url": "u", "state": "hidden", "x": 1}))
    header2, events2 = parse(list(dump_lines(header, events)))
    assert header2 == header
    assert events2 == events
    assert events2[1].extra == {"x": 1}
