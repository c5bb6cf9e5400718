"""Classification, title redaction and backend selection: pure rules used at capture time."""

import re

import pytest

from onlooker.shim.backends import choose
from onlooker.shim.backends._dbus import logind_session_path
from onlooker.shim.classify import Classifier, rules_from_config
from onlooker.shim.errors import BackendUnavailable
from onlooker.shim.redact import redact_title


@pytest.mark.parametrize("app, title, expected", [
    ("zoom", "Zoom Meeting", "meeting"),
    ("zoom", "Zoom Workplace - Home", "other"),
    ("teams-for-linux", "Weekly sync | Microsoft Teams", "meeting"),
    ("CiscoCollabHost", "", "meeting"),
    ("Slack", "Huddle with Ann", "meeting"),
    ("Slack", "general - Acme", "other"),
    ("firefox", "Meet - abc-defg-hij", "meeting"),
    ("chromium", "Inbox (3) - Gmail", "browser"),
    ("xterm", "Meet - abc", "other"),
])
def test_default_meeting_rules(app, title, expected):
    assert Classifier().classify(app, title) == expected


def test_user_rules_add_to_defaults_and_bad_ones_are_named():
    rules = rules_from_config([{"name": "Jitsi", "app": "firefox", "title": "jitsi"}])
    assert Classifier(rules).classify("firefox", "Jitsi Meet | room") == "meeting"
    with pytest.raises(ValueError, match="rule 1 needs an 'app'"):
        rules_from_config([{"title": "x"}])
    with pytest.raises(ValueError, match="bad pattern"):
        rules_from_config([{"app": "("}])


def test_redaction_removes_control_chars_emails_numbers_and_private_windows():
    assert redact_title("a\x1b[31mb\u202e c  d") == "a[31mb c d"
    assert redact_title("mail to x.y+z@uni.edu, card 4111111111111111") == \
        "mail to [email], card [number]"
    assert redact_title("Private Browsing - Mozilla Firefox") is None
    assert redact_title("Incognito tab") is None
    assert redact_title("My Bank", re.compile("bank", re.I)) is None
    assert len(redact_title("x" * 5000)) == 200


@pytest.mark.parametrize("env, platform, message", [
    ({}, "linux", "no display"),
    ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}, "linux", "WAYLAND_DISPLAY is not set"),
    ({}, "win32", "not supported yet"),
    ({"ONLOOKER_BACKEND": "carrier-pigeon"}, "linux", "not a backend"),
])
def test_backend_selection_explains_what_to_do(env, platform, message):
    with pytest.raises(BackendUnavailable, match=message):
        choose(env, platform)


def test_x11_chosen_with_a_display():
    assert choose({"DISPLAY": ":1"}, "linux") == "x11"


def test_logind_session_path_is_escaped():
    assert logind_session_path("3") == "/org/freedesktop/login1/session/_33"
    assert logind_session_path("c2") == "/org/freedesktop/login1/session/c2"
