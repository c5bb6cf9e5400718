"""Editing config.toml from the dashboard keeps what the person wrote."""

import pytest

from onlooker.ui import config as configmod


def test_set_value_keeps_comments_order_and_other_keys(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine: keep this\nretention_days = 30  # a month\n\n"
                    "[[meeting]]\nname = \"Jitsi\"\napp = \"firefox\"\n")
    configmod.set_value(path, "keep_titles", True)
    text = path.read_text()
    assert "# mine: keep this" in text and "retention_days = 30  # a month" in text
    cfg = configmod.load(path)
    assert cfg.keep_titles is True and cfg.retention_days == 30
    assert [r.name for r in cfg.classifier.rules][-1] == "Jitsi"  # still a meeting rule, not a key of it
    configmod.set_value(path, "keep_titles", False)
    assert configmod.load(path).keep_titles is False
    assert text.count("keep_titles") == 1


def test_add_meeting_rule_appends_a_rule_that_matches(tmp_path):
    path = tmp_path / "config.toml"
    configmod.add_meeting_rule(path, "Jitsi \"web\"", "chromium", "jitsi")
    configmod.add_meeting_rule(path, "Other", "firefox", None)
    cfg = configmod.load(path)
    names = [r.name for r in cfg.classifier.rules]
    assert names[-2:] == ["Jitsi \"web\"", "Other"]
    assert "# Onlooker settings" in path.read_text()  # the commented default was kept


def test_a_bad_pattern_is_refused_and_the_file_is_unchanged(tmp_path):
    path = tmp_path / "config.toml"
    configmod.set_value(path, "keep_titles", False)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        configmod.add_meeting_rule(path, "bad", "zoom(", None)
    assert path.read_bytes() == before
