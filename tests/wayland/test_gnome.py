"""The GNOME backend against a real GNOME Shell 43 (``gnome-shell --headless --wayland
--virtual-monitor``, private session and system buses, two foot windows): Onlooker's extension,
installed by ``onlooker desktop install-helper`` and enabled in dconf before the shell starts
(as at a login), reports focus and minimize changes that reach the database through the real
recorder. Windows are activated by a test-only extension (``gnome_test_driver/``)."""

from __future__ import annotations

import pytest

from onlooker.shim.backends import _gnome

from .live import (check_focus_changes_reach_the_database, check_minimize_is_recorded,
                   check_the_helper_is_silent_at_rest, desktop_fixture)

pytestmark = pytest.mark.slow
shell = desktop_fixture("gnome")


def test_install_helper_installed_an_extension_this_shell_enables(shell):
    from onlooker.ui.desktop_helpers import ESM_SINCE, gnome_major, target

    assert "re-login needed" in shell.install_note
    source = (target("gnome", shell.env) / "extension.js").read_text()
    assert ("export default" in source) == (gnome_major() >= ESM_SINCE)  # 43: the legacy format
    info = shell.call("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell.Extensions",
                      "GetExtensionInfo", "s", ("onlooker-helper@onlooker",))[0]
    assert info["state"][1] == 1.0 and not info["error"][1], info  # 1: ENABLED, no error


def test_focus_changes_reach_the_database_in_order(shell, tmp_path):
    check_focus_changes_reach_the_database(shell, tmp_path / "o.db", "gnome")


def test_a_minimized_window_is_recorded(shell, tmp_path):
    check_minimize_is_recorded(shell, tmp_path / "o.db")


def test_the_extension_is_silent_at_rest(shell):
    check_the_helper_is_silent_at_rest(shell, _gnome)
