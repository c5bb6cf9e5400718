"""Logging: quiet terminal by default, --verbose shows it, the recorder's file is private and
rotated, and no module swallows an unexpected exception without a word."""

import ast
import logging
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from onlooker.ui import logs
from onlooker.ui.cli import cli

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("restore_logging")  # tests/conftest.py


def test_default_is_quiet_on_the_terminal_and_writes_a_private_file(tmp_path, capfd):
    """Without --verbose nothing reaches stderr, not even a warning; the file gets it, in a
    0700 directory, 0600."""
    path = tmp_path / "state" / "onlooker" / "onlooker.log"
    assert logs.configure(False, path) == path
    logging.getLogger("onlooker.test").warning("the X display went away")
    logging.getLogger("onlooker.test").debug("detail only for --verbose")
    assert capfd.readouterr().err == ""
    text = path.read_text()
    assert "WARNING onlooker.test: the X display went away" in text
    assert "detail only" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_verbose_shows_debug_on_stderr(capfd):
    logs.configure(True, None)
    logging.getLogger("onlooker.test").debug("tracking window 0x1 of xterm")
    assert "DEBUG onlooker.test: tracking window 0x1 of xterm" in capfd.readouterr().err


def test_the_verbose_flag_is_on_the_top_level_command(tmp_path):
    res = CliRunner().invoke(cli, ["--verbose", "--db", str(tmp_path / "x.db"), "replay",
                                   "--list-examples"])
    assert res.exit_code == 0 and "phone-break" in res.output
    assert "--verbose" in CliRunner().invoke(cli, ["--help"]).output


def test_rotated_files_stay_private(tmp_path):
    """Every file of the rotation (new ones created at rollover too) is 0600, even under a
    permissive umask."""
    old = os.umask(0o000)
    try:
        handler = logs.PrivateRotatingFileHandler(tmp_path / "r.log", maxBytes=300, backupCount=2)
        log = logging.getLogger("onlooker.rotation-test")
        log.addHandler(handler)
        log.propagate = False
        for i in range(40):
            log.warning("line %d of a long-running recorder's log", i)
        handler.close()
        log.removeHandler(handler)
    finally:
        os.umask(old)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["r.log", "r.log.1", "r.log.2"]
    assert {stat.S_IMODE((tmp_path / f).stat().st_mode) for f in files} == {0o600}


def test_an_unwritable_log_place_is_one_line_and_recording_goes_on(tmp_path, capfd):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert logs.configure(False, blocker / "onlooker.log") is None
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("onlooker: cannot write the log") and "going on" in err[0]


BROAD = {"Exception", "BaseException"}
CHECKED = ["shim/backends/_base.py", "shim/backends/_fake.py", "shim/backends/_x11.py",
           "shim/backends/_dbus.py", "shim/backends/__init__.py", "ui/watch.py", "ui/notify.py",
           "ui/logs.py", "shim/sessions.py", "shim/counter.py"]


def _silent_broad_handlers(path: Path) -> list[int]:
    """Lines of `except:` / `except Exception` / `except BaseException` handlers that neither
    log, re-raise nor hand the exception on (to .error or a caller)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ExceptHandler):
            continue
        names = ({node.type.id} if isinstance(node.type, ast.Name) else
                 {e.id for e in node.type.elts if isinstance(e, ast.Name)}
                 if isinstance(node.type, ast.Tuple) else set()) if node.type else {"(bare)"}
        if not names & (BROAD | {"(bare)"}):
            continue
        body = ast.unparse(node)
        if not any(word in body for word in ("log.", "raise", "error", "_ended(")):
            found.append(node.lineno)
    return found


def test_no_silent_broad_excepts_in_the_recorder_path():
    silent = {f: lines for f in CHECKED if (lines := _silent_broad_handlers(ROOT / f))}
    assert silent == {}
