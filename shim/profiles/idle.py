"""Rules driven by keyboard/mouse idle time: employee monitors and chat presence."""

from __future__ import annotations

import math
from typing import Any

from ..model import Event
from ._base import (Activity, Flag, LogInfo, Locks, Profile, absent, beyond, duration_text,
                    pct, total, union)

HUBSTAFF_SLOT_S = 600          # 10-minute wall-clock segments
HUBSTAFF_IDLE_PROMPT_S = 1200  # inactivity warning after 20 min by default
ACTIVTRAK_PASSIVE_AFTER_S = 120
ACTIVTRAK_PASSIVE_FOR_S = 300
TIME_DOCTOR_TIMEOUT_S = 900
TIME_DOCTOR_COUNTDOWN_S = 60
TEAMS_AWAY_S = (300, 900)      # sources conflict: ~5 min (widely reported) vs 15 min (2018 doc)
SLACK_AWAY_S = (600, 1800)     # 10 min (current) vs 30 min (historic)

NO_INPUT = "no input events in this log"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"


class _IdleMachine:
    """Collects idle gaps; subclasses turn them into flags."""

    handles = frozenset(("input",))

    def __init__(self, info: LogInfo) -> None:
        self.info = info
        self.activity = Activity()

    def feed(self, e: Event) -> None:
        self.activity.feed(e)

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]:
        if not self.activity.seen:
            return [], absent(NO_INPUT)
        return self.judge(self.activity.finish(end), end)

    def judge(self, gaps, end: float) -> tuple[list[Flag], dict[str, Any]]:
        raise NotImplementedError


class HubstaffMachine(_IdleMachine):
    """Active seconds per 10-minute slot; a second is active if it had any input."""

    def __init__(self, info: LogInfo) -> None:
        super().__init__(info)
        self.origin = info.start or 0.0
        self.slots: dict[int, int] = {}
        self._next_second = -math.inf  # seconds before this were already counted

    def feed(self, e: Event) -> None:
        super().feed(e)
        first = math.floor(self.origin + e.t)
        last = math.ceil(self.origin + e.until) - 1 if e.until is not None else first
        first = max(first, self._next_second)
        s = first
        while s <= last:  # count seconds slot by slot
            slot = s // HUBSTAFF_SLOT_S
            upto = min(last, (slot + 1) * HUBSTAFF_SLOT_S - 1)
            self.slots[slot] = self.slots.get(slot, 0) + (upto - s + 1)
            s = upto + 1
        self._next_second = max(self._next_second, last + 1)

    def judge(self, gaps, end: float):
        begin_abs, end_abs = self.origin, self.origin + end
        flags = []
        tracked = active = 0.0
        slots = 0
        slot = math.floor(begin_abs / HUBSTAFF_SLOT_S)
        while slot * HUBSTAFF_SLOT_S < end_abs:
            lo, hi = slot * HUBSTAFF_SLOT_S, (slot + 1) * HUBSTAFF_SLOT_S
            span = min(hi, end_abs) - max(lo, begin_abs)  # partial slots at the log's edges
            n = min(self.slots.get(slot, 0), math.ceil(span))
            if span > 0:
                slots += 1
                tracked += span
                active += n
                flags.append(Flag(max(lo, begin_abs) - self.origin, min(hi, end_abs) - self.origin,
                                  f"Activity {pct(n, span):g} % in this 10-minute slot "
                                  f"({n} of {round(span)} s had input)."))
            slot += 1
        for a, b in beyond(gaps, HUBSTAFF_IDLE_PROMPT_S):
            flags.append(Flag(a, b, "Idle prompt: 'You have been idle for 20 minutes'; by default "
                                    "the idle time is discarded unless you keep it."))
        flags.sort(key=lambda f: f.at)
        return flags, {"applies": True, "activity_pct": pct(active, tracked),
                       "active_s": int(active), "slots": slots,
                       "idle_prompts": len(beyond(gaps, HUBSTAFF_IDLE_PROMPT_S))}


HUBSTAFF = Profile(
    id="hubstaff",
    name="Hubstaff activity levels",
    seen_by="employer",
    sources=(
        "https://support.hubstaff.com/how-are-activity-levels-calculated/",
        "https://support.hubstaff.com/how-does-the-inactivity-warning-work/",
        "https://support.hubstaff.com/keep-idle-time-organization-setting/",
    ),
    assumptions=(
        "The timer ran for the whole log; slots are 10 wall-clock minutes (UTC).",
        "A slot cut by the log's start or end is divided by the seconds tracked in it, not 600 "
        "(Hubstaff's own texts disagree on partial slots).",
        "The idle prompt uses the default 20 min.",
    ),
    machine=HubstaffMachine,
)


class ActivTrakMachine(_IdleMachine):
    def judge(self, gaps, end: float):
        passive_start = ACTIVTRAK_PASSIVE_AFTER_S
        inactive_start = ACTIVTRAK_PASSIVE_AFTER_S + ACTIVTRAK_PASSIVE_FOR_S
        passive = [(a, min(b, a - passive_start + inactive_start))
                   for a, b in beyond(gaps, passive_start)]
        inactive = beyond(gaps, inactive_start)
        flags = [Flag(a, b, "Passive: no input for 2 min (those 2 min were counted as active).")
                 for a, b in passive]
        flags += [Flag(a, b, "Inactive: passive for 5 min.") for a, b in inactive]
        flags.sort(key=lambda f: f.at)
        p, i = total(passive), total(inactive)
        return flags, {"applies": True, "active_s": round(end - p - i, 3),
                       "passive_s": round(p, 3), "inactive_s": round(i, 3),
                       "active_pct": pct(end - p - i, end)}


ACTIVTRAK = Profile(
    id="activtrak",
    name="ActivTrak active / passive / inactive time",
    seen_by="employer",
    sources=(
        "https://support.activtrak.com/hc/en-us/articles/360055209452-Passive-Time-Configuration",
        "https://support.activtrak.com/hc/en-us/articles/360026990372-Active-Time-and-Passive-Time",
    ),
    assumptions=("Defaults: passive after 2 min without input, inactive after 5 more min.",
                 "The agent ran for the whole log."),
    machine=ActivTrakMachine,
)


class TimeDoctorMachine(_IdleMachine):
    def judge(self, gaps, end: float):
        countdown_at = TIME_DOCTOR_TIMEOUT_S - TIME_DOCTOR_COUNTDOWN_S
        flags = [Flag(a, min(b, a + TIME_DOCTOR_COUNTDOWN_S),
                      "Countdown: 'Are you still working?' with 60 s to answer.")
                 for a, b in beyond(gaps, countdown_at)]
        stopped = beyond(gaps, TIME_DOCTOR_TIMEOUT_S)
        flags += [Flag(a, b, f"Tracking stopped after 15 min without input "
                             f"({duration_text(b - a)} not counted).") for a, b in stopped]
        flags.sort(key=lambda f: f.at)
        s = total(stopped)
        return flags, {"applies": True, "tracked_s": round(end - s, 3), "stopped_s": round(s, 3),
                       "timeouts": len(stopped)}


TIME_DOCTOR = Profile(
    id="time-doctor",
    name="Time Doctor idle timeout",
    seen_by="employer",
    sources=("https://support.timedoctor.com/knowledge/how-to-configure-and-use-timeout-after-settings",),
    assumptions=("Default 'Timeout After' of 15 min, with the 60 s countdown before it.",
                 "The older 3-minute 'away' pop-up is not modelled."),
    machine=TimeDoctorMachine,
)


class _PresenceMachine(_IdleMachine):
    label = ""
    thresholds: tuple[int, ...] = ()
    lock_is_away = False
    handles = frozenset(("input", "lock", "unlock"))

    def __init__(self, info: LogInfo) -> None:
        super().__init__(info)
        self.locks = Locks()

    def feed(self, e: Event) -> None:
        if e.event == "input":
            self.activity.feed(e)
        else:
            self.locks.feed(e)

    def judge(self, gaps, end: float):
        locked = self.locks.finish(end) if self.lock_is_away else []
        flags, metrics = [], {"applies": True}
        for i, threshold in enumerate(self.thresholds):
            away = union(beyond(gaps, threshold), locked)
            variant = "current rule" if i == 0 else "other reported rule"
            flags += [Flag(a, b, f"{self.label} ({_minutes(threshold)} idle {variant}"
                                 f"{' or screen locked' if self.lock_is_away else ''}).")
                      for a, b in away]
            metrics[f"away_s_{threshold // 60}min"] = round(total(away), 3)
        flags.sort(key=lambda f: f.at)
        return flags, metrics


class TeamsMachine(_PresenceMachine):
    label = "Colleagues would see you as Away (yellow clock)"
    thresholds = TEAMS_AWAY_S
    lock_is_away = True


class SlackMachine(_PresenceMachine):
    label = "Your workspace would see the away dot"
    thresholds = SLACK_AWAY_S


TEAMS = Profile(
    id="teams-presence",
    name="Microsoft Teams presence",
    seen_by="everyone in your organisation",
    sources=(
        "https://learn.microsoft.com/microsoftteams/presence-admins",
        "https://learn.microsoft.com/en-us/graph/api/presence-setpresence",
        "https://staygreenonteams.com/when-does-teams-go-inactive",
    ),
    assumptions=("Sources conflict: Away after 5 min idle (widely reported, matches Graph's fade) "
                 "or 15 min (2018 Microsoft doc); both are shown.",
                 "Locking the screen sets Away at once."),
    machine=TeamsMachine,
)

SLACK = Profile(
    id="slack-presence",
    name="Slack presence",
    seen_by="everyone in your workspace",
    sources=("https://gist.github.com/UrsaDK/3984571a26aa8f577600",
             "https://zenn.dev/k_okada/articles/083d3765a221f86cebf0"),
    assumptions=("Desktop goes away after 10 min without input (current) or 30 min (historic); "
                 "both are shown.",
                 "Input in any app counts (sources disagree); locking is not modelled."),
    machine=SlackMachine,
)
