"""Recorded text is data, never markup or terminal control: a hostile app name or address stays
text in the Markdown diary and reaches the terminal with its control characters made visible."""

import json

from click.testing import CliRunner

from onlooker.shim.model import Observation
from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.ui.cli import cli
from onlooker.ui.render import printable

HOSTILE = "<img src=x onerror=alert(1)>*zoom*_|[x](y)"
OSC52 = "zz\x1b]52;c;aGk=\x07\x9b2Jz"  # writes the clipboard, then a C1 CSI


def test_printable_makes_every_control_character_visible_but_newlines():
    assert printable(OSC52) == "zz\\x1b]52;c;aGk=\\x07\\x9b2Jz"
    assert printable("a\nb\tc") == "a\nb\\x09c"


def test_terminal_output_never_carries_a_recorded_escape_sequence(db_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["--db", str(db_path), "meeting", "start", "--app", OSC52])
    assert res.exit_code == 0 and "\x1b" not in res.output and "\\x1b]52" in res.output
    store = Store(connect(db_path))
    store.record([Observation(store.conn.execute("SELECT ts FROM events").fetchone()[0] / 1000,
                              "focus", app=OSC52)], [])
    for args in (["status"], ["report"]):
        res = runner.invoke(cli, ["--db", str(db_path), *args])
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.output and "\x9b" not in res.output and "\x07" not in res.output


def test_markdown_diary_keeps_hostile_names_as_text(tmp_path):
    log = tmp_path / "h.jsonl"
    head = {"onlooker": "log", "version": 1, "start": "2026-11-23T10:00:00Z", "title": HOSTILE}
    lines = [head, {"at": 0, "event": "focus", "app": HOSTILE},
             {"at": 0, "event": "meeting_start", "app": HOSTILE},
             {"at": 0, "event": "share_start"}, {"at": 5, "event": "focus", "app": "mail"},
             {"at": 60, "event": "focus", "app": HOSTILE}, {"at": 90, "event": "end"}]
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    res = CliRunner().invoke(cli, ["diary", "--log", str(log), "--format", "md"])
    assert res.exit_code == 0, res.output
    assert "&lt;img src=x onerror=alert(1)&gt;" in res.output
    assert "<img" not in res.output and "\\*zoom\\*" in res.output
