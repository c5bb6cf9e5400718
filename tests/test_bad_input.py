"""Bad input never costs memory, data or a traceback (issue: extreme and malformed values).

In-process fuzzing checks that the parsers only ever raise their own one-line errors; a few runs
of the real command in a subprocess under a memory cap check the whole path end to end."""

import json
import math
import resource
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from onlooker.shim.aw import AWFormatError, translate
from onlooker.shim.obslog import LogError, iter_events, parse, read_lines
from onlooker.shim.replay import replay_lines

MEMORY_CAP = 300 * 1024 * 1024
EXTREME = [0, -1, 1e308, -1e308, 1e300, -1e17, 1e12, 4e9, 34_560_000, 34_560_001, 2**63, -2**63,
           0.0005, float("nan"), float("inf"), float("-inf"), "inf", "NaN", None, True, [], {},
           "2026-11-28T09:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"]
EVENTS = ["focus", "minimize", "restore", "input", "lock", "unlock", "meeting_start",
          "meeting_end", "share_start", "share_end", "tab", "page_blur", "page_focus", "end"]


def _dump(obj) -> str:
    # json.dumps writes NaN/Infinity as bare words, which a hostile file could also hold
    return json.dumps(obj, allow_nan=True)


line_objects = st.fixed_dictionaries(
    {"event": st.sampled_from(EVENTS)},
    optional={"at": st.sampled_from(EXTREME) | st.floats(allow_nan=True) | st.integers(),
              "ts": st.sampled_from(EXTREME) | st.text(max_size=30),
              "until": st.sampled_from(EXTREME) | st.floats(allow_nan=True),
              "app": st.sampled_from(["zoom", "", None, 5, ["x"]]),
              "url": st.sampled_from(["https://x.instructure.com/courses/1/quizzes/2", 7]),
              "state": st.sampled_from(["visible", "hidden", "x", None]),
              "keys": st.sampled_from(EXTREME), "pointer": st.sampled_from(EXTREME),
              "other": st.sampled_from([[0] * 5, {"a": [1] * 2000}, "x" * 3000])})
headers = st.sampled_from([None, {"onlooker": "log", "start": "2026-11-28T09:00:00Z"},
                           {"onlooker": "log", "start": "0001-01-01T00:00:00Z"},
                           {"onlooker": "log", "start": 5}, {"onlooker": "log", "version": 2}])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=headers, lines=st.lists(line_objects, max_size=6))
def test_log_parser_and_replay_raise_only_their_own_errors(header, lines):
    text = ([_dump(header)] if header else []) + [_dump(x) for x in lines]
    try:
        result = replay_lines(text)
    except LogError as exc:
        assert str(exc).startswith("line ")
        return
    # what was accepted is bounded: no flag list grows with a number in the file
    assert all(len(r.observations) <= 60_000 for r in result.results)
    json.dumps(result.to_json(), allow_nan=False)  # and serialises without NaN or infinity


def test_a_huge_line_or_bad_utf8_is_refused_by_line_number(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as fh:
        fh.write(b'{"at":0,"event":"focus","app":"a"}\n')
        fh.write(b'{"at":1,"event":"focus","app":"' + b"a" * (5 * 1024 * 1024) + b'"}\n')
    with open(path, "rb") as fh, pytest.raises(LogError, match="line 2: longer than 64 KiB"):
        list(iter_events(read_lines(fh)))
    path.write_bytes(b'{"at":0,"event":"focus","app":"\xff"}\n')
    with open(path, "rb") as fh, pytest.raises(LogError, match="line 1: not UTF-8"):
        parse(read_lines(fh))


def test_unknown_fields_are_kept_only_while_small():
    small = '{"at":0,"event":"focus","app":"a","note":"kept"}'
    large = '{"at":0,"event":"focus","app":"a","note":' + json.dumps([0] * 5000) + "}"
    assert next(iter_events([small])).extra == {"note": "kept"}
    assert next(iter_events([large])).extra is None


aw_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8)
    | st.sampled_from(EXTREME),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12)
aw_events = st.fixed_dictionaries({}, optional={
    "timestamp": st.sampled_from(EXTREME) | aw_values,
    "duration": st.sampled_from(EXTREME) | aw_values,
    "data": aw_values | st.fixed_dictionaries({}, optional={
        "app": aw_values | st.just("zoom"), "title": aw_values | st.just("Zoom Meeting"), "status": st.sampled_from(["not-afk", "afk", 3])})})
aw_buckets = st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["aw-watcher-window_x", "aw-watcher-afk_x", 5, None]),
    "type": st.sampled_from(["currentwindow", "afkstatus", 3, None]),
    "events": st.lists(aw_events, max_size=4) | aw_values})


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(export=st.fixed_dictionaries({"buckets": st.dictionaries(st.text(max_size=5),
                                                               aw_buckets | aw_values, max_size=3)
                                     | st.lists(aw_buckets | aw_values, max_size=3) | aw_values}))
def test_activitywatch_translate_raises_only_its_own_error(export):
    try:
        focus, spans = translate(export)
    except AWFormatError as exc:
        assert "\n" not in str(exc)
        return
    for s in spans:
        assert math.isfinite(s.start) and 0 <= s.end - s.start <= 400 * 86400
    for o in focus:  # window changes and the meetings they imply
        assert 0 <= o.ts <= 4_102_444_800
        assert isinstance(o.app, str) or o.kind == "meeting_end"


def _capped(cmd, **kw):
    def limit():  # the command's heap (RLIMIT_DATA counts brk and private mmaps) stays under it
        resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_CAP, MEMORY_CAP))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, preexec_fn=limit, **kw)


@pytest.mark.parametrize("content, line", [
    ('{"at":0,"event":"input","until":1e12}\n{"at":10,"event":"end"}\n', 1),
    ('{"at":1e308,"event":"end"}\n', 1),
    ('{"at":0,"event":"meeting_start","app":"z"}\n{"at":-1e300,"event":"focus","app":"z"}\n', 2),
    ('{"at":0,"event":"meeting_start","app":"z"}\n{"at":-99999999999,"event":"focus","app":"z"}\n', 2),
    ('{"ts":"0001-01-01T00:00:00Z","event":"focus","app":"x"}\n', 1),
    ('{"at":0,"event":"focus","app":"x","deep":' + "[" * 100_000 + "]" * 100_000 + "}\n", 1),
])
def test_replay_of_hostile_logs_is_one_line_under_a_memory_cap(tmp_path, content, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    out = _capped([sys.executable, "-m", "onlooker.ui", "replay", str(path), "--json"])
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"onlooker: {path}: line {line}: ")
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_a_100_mb_line_is_refused_under_the_memory_cap(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "w") as fh:
        fh.write('{"at":0,"event":"focus","app":"a","x":[')
        fh.write("0," * 50_000_000)
        fh.write("0]}\n")
    out = _capped([sys.executable, "-m", "onlooker.ui", "replay", str(path)])
    assert out.returncode == 2 and "line 1: longer than 64 KiB" in out.stderr
