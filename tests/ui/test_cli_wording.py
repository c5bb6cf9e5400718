"""What a new user reads from the command line, the autostart entry and the diary: no figure
printed as a raw key and float, help that keeps its examples apart, and no input "counts"."""

import re
from pathlib import Path

from click.testing import CliRunner

from onlooker.ui.cli import cli, example_names
from onlooker.ui.diary import words

ROOT = Path(__file__).resolve().parents[2]

TWO_MEETINGS = """\
{"onlooker": "log", "version": 1, "start": "2026-11-23T10:00:00Z", "title": "Two meetings"}
{"at": 0, "event": "focus", "app": "zoom"}
{"at": 3, "event": "meeting_start", "app": "zoom"}
{"at": 10, "event": "share_start"}
{"at": 20, "event": "focus", "app": "mail"}
{"at": 100, "event": "focus", "app": "zoom"}
{"at": 600, "event": "meeting_end"}
{"at": 700, "event": "meeting_start", "app": "zoom"}
{"at": 704.404, "event": "meeting_end"}
"""


def help_of(*path: str) -> str:
    res = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert res.exit_code == 0, res.output
    return res.output


def test_per_meeting_lines_give_each_meetings_length_in_words(tmp_path):
    log = tmp_path / "two.jsonl"
    log.write_text(TWO_MEETINGS)
    res = CliRunner().invoke(cli, ["replay", str(log), "--profile", "zoom-2020"])
    assert res.exit_code == 0, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("  meeting ")]
    assert len(lines) == 2, res.output
    assert "(zoom, 9 min 57 s): clock icons: 1;" in lines[0]
    assert "(zoom, 4 s): clock icons: 0;" in lines[1]
    assert "meeting s" not in res.output and "4.404" not in res.output


def test_help_keeps_examples_on_their_own_lines():
    for command in ("dashboard", "probe", "tray", "completion"):
        text = help_of(command)
        assert re.search(r"\n\n  Examples?:\n    onlooker ", text), (command, text)
    assert "Examples:\n    onlooker log --from" in help_of("log")  # two of them


def test_watch_help_names_the_environment_it_reads():
    text = help_of("watch")
    for name in ("ONLOOKER_BACKEND", "x11", "wlroots", "gnome", "kde", "xwayland", "fake",
                 "ONLOOKER_INPUT", "xsync", "pynput"):
        assert name in text, name
    assert max(len(line) for line in text.splitlines()) <= 80  # wrapped like every other command


def test_demo_help_lists_the_scenarios_and_the_speed_the_readme_gives():
    text = help_of("demo")
    for name in example_names():
        assert name in text, name
    assert "ONLOOKER_FAKE_SPEED=10" not in text and "ONLOOKER_FAKE_SPEED=20" in text
    assert "ONLOOKER_FAKE_SPEED=20" in (ROOT / "README.md").read_text()


def test_browser_status_says_whether_the_host_manifest_is_there(tmp_path):
    profile = tmp_path / "profile"
    res = CliRunner().invoke(cli, ["browser", "status", "--browser", "chrome",
                                   "--profile-dir", str(profile)])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == (
        f"no host manifest for chrome (onlooker browser install --browser chrome "
        f"--profile-dir {profile})")


def test_seen_by_takes_the_article_only_where_english_does():
    assert words.audience("employer") == "the employer"
    assert words.audience("everyone in your organisation") == "everyone in your organisation"
    assert words.audience("any web page") == "any web page"


def test_no_words_call_the_stored_input_counts():
    """Onlooker keeps yes/no input flags per stretch; nothing a user reads says counts."""
    texts = {p: p.read_text() for p in [*(ROOT / "ui" / "static").glob("*.*"),
                                        *(ROOT / "ui" / "data").glob("*.in"),
                                        ROOT / "ui" / "diary" / "text.py"]}
    for path, text in texts.items():
        for bad in ("counts per second", "counts only", "from counts and", "capped at 8)"):
            assert bad not in text, (path, bad)
