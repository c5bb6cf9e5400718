"""``onlooker doctor`` on the virtual desktop with a private session bus, and with parts taken
away: each missing part is named with its fix, and the exit status says whether something
needed is missing."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from onlooker.storage.db import connect

from .session_bus import session_bus  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(xdesktop, session_bus, tmp_path):  # noqa: F811
    home = tmp_path / "home"
    home.mkdir()
    e = {**xdesktop.env, "DBUS_SESSION_BUS_ADDRESS": session_bus, "HOME": str(home)}
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        e[key] = os.environ[key]  # the test's own, not the real user's
    for key in ("XDG_SESSION_ID", "XDG_SESSION_TYPE", "ONLOOKER_BACKEND"):
        e.pop(key, None)
    return e


def doctor(env, db) -> tuple[int, dict[str, list[str]]]:
    """Exit status and, per check name, its lines (result first)."""
    out = subprocess.run([sys.executable, "-m", "onlooker.ui", "--db", str(db), "doctor"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert not out.stderr, out.stderr
    checks: dict[str, list[str]] = {}
    last = None
    for line in out.stdout.splitlines():
        if line.startswith("      fix: "):
            checks[last].append(line.strip())
        else:
            result, rest = line.split(None, 1)
            last = rest.split(":", 1)[0]
            checks.setdefault(last, []).append(f"{result} {rest.split(': ', 1)[1]}")
    return out.returncode, checks


def test_a_working_desktop_passes(env, tmp_path):
    code, checks = doctor(env, tmp_path / "data" / "t.db")
    assert code == 0, checks
    assert checks["display"][0].startswith("ok X11 on :")
    assert checks["input source"][0].startswith("ok the X server's idle counters (SYNC)")
    assert checks["D-Bus session"] == ["ok connected"]
    # a bare session bus: nobody announces locks and no tray runs; both explained
    assert checks["lock signals"][0].startswith("warn no screen saver service")
    assert checks["status icon"][0].startswith("warn no StatusNotifierWatcher")
    assert checks["database"][0].startswith("ok nothing recorded yet")
    assert checks["autostart"] == ["warn off: recording stops when you log out",
                                   "fix: onlooker autostart enable"]


def test_a_missing_display_fails_with_its_fix(env, tmp_path):
    env.pop("DISPLAY")
    code, checks = doctor(env, tmp_path / "t.db")
    assert code == 1
    assert checks["display"][0].startswith("FAIL no display to observe (DISPLAY is not set)")
    assert checks["display"][1] == ("fix: log in to a desktop session, or point DISPLAY at a "
                                    "running X server (DISPLAY=:0 onlooker watch)")


def test_a_display_that_does_not_answer_fails(env, tmp_path):
    env["DISPLAY"] = ":93"  # no X server there
    code, checks = doctor(env, tmp_path / "t.db")
    assert code == 1 and checks["display"][0].startswith("FAIL cannot open the X display :93")


def test_a_missing_session_bus_fails_with_its_fix(env, tmp_path):
    env.pop("DBUS_SESSION_BUS_ADDRESS")
    code, checks = doctor(env, tmp_path / "t.db")
    assert code == 1
    assert checks["D-Bus session"][0].startswith("FAIL no session bus")
    assert "screen lock and unlock cannot be recorded" in checks["D-Bus session"][0]
    assert checks["D-Bus session"][1].startswith("fix: run onlooker from inside your desktop")
    assert checks["display"][0].startswith("ok")  # the rest is still checked


def test_a_0644_database_fails_and_is_left_as_it_was(env, tmp_path):
    db = tmp_path / "data" / "t.db"
    connect(db).close()
    os.chmod(db, 0o644)
    code, checks = doctor(env, db)
    assert code == 1
    assert checks["database"] == [
        f"FAIL readable by other users of this machine: {db} (644); not opened (opening it "
        "would change it)", f"fix: chmod 600 {db}"]
    assert stat.S_IMODE(db.stat().st_mode) == 0o644  # doctor explains; it changes nothing
    os.chmod(db, 0o600)
    code, checks = doctor(env, db)
    assert code == 0 and checks["database"][0].startswith(f"ok {db} (0600, ")
    assert checks["database"][0].endswith("integrity ok)")


def test_a_database_of_another_program_fails(env, tmp_path):
    import sqlite3

    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
    os.chmod(db, 0o600)
    code, checks = doctor(env, db)
    assert code == 1 and "is not an Onlooker database" in checks["database"][0]


def test_the_browser_extension_missing_then_installed(env, tmp_path):
    code, checks = doctor(env, tmp_path / "t.db")
    assert checks["browser extension"] == [
        "warn the host manifest is not installed for any browser, so tab visibility and page "
        "focus are not recorded",
        "fix: onlooker browser install --browser chromium (or firefox, chrome, ...), then load "
        "the extension as it says"]
    subprocess.run([sys.executable, "-m", "onlooker.ui", "browser", "install", "--browser",
                    "chromium"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=60)
    manifest = Path(env["HOME"]) / ".config/chromium/NativeMessagingHosts"
    code, checks = doctor(env, tmp_path / "t.db")
    lines = checks["browser extension"]
    assert lines[0].startswith(f"ok chromium: host manifest {manifest}")
    assert lines[1:] == ["warn the extension has never connected",
                         "fix: load it in the browser: 'onlooker browser install' prints how"]
    next(manifest.glob("*.sh")).unlink()  # the program the manifest names is gone
    code, checks = doctor(env, tmp_path / "t.db")
    assert checks["browser extension"][0].startswith("FAIL chromium: the host manifest")
    assert code == 1
