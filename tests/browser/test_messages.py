"""The pure half: URL rules, message validation, state rebuilt from snapshots."""

import pytest

from onlooker.shim import browser as b
from onlooker.shim.model import REQUIRED_FIELDS

NOW = 1_800_000_000.0
RULES = b.rules_from_config({"origins": ["http://127.0.0.1/*"],
                             "meeting_pages": ["http://127.0.0.1/meet/*"]})


def msg(seq, *, visible=True, focused=True, fullscreen=False, pointer=None, t=0.0,
        url="https://school.instructure.com/courses/1/quizzes/2/take", doc="doc-1", cause="focus"):
    return b.validate({"v": 1, "kind": "page", "cause": cause, "tab": 3, "doc": doc, "seq": seq,
                       "time": (NOW + t) * 1000, "url": url,
                       "state": {"visible": visible, "focused": focused,
                                 "fullscreen": fullscreen, "pointer": pointer}}, NOW)


def kinds(obs):
    return [(o.kind, (o.data or {}).get("state")) for o in obs]


def test_the_new_events_are_optional_log_events():
    for name in ("fullscreen_enter", "fullscreen_exit", "pointer_leave", "pointer_enter"):
        assert REQUIRED_FIELDS[name] == ("url",)


@pytest.mark.parametrize("pattern,url,ok", [
    ("https://*.instructure.com/*", "https://school.instructure.com/courses/1", True),
    ("https://*.instructure.com/*", "https://instructure.com/", True),
    ("https://*.instructure.com/*", "https://evilinstructure.com/", False),
    ("https://*.instructure.com/*", "http://school.instructure.com/", False),
    ("http://127.0.0.1/*", "http://127.0.0.1:8123/x", True),
    ("http://127.0.0.1/meet/*", "http://127.0.0.1:8123/other", False),
    ("https://meet.google.com/*", "https://meet.google.com.evil.net/", False),
])
def test_match_patterns(pattern, url, ok):
    assert b.matches(pattern, url) is ok


def test_bad_config_patterns_say_what_to_write():
    with pytest.raises(b.BadPattern, match="write it like"):
        b.rules_from_config({"origins": ["example.edu"]})
    with pytest.raises(b.BadPattern, match="unknown keys"):
        b.rules_from_config({"origin": []})


def test_only_origin_and_path_are_kept():
    assert b.clean_url("https://x.edu:8443/a/b;jsessionid=S?q=1#f") == "https://x.edu:8443/a/b"
    with pytest.raises(ValueError, match="user name"):   # a browser's location never has one
        b.clean_url("https://u:p@x.edu:8443/a/b")
    assert b.clean_url("https://x.edu/a?q=1#f", keep_query=True) == "https://x.edu/a?q=1"
    with pytest.raises(ValueError):
        b.clean_url("javascript:alert(1)")


@pytest.mark.parametrize("bad,why", [
    ({"v": 2}, "v"), ({"v": 1, "kind": "keys"}, "unknown message kind"),
    ({"v": 1, "kind": "closed", "tab": -1, "time": NOW * 1000}, "tab"),
    ({"v": 1, "kind": "closed", "tab": 1, "time": True}, "time"),
])
def test_bad_messages(bad, why):
    with pytest.raises(b.BadMessage, match=why):
        b.validate(bad, NOW)


def test_a_page_first_word_only_says_hidden_and_changes_become_events():
    pages = b.Pages(b.UrlRules())
    assert pages.feed(msg(1, cause="load"), NOW) == []
    out = pages.feed(msg(2, visible=False, focused=False, t=1), NOW)
    assert kinds(out) == [("tab", "hidden"), ("page_blur", None)]
    out = pages.feed(msg(3, fullscreen=True, pointer=False, t=2), NOW)
    assert kinds(out) == [("tab", "visible"), ("page_focus", None), ("fullscreen_enter", None)]
    assert all(o.ts == NOW + 2 for o in out)
    background = b.Pages(b.UrlRules())
    assert kinds(background.feed(msg(1, visible=False, cause="load"), NOW)) == [("tab", "hidden")]


def test_out_of_order_messages_wait_for_the_missing_one_then_time_out():
    pages = b.Pages(b.UrlRules())
    pages.feed(msg(1, cause="load"), NOW)
    assert pages.feed(msg(3, t=2), NOW) == []            # waits for 2
    out = pages.feed(msg(2, visible=False, focused=False, t=1), NOW)  # 2 arrives: 2 then 3 applied
    assert kinds(out) == [("tab", "hidden"), ("page_blur", None), ("tab", "visible"),
                          ("page_focus", None)]
    assert pages.feed(msg(2, visible=False, t=1), NOW) == []  # a repeat is dropped
    assert pages.feed(msg(5, visible=False, focused=False, t=4), NOW) == []  # 4 never comes
    assert pages.due(NOW + 0.01) == []
    assert kinds(pages.due(NOW + 1)) == [("tab", "hidden"), ("page_blur", None)]


def test_a_browser_meeting_is_in_focus_while_its_tab_is_visible_and_focused():
    pages = b.Pages(RULES, "chromium")
    url = "http://127.0.0.1:9/meet/abc"
    out = pages.feed(msg(1, url=url, cause="load"), NOW)
    assert [(o.kind, o.app) for o in out] == [("meeting_start", "127.0.0.1"), ("focus", "127.0.0.1")]
    out = pages.feed(msg(2, url=url, focused=False, t=1), NOW)   # another app in front
    assert [(o.kind, o.app) for o in out] == [("page_blur", "chromium"), ("focus", "chromium")]
    out = pages.feed(msg(3, url=url, t=2), NOW)
    assert ("focus", "127.0.0.1") in [(o.kind, o.app) for o in out]
    out = pages.closed(b.Closed(tab=3, ts=NOW + 3))
    assert [o.kind for o in out] == ["tab", "focus", "meeting_end"]


def test_recorded_events_say_which_kind_of_page_they_came_from():
    rules = b.rules_from_config({"exam_pages": ["https://exams.example.edu/*"]})
    assert rules.kind("https://u.instructure.com/courses/1/quizzes/2/take") == "quiz"
    assert rules.kind("https://moodle.example.edu/mod/quiz/attempt.php") == "exam"
    assert rules.kind("https://exams.example.edu/anything") == "exam"
    assert rules.kind("https://u.instructure.com/courses/1/files") == "page"
    assert rules.kind("https://meet.google.com/abc-defg-hij") == "meeting"
    pages = b.Pages(rules)
    pages.feed(msg(1, cause="load"), NOW)
    out = pages.feed(msg(2, focused=False, t=1), NOW)
    assert out[0].data["page"] == "quiz"


def test_profiles_consider_only_the_right_pages():
    from onlooker.shim.model import Event, LogHeader
    from onlooker.shim.replay import replay_events

    quiz = "https://u.instructure.com/courses/1/quizzes/2/take"
    files = "https://u.instructure.com/courses/1/files"
    events = [Event(10, "page_blur", url=quiz, extra={"page": "quiz"}),
              Event(20, "page_focus", url=quiz, extra={"page": "quiz"}),
              Event(30, "page_blur", url=files, extra={"page": "page"}),
              Event(40, "page_focus", url=files, extra={"page": "page"}),
              Event(50, "fullscreen_exit", url=quiz, extra={"page": "quiz"}),
              Event(70, "fullscreen_enter", url=quiz, extra={"page": "quiz"}),
              Event(100, "end")]
    results = {r.id: r for r in replay_events(LogHeader(start=NOW), events).results}
    canvas = results["canvas-quiz-log"]
    assert canvas.metrics["stopped_viewing"] == 1 and canvas.metrics["resumed"] == 1
    proctorio = results["proctorio"]
    assert proctorio.metrics["away_s"] == 30.0   # 10 s blurred + 20 s out of full screen
    web = results["web-page"]
    assert web.metrics["blurred_s"] == 20.0      # both pages, one origin
    assert {f.data.get("url") for f in web.observations if "state" in f.data} == {
        "https://u.instructure.com"}


def test_pages_outside_the_list_and_unknown_docs_are_bounded():
    pages = b.Pages(b.UrlRules())
    assert pages.feed(msg(1, url="https://example.com/"), NOW) == []
    for i in range(b.MAX_PAGES + 50):
        pages.feed(msg(1, doc=f"doc-{i:05d}", cause="load"), NOW)
    assert len(pages.pages) == b.MAX_PAGES
