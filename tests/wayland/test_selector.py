"""Which backend a Wayland session gets, the override, and the one line when one is missing."""

from __future__ import annotations

import builtins
import subprocess
import sys
from pathlib import Path

import pytest

from onlooker.shim import backends
from onlooker.shim.errors import BackendUnavailable


@pytest.mark.parametrize("env, expected", [
    ({"WAYLAND_DISPLAY": "wayland-0", "SWAYSOCK": "/run/x.sock"}, "wlroots"),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "gnome"),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "KDE"}, "kde"),
    ({"WAYLAND_DISPLAY": "wayland-1", "XDG_CURRENT_DESKTOP": "Hyprland"}, "wlroots"),
    ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "GNOME",
      "ONLOOKER_BACKEND": "xwayland"}, "xwayland"),
    ({"DISPLAY": ":0"}, "x11"),
])
def test_the_desktop_picks_the_backend(env, expected):
    assert backends.choose(env, "linux") == expected


def test_a_missing_package_is_one_line_naming_it(monkeypatch):
    real = builtins.__import__
    monkeypatch.setattr(backends, "find_spec",
                        lambda name: None if name == "pywayland" else object())
    with pytest.raises(BackendUnavailable) as info:
        backends.load("wlroots")
    text = str(info.value)
    assert "\n" not in text and "pip install pywayland" in text and "onlooker[wayland]" in text
    assert builtins.__import__ is real


def test_watch_exits_2_with_one_line_when_no_wayland_backend_is_usable(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WAYLAND_DISPLAY": "wayland-9",
           "XDG_RUNTIME_DIR": str(tmp_path), "XDG_SESSION_TYPE": "wayland",
           "XDG_CURRENT_DESKTOP": "KDE", "ONLOOKER_DB": str(tmp_path / "o.db")}
    onlooker = str(Path(sys.executable).parent / "onlooker")
    out = subprocess.run([onlooker, "watch"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "install-helper" in lines[0], lines
