"""Red team F14: a user's meeting-rule pattern must not let a window or page title (which any web
page chooses) freeze the recorder. Patterns run on RE2 (linear time), and what is matched is
bounded."""

import threading

import pytest

from onlooker.shim.classify import MAX_TITLE_CHARS, Classifier, rules_from_config
from onlooker.shim.model import MEETING
from onlooker.ui.dashboard.schemas import BadBody, body_for


def _classify_within(classifier, app, title, seconds=5.0):
    """Classify on a thread; a backtracking engine would still be at it when the deadline passes."""
    out = []
    t = threading.Thread(target=lambda: out.append(classifier.classify(app, title)), daemon=True)
    t.start()
    t.join(seconds)
    assert out, f"classifying {app[:20]!r}... did not finish in {seconds} s"
    return out[0]


@pytest.mark.parametrize("field", ["app", "title"])
@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)+ - Jitsi", r"(a|aa)+$", r"(.*a){25}x"])
def test_catastrophic_patterns_meet_hostile_text_and_answer_at_once(field, pattern):
    entry = {"name": "x", "app": pattern if field == "app" else "chromium"}
    if field == "title":
        entry["title"] = pattern
    classifier = Classifier(rules_from_config([entry], keep_defaults=False))
    hostile = "a" * 30 + "!"
    app, title = (hostile, "") if field == "app" else ("chromium", hostile)
    assert _classify_within(classifier, app, title) != MEETING
    long = "a " * 50_000 + "!"   # whatever it says, it says it at once
    _classify_within(classifier, *((long, "") if field == "app" else ("chromium", long)))
    # and the rule still works on what it was written for
    if pattern == r"(a+)+$":
        assert _classify_within(classifier, *(("aaa", "") if field == "app" else ("chromium", "aaa"))
                                ) == MEETING


def test_only_the_start_of_a_long_title_is_matched():
    classifier = Classifier(rules_from_config([{"app": "chromium", "title": "jitsi"}],
                                              keep_defaults=False))
    assert classifier.classify("chromium", "x" * (MAX_TITLE_CHARS - 5) + "jitsi") == MEETING
    assert classifier.classify("chromium", "x" * MAX_TITLE_CHARS + "jitsi") != MEETING


@pytest.mark.parametrize("pattern", [r"(a)\1", r"zoom(?=x)", r"(?<!x)teams", "zoom("])
def test_patterns_the_engine_cannot_run_are_refused_with_one_line(pattern):
    with pytest.raises(ValueError, match="bad pattern") as err:
        rules_from_config([{"app": pattern}])
    assert "\n" not in str(err.value)
    # the dashboard refuses it before anything is written to the config
    with pytest.raises(BadBody, match="'app': bad pattern"):
        body_for("/api/settings", ('{"add_rule": {"app": %s}}' % __import__("json").dumps(pattern)
                                   ).encode())
