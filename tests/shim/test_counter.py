"""The input counter: yes/no per second from events or from activity periods, never a count."""

from onlooker.shim.counter import InputCounter
from onlooker.shim.model import InputSecond

T = 1795856400.0


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_events_become_flags_whatever_their_number():
    """26 key presses and 500 moves in one second read exactly like one of each."""
    clock = Clock(T + 0.2)
    many, one = InputCounter(clock), InputCounter(clock)
    for _ in range(26):
        many.key(object())
    for _ in range(500):
        many.pointer(10, 20)
    one.key()
    one.pointer()
    assert many.drain() == one.drain() == [InputSecond(int(T), True, True)]


def test_add_keeps_its_call_shape_and_stores_yes_no():
    c = InputCounter(Clock(T))
    c.add(int(T), 18, 0)
    c.add(int(T) + 1)            # input of a kind not known
    assert c.drain() == [InputSecond(int(T), True, False), InputSecond(int(T) + 1, False, False)]


def test_an_activity_period_gives_exactly_its_seconds():
    """Active at 10.7, still active at 13.4: seconds 10-12 are known (13 is not over); idle
    reports the last input at 14.2: seconds 13 and 14 follow, nothing after."""
    clock = Clock(T + 13.4)
    woke = []
    c = InputCounter(clock, on_first=lambda: woke.append(1))
    c.active("keyboard", T + 10.7)
    assert woke == [1] and c.busy()
    assert [s.second - int(T) for s in c.drain()] == [10, 11, 12]
    c.idle("keyboard", T + 14.2)
    assert not c.busy()
    got = c.drain()
    assert [s.second - int(T) for s in got] == [13, 14]
    assert all(s.keyboard and not s.pointer for s in got)
    clock.now = T + 30
    assert c.drain() == []


def test_a_period_shorter_than_a_second_is_its_one_or_two_seconds():
    clock = Clock(T + 5.2)
    c = InputCounter(clock)
    c.active("pointer", T + 5.1)
    assert [s.second - int(T) for s in c.drain()] == [5]   # the start had input
    c.idle("pointer", T + 6.05)
    assert [(s.second - int(T), s.keyboard, s.pointer) for s in c.drain()] == [(6, False, True)]


def test_keyboard_and_pointer_periods_combine_per_second():
    clock = Clock(T + 20)
    c = InputCounter(clock)
    c.active("keyboard", T + 1.5)
    c.idle("keyboard", T + 2.5)
    c.active("pointer", T + 2.9)
    c.idle("pointer", T + 3.1)
    assert [(s.second - int(T), s.keyboard, s.pointer) for s in c.drain()] == [
        (1, True, False), (2, True, True), (3, False, True)]
