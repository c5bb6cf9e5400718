"""The KDE backend against a real KWin 5.27 (``kwin_wayland --virtual``, its own Xwayland, two
xterm windows): Onlooker's KWin script, installed by ``onlooker desktop install-helper`` and
loaded by the backend over KWin's D-Bus scripting API, reports focus and minimize changes that
reach the database through the real recorder. Windows are activated by a KWin script of the
test's own."""

from __future__ import annotations

import pytest

from onlooker.shim.backends import _kde

from .live import (check_focus_changes_reach_the_database, check_minimize_is_recorded,
                   check_the_helper_is_silent_at_rest, desktop_fixture)

pytestmark = pytest.mark.slow
kwin = desktop_fixture("kde")


def test_focus_changes_reach_the_database_in_order(kwin, tmp_path):
    check_focus_changes_reach_the_database(kwin, tmp_path / "o.db", "kde")


def test_a_minimized_window_is_recorded(kwin, tmp_path):
    check_minimize_is_recorded(kwin, tmp_path / "o.db")


def test_the_kwin_script_is_silent_at_rest(kwin):
    check_the_helper_is_silent_at_rest(kwin, _kde)


def test_the_script_is_unloaded_when_recording_stops(kwin, tmp_path):
    from .live import recorder

    rec = recorder(kwin, tmp_path / "o.db")
    loaded = kwin.call("org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting", "isScriptLoaded",
                       "s", (_kde.SCRIPT_NAME,))[0]
    assert rec.stop() == 0
    assert loaded and not kwin.call("org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting",
                                    "isScriptLoaded", "s", (_kde.SCRIPT_NAME,))[0]
