"""Timeline lanes shown by the dashboard."""

from onlooker.shim.timeline import lanes
from tests.shim.helpers import ev


def test_lanes_of_a_small_meeting():
    events = [ev(0, "focus", app="zoom"), ev(0, "meeting_start", app="zoom"), ev(10, "share_start"),
              ev(0, "input", until=5, keys=3, pointer=1), ev(5, "input", until=8, keys=1),
              ev(20, "focus", app="mail"), ev(50, "focus", app="zoom"), ev(60, "lock"),
              ev(200, "unlock"), ev(70, "tab", url="u", state="hidden"),
              ev(80, "tab", url="u", state="visible"), ev(300, "meeting_end")]
    got = lanes(sorted(events, key=lambda e: e.t), 400)
    assert got["foreground"] == [{"a": 0, "b": 20, "app": "zoom"}, {"a": 20, "b": 50, "app": "mail"},
                                 {"a": 50, "b": 60, "app": "zoom"}, {"a": 200, "b": 400, "app": "zoom"}]
    assert got["meeting"] == [
        {"a": 0, "b": 10, "focus": "in", "sharing": False, "app": "zoom"},
        {"a": 10, "b": 20, "focus": "in", "sharing": True, "app": "zoom"},
        {"a": 20, "b": 50, "focus": "out", "sharing": True, "app": "zoom"},
        {"a": 50, "b": 60, "focus": "in", "sharing": True, "app": "zoom"},
        {"a": 60, "b": 200, "focus": "out", "sharing": True, "app": "zoom"},
        {"a": 200, "b": 300, "focus": "in", "sharing": True, "app": "zoom"}]
    assert got["input"] == [{"a": 0, "b": 8, "keys": 1, "pointer": 1}]  # yes/no, never counts
    assert got["idle"] == [{"a": 68, "b": 400}]
    assert got["lock"] == [{"a": 60, "b": 200}]
    assert got["tabs"] == [{"a": 70, "b": 80, "url": "u", "kind": "hidden"}]
