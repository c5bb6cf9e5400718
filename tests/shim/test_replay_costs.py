"""What a long replay keeps and how a log is read in blocks: a year's replay must hold what its
results need, not one entry per event, and reading a block at a time must not change a line."""

from __future__ import annotations

import io
import json

import pytest

from onlooker.shim.model import LogHeader
from onlooker.shim.obslog import LogError, LogReader, iter_events, read_lines
from onlooker.shim.replay import _Run, info_of, pick, replay_lines


def _switching_day(days: int) -> list[str]:
    """Days of a meeting with the person switching between two other apps every 10 s, and
    input every 5 s: thousands of events, few changes that matter to any rule."""
    lines = [json.dumps({"onlooker": "log", "version": 1, "start": "2026-01-05T09:00:00Z"})]
    for d in range(days):
        t0 = d * 86400
        lines.append(json.dumps({"at": t0, "event": "meeting_start", "app": "zoom"}))
        lines.append(json.dumps({"at": t0 + 1, "event": "share_start"}))
        for k in range(360):
            lines.append(json.dumps({"at": t0 + 2 + 10 * k, "event": "focus",
                                     "app": ("code", "mail")[k % 2]}))
            lines.append(json.dumps({"at": t0 + 3 + 10 * k, "event": "input",
                                     "until": t0 + 5 + 10 * k, "keys": 1, "pointer": 0}))
        lines.append(json.dumps({"at": t0 + 3700, "event": "meeting_end"}))
    return lines


def test_a_long_replay_keeps_changes_not_events():
    """Two weeks of app switching inside meetings: the meeting rules keep one entry per change
    of 'the meeting app in front' (not per switch), the idle rules no pause shorter than their
    shortest rule; and the results still hold every meeting's clock icon."""
    lines = _switching_day(14)
    run = _Run(pick(None), info_of(LogHeader()))
    run.feed_ms(LogReader(in_ms=True).events(lines))
    machines = {p.id: m for p, m in run.machines}
    # one per meeting (zoom was never in front), and one when the first's front became known
    assert len(machines["zoom-2020"].shared.fronts) == 14 + 1
    # both meeting rules read one history, built once
    assert machines["gotowebinar"].shared is machines["zoom-2020"].shared
    for pid in ("hubstaff", "activtrak", "time-doctor", "teams-presence", "slack-presence"):
        assert len(machines[pid].activity.gaps) <= 14, pid  # the nights, not 5,000 pauses
    whole = replay_lines(lines).to_json()["profiles"]
    zoom = next(p for p in whole if p["id"] == "zoom-2020")
    assert zoom["metrics"]["icons_shown"] == 14 and zoom["metrics"]["meetings"] == 14


def test_a_log_ending_inside_a_second_counts_no_input_past_its_last_whole_second():
    """Hubstaff counts the log's whole seconds (997.25 s: seconds 0-996). Input in second 997
    is not counted, wherever the 10-minute grid falls (it once was, in one grid but not another)."""
    def log(start):
        return [json.dumps({"onlooker": "log", "version": 1, "start": start}),
                json.dumps({"at": 718.25, "event": "input", "until": 997.25})]

    a = replay_lines(log("2026-11-23T09:00:00Z"), ["hubstaff"]).to_json()["profiles"][0]
    b = replay_lines(log("2026-11-23T09:00:23Z"), ["hubstaff"]).to_json()["profiles"][0]
    assert a["metrics"]["active_s"] == b["metrics"]["active_s"] == 997 - 718


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_reading_in_blocks_changes_no_line(block):
    """Lines cut by a block boundary, CRLF ends, blank lines and a last line with no end all
    read as line by line; a bad line is still named by its number."""
    text = ('{"at":0,"event":"focus","app":"caf\u00e9"}\r\n\n'
            '{"at":1.5,"event":"input","until":2,"keys":3}\n'
            '{"at":2,"event":"focus","app":"b"}')
    events = list(iter_events(read_lines(io.BytesIO(text.encode()), block=block)))
    assert [(e.t, e.event, e.app, e.until, e.keys) for e in events] == [
        (0.0, "focus", "caf\u00e9", None, None), (1.5, "input", None, 2.0, 1),
        (2.0, "focus", "b", None, None)]
    bad = text.encode() + b'\n{"at":3,"event":"focus","app":"\xff"}\n'
    with pytest.raises(LogError, match="line 5: not UTF-8"):
        list(read_lines(io.BytesIO(bad), block=block))
    long = text.encode() + b'\n{"at":3,"event":"focus","app":"' + b"a" * 70_000 + b'"}\n'
    with pytest.raises(LogError, match="line 5: longer than 64 KiB"):
        list(read_lines(io.BytesIO(long), block=block))
