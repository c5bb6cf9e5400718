"""The meeting-session policy, fed plain window facts (no desktop, no backend)."""

import pytest

from onlooker.shim.classify import Classifier
from onlooker.shim.model import BROWSER, MEETING, OTHER
from onlooker.shim.sessions import GONE, SEEN, MeetingSessions, WindowFact


def run(facts):
    """Feed (ts, window, app, category, event) tuples; [(ts, kind, app, window)] out."""
    sessions = MeetingSessions()
    out = []
    for ts, window, app, category, event in facts:
        for o in sessions.feed(WindowFact(ts, window, app, category, event)):
            out.append((o.ts, o.kind, o.app, o.window))
    return out


def test_first_meeting_window_starts_a_session_and_closing_it_ends_it():
    """A meeting starts when its window is first seen and ends when it closes, with the app
    and window that started it; other windows coming and going change nothing."""
    assert run([
        (0, "w1", "xterm", OTHER, SEEN),
        (1, "z", "zoom", MEETING, SEEN),
        (2, "w1", "xterm", OTHER, SEEN),      # focusing another app: the meeting goes on
        (3, "z", "zoom", MEETING, SEEN),      # seeing the meeting window again: no second start
        (4, "w1", None, None, GONE),
        (5, "z", None, None, GONE),
    ]) == [(1, "meeting_start", "zoom", "z"), (5, "meeting_end", None, None)]


def test_session_survives_while_another_meeting_window_stays():
    """Zoom replacing its waiting room with the meeting window is one meeting: no end, no new
    start, and the session ends only with the last meeting window."""
    assert run([
        (0, "wait", "zoom", MEETING, SEEN),
        (1, "meet", "zoom", MEETING, SEEN),
        (2, "wait", None, None, GONE),
        (9, "meet", None, None, GONE),
    ]) == [(0, "meeting_start", "zoom", "wait"), (9, "meeting_end", None, None)]


def test_a_window_reclassified_by_its_title_starts_and_ends_a_browser_meeting():
    """A browser tab turning into 'Meet - ...' starts a meeting; its title changing away ends it;
    a closed window that was never a meeting ends nothing."""
    c = Classifier()
    meet, news = c.classify("firefox", "Meet - abc-defg-hij"), c.classify("firefox", "News")
    assert (meet, news) == (MEETING, BROWSER)
    assert run([
        (0, "ff", "firefox", news, SEEN),
        (1, "ff", "firefox", meet, SEEN),
        (2, "ff", "firefox", news, SEEN),
        (3, "ff", None, None, GONE),
    ]) == [(1, "meeting_start", "firefox", "ff"), (2, "meeting_end", None, None)]


def test_meetings_come_and_go_repeatedly():
    assert [k for _, k, _, _ in run([
        (0, "z", "zoom", MEETING, SEEN), (1, "z", None, None, GONE),
        (2, "t", "teams", MEETING, SEEN), (3, "t", "teams", OTHER, SEEN),
    ])] == ["meeting_start", "meeting_end", "meeting_start", "meeting_end"]


def test_nothing_without_meeting_windows_and_unknown_events_are_refused():
    assert run([(0, "a", "xterm", OTHER, SEEN), (1, "a", None, None, GONE),
                (2, "never-seen", None, None, GONE)]) == []
    with pytest.raises(ValueError, match="unknown window event 'moved'"):
        MeetingSessions().feed(WindowFact(0, "a", "xterm", OTHER, "moved"))
