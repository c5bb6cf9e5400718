"""Rules driven by keyboard/mouse idle time: employee monitors and chat presence."""

from __future__ import annotations

from functools import cache

from ..model import Event
from ._base import (Activity, Flag, LogInfo, Locks, Metric, Presentation, Profile, absent, beyond,
                    flag_ms, ms_text, pct, secs, subtract, total, union)

# Thresholds in milliseconds, the log's resolution; each is crossed only by *more* than it
# ("after N minutes" / "more than"): a stretch of exactly N never counts.
HUBSTAFF_SLOT_S = 600              # 10-minute wall-clock segments (whole seconds)
HUBSTAFF_IDLE_PROMPT_MS = 1_200_000  # inactivity warning after 20 min by default
ACTIVTRAK_PASSIVE_AFTER_MS = 120_000
ACTIVTRAK_PASSIVE_FOR_MS = 300_000
TIME_DOCTOR_TIMEOUT_MS = 900_000
TIME_DOCTOR_COUNTDOWN_MS = 60_000
TEAMS_AWAY_S = (300, 900)      # sources conflict: ~5 min (third parties) vs 15 min (2018 doc)
SLACK_AWAY_S = (600, 1800)     # 10 min (current, secondary sources) vs 30 min (historic)

NO_INPUT = "no input events in this log"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"


def _away_key(threshold: int) -> str:
    return f"away_s_{threshold // 60}min"


def _away_metrics(thresholds: tuple[int, ...], words: str) -> tuple[Metric, ...]:
    return tuple(Metric(_away_key(t), f"{words} ({t // 60}-min rule)", "s") for t in thresholds)


class _IdleMachine:
    """Collects idle gaps (ms); subclasses turn them into flags."""

    handles = frozenset(("input",))
    in_ms = True
    shortest_rule = 0  # ms: no rule of this machine reads a gap of this length or shorter

    def __init__(self, info: LogInfo) -> None:
        self.info = info
        self.activity = Activity(info, keep_over=self.shortest_rule)
        self.unobserved = info.unobserved_ms()

    def feed(self, e: Event) -> None:
        self.activity.feed(e)

    def observed(self, end: int) -> int:
        """How much of [0, end) was recorded."""
        return total(subtract([(0, end)], self.unobserved))

    def finish(self, end: int):
        if not self.activity.seen:
            return [], absent(NO_INPUT)
        return self.judge(self.activity.finish(end), end)

    def judge(self, gaps, end: int):
        raise NotImplementedError


def _clock(local_second: int) -> str:
    h, rest = divmod(local_second % 86400, 3600)
    return f"{h:02d}:{rest // 60:02d}"


@cache
def _slot_label(slot_of_day: int) -> str:
    """'09:00-09:10': a year has 50,000 slots but a day only 144 labels."""
    return f"{_clock(slot_of_day * HUBSTAFF_SLOT_S)}-{_clock((slot_of_day + 1) * HUBSTAFF_SLOT_S)}"


class HubstaffMachine(_IdleMachine):
    """Active seconds per 10-minute slot; a second is active if it had any input.

    The seconds are the timer's, counted from the log's start, as many as the log's length
    rounded to whole seconds; each belongs to the slot of the person's wall clock it begins in
    (the header's zone; UTC when unknown). So 600 s from 09:00:00.400 are 600 seconds in the
    09:00-09:10 slot, never 601, and a log ending a fraction past a slot boundary opens no
    sliver slot."""

    SLOT_MS = HUBSTAFF_SLOT_S * 1000
    shortest_rule = HUBSTAFF_IDLE_PROMPT_MS

    def __init__(self, info: LogInfo) -> None:
        super().__init__(info)
        offset = (info.utc_offset_s or 0) * 1000
        self.origin = round((info.start or 0.0) * 1000) + offset  # local wall clock, ms
        self.slots: dict[int, int] = {}
        self._next_second = 0  # seconds before this were already counted

    def slot_of(self, k: int) -> int:
        return (self.origin + k * 1000) // self.SLOT_MS

    def first_second_of(self, slot: int) -> int:
        return max(0, -(-(slot * self.SLOT_MS - self.origin) // 1000))

    def feed(self, e: Event) -> None:
        self.activity.feed(e)
        first = max(e.t // 1000, self._next_second)
        last = -(-e.until // 1000) - 1 if e.until is not None else e.t // 1000
        if last < first:
            return
        origin, size, slots = self.origin, self.SLOT_MS, self.slots
        k = first
        while k <= last:  # count seconds slot by slot (slot_of / first_second_of, inlined)
            slot = (origin + k * 1000) // size
            upto = min(last, max(0, -(-((slot + 1) * size - origin) // 1000)) - 1)
            slots[slot] = slots.get(slot, 0) + (upto - k + 1)
            k = upto + 1
        self._next_second = last + 1

    def _unobserved_seconds(self, lo: int, hi: int) -> int:
        """Timer seconds in [lo, hi) that begin while nothing was recording."""
        return sum(max(0, min(hi, -(-v // 1000)) - max(lo, -(-u // 1000)))
                   for u, v in self.unobserved)

    def judge(self, gaps, end: int):
        seconds = (end + 500) // 1000  # the log's length in whole seconds
        flags = []
        tracked = active = slots = 0
        slot = self.slot_of(0)
        lo = self.first_second_of(slot)
        per_day = 86400 // HUBSTAFF_SLOT_S
        # Input in second ``seconds`` itself (a log ending at 997.25 s: second 997) was counted,
        # but only seconds 0-996 are tracked; wherever the grid falls, it does not count.
        cut = self.slot_of(seconds) if self._next_second > seconds else None
        while seconds and lo < seconds:  # a year has 50,000 slots: nothing twice per slot
            upto = self.first_second_of(slot + 1)
            hi = min(upto, seconds)
            span = hi - lo  # partial slots at the edges
            if self.unobserved:
                span -= self._unobserved_seconds(lo, hi)
            if span > 0:
                n = min(self.slots.get(slot, 0) - (slot == cut), span)
                slots += 1
                tracked += span
                active += n
                label = _slot_label(slot % per_day)
                share = pct(n, span)
                flags.append(Flag(float(lo), min(hi * 1000, end) / 1000, f"Activity {share:g} % in this "
                                  f"10-minute slot, {label} ({n} of {span} s had input).", "slot",
                                  {"slot": label, "active_s": n, "tracked_s": span,
                                   "activity_pct": share}))
            lo = upto
            slot += 1
        prompts = beyond(gaps, HUBSTAFF_IDLE_PROMPT_MS)
        for a, b in prompts:
            flags.append(flag_ms(a, b, "Idle prompt: Hubstaff would tell you that you had been "
                                       "idle for 20 minutes and ask whether to keep that time; "
                                       "by default it is discarded.", idle_s=secs(b - a + 1_200_000)))
        return flags, {"applies": True, "activity_pct": pct(active, tracked),
                       "active_s": active, "slots": slots, "idle_prompts": len(prompts)}


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
        "The timer ran for the whole log. Slots are 10 minutes of the person's wall clock, in the "
        "zone of the log's start (UTC when the log gives none): a start at 09:00+05:45 gives "
        "09:00-09:10 local. Seconds are whole seconds counted from the second the log starts in.",
        "A slot cut by the log's start or end is divided by the seconds tracked in it, not 600 "
        "(Hubstaff's own texts disagree on partial slots).",
        "The idle prompt uses the default 20 min.",
    ),
    machine=HubstaffMachine,
    presentation=Presentation(
        short="Hubstaff activity",
        metrics=(Metric("activity_pct", "activity", "%"),
                 Metric("active_s", "time with input", "s"),
                 Metric("slots", "10-minute slots"),
                 Metric("idle_prompts", "idle prompts")),
        headline=("activity_pct",),
        trend="activity_pct",
    ),
)


class ActivTrakMachine(_IdleMachine):
    shortest_rule = ACTIVTRAK_PASSIVE_AFTER_MS

    def judge(self, gaps, end: int):
        inactive_start = ACTIVTRAK_PASSIVE_AFTER_MS + ACTIVTRAK_PASSIVE_FOR_MS
        passive = [(a, min(b, a - ACTIVTRAK_PASSIVE_AFTER_MS + inactive_start))
                   for a, b in beyond(gaps, ACTIVTRAK_PASSIVE_AFTER_MS)]
        inactive = beyond(gaps, inactive_start)
        flags = [flag_ms(a, b, "Passive: no input for 2 min (those 2 min were counted as active).",
                         state="passive", passive_s=secs(b - a)) for a, b in passive]
        flags += [flag_ms(a, b, "Inactive: passive for 5 min.", state="inactive",
                          inactive_s=secs(b - a)) for a, b in inactive]
        p, i = total(passive), total(inactive)
        observed = self.observed(end)
        return flags, {"applies": True, "active_s": secs(observed - p - i),
                       "passive_s": secs(p), "inactive_s": secs(i),
                       "active_pct": pct(observed - p - i, observed)}


ACTIVTRAK = Profile(
    id="activtrak",
    name="ActivTrak active / passive / inactive time",
    seen_by="employer",
    sources=(
        "https://support.activtrak.com/hc/en-us/articles/360055209452-Passive-Time-Configuration",
        "https://support.activtrak.com/hc/en-us/articles/360026990372-Active-Time-and-Passive-Time",
    ),
    assumptions=("Defaults: passive after more than 2 min without input, inactive after 5 more min.",
                 "The agent ran for the whole log."),
    machine=ActivTrakMachine,
    presentation=Presentation(
        short="ActivTrak",
        metrics=(Metric("active_pct", "active", "%"),
                 Metric("active_s", "active time", "s"),
                 Metric("passive_s", "passive time", "s"),
                 Metric("inactive_s", "inactive time", "s")),
        headline=("active_pct",),
        trend="active_pct",
    ),
)


class TimeDoctorMachine(_IdleMachine):
    shortest_rule = TIME_DOCTOR_TIMEOUT_MS - TIME_DOCTOR_COUNTDOWN_MS

    def judge(self, gaps, end: int):
        countdown_at = TIME_DOCTOR_TIMEOUT_MS - TIME_DOCTOR_COUNTDOWN_MS
        flags = [flag_ms(a, min(b, a + TIME_DOCTOR_COUNTDOWN_MS),
                         "Countdown: the 60-second warning before Time Doctor stops tracking "
                         "(Timeout After, 15 min without input).", state="countdown")
                 for a, b in beyond(gaps, countdown_at)]
        stopped = beyond(gaps, TIME_DOCTOR_TIMEOUT_MS)
        flags += [flag_ms(a, b, f"Tracking stopped after 15 min without input "
                                f"({ms_text(b - a)} not counted).", state="stopped",
                          not_counted_s=secs(b - a)) for a, b in stopped]
        s = total(stopped)
        return flags, {"applies": True, "tracked_s": secs(self.observed(end) - s),
                       "stopped_s": secs(s), "timeouts": len(stopped)}


TIME_DOCTOR = Profile(
    id="time-doctor",
    name="Time Doctor idle timeout",
    seen_by="employer",
    sources=("https://support.timedoctor.com/knowledge/how-to-configure-and-use-timeout-after-settings",
             "https://help-tmp.timedoctor.com/for-managers-and-administrators-idle-limit-and-manual-time-allowance"),
    assumptions=("Default 'Timeout After' of 15 min (more than 15 min without input), with its "
                 "60-second warning countdown before it.",
                 "The separate 'Are You Still Working?' pop-up after the idle limit, and the "
                 "older 3-minute 'away' pop-up, are not modelled."),
    machine=TimeDoctorMachine,
    presentation=Presentation(
        short="Time Doctor",
        metrics=(Metric("timeouts", "tracking stops"),
                 Metric("tracked_s", "tracked", "s"),
                 Metric("stopped_s", "not tracked", "s")),
        headline=("timeouts",),
        trend="stopped_s",
        live="Time Doctor would now stop tracking your time",
    ),
)


class _PresenceMachine(_IdleMachine):
    label = ""
    thresholds: tuple[int, ...] = ()
    variants: tuple[str, ...] = ()
    lock_is_away = False
    handles = frozenset(("input", "lock", "unlock"))

    def __init__(self, info: LogInfo) -> None:
        self.shortest_rule = min(self.thresholds) * 1000
        super().__init__(info)
        self.locks = Locks()

    def feed(self, e: Event) -> None:
        if e.event == "input":
            self.activity.feed(e)
            return
        self.locks.feed(e)
        if e.event == "unlock":  # typing the password restarts the OS idle timer they read
            self.activity.touch(e.t)

    def judge(self, gaps, end: int):
        locked = subtract(self.locks.finish(end), self.unobserved) if self.lock_is_away else []
        flags, metrics = [], {"applies": True}
        for threshold, variant in zip(self.thresholds, self.variants):
            away = union(beyond(gaps, threshold * 1000), locked)
            flags += [flag_ms(a, b, f"{self.label} ({_minutes(threshold)} idle"
                                    f"{' or screen locked' if self.lock_is_away else ''}; "
                                    f"{variant}).", rule_min=threshold // 60)
                      for a, b in away]
            metrics[_away_key(threshold)] = secs(total(away))
        return flags, metrics


class TeamsMachine(_PresenceMachine):
    label = "Colleagues would see you as Away (yellow clock)"
    thresholds = TEAMS_AWAY_S
    variants = ("as third parties report", "Microsoft's 2018 documentation")
    lock_is_away = True


class SlackMachine(_PresenceMachine):
    label = "Your workspace would see the away dot"
    thresholds = SLACK_AWAY_S
    variants = ("current, as secondary sources report", "historic")


TEAMS = Profile(
    id="teams-presence",
    name="Microsoft Teams presence",
    seen_by="everyone in your organisation",
    sources=(
        "https://learn.microsoft.com/microsoftteams/presence-admins",
        "https://learn.microsoft.com/en-us/graph/api/presence-setpresence",
        "https://staygreenonteams.com/when-does-teams-go-inactive",
        "https://www.softwaretesttips.com/how-change-microsoft-teams-away-time/",
        "https://github.com/MicrosoftDocs/OfficeDocs-SkypeForBusiness/blob/live/Teams/presence-admins.md",
    ),
    assumptions=("Microsoft's current page gives no number. Away after more than 5 min idle is "
                 "what third parties report (it matches Graph's presence fade); Microsoft's "
                 "2018 documentation said 15 min. Both are shown.",
                 "Locking the screen sets Away at once; unlocking is input (typing the password "
                 "restarts the OS idle timer)."),
    machine=TeamsMachine,
    presentation=Presentation(
        short="Teams presence",
        metrics=_away_metrics(TEAMS_AWAY_S, "shown Away"),
        headline=(_away_key(TEAMS_AWAY_S[0]),),
        trend=_away_key(TEAMS_AWAY_S[0]),
        live="Microsoft Teams would now show you as Away",
    ),
)

SLACK = Profile(
    id="slack-presence",
    name="Slack presence",
    seen_by="everyone in your workspace",
    sources=("https://gist.github.com/UrsaDK/3984571a26aa8f577600",
             "https://zenn.dev/k_okada/articles/083d3765a221f86cebf0",
             "https://www.wakaran.net/en/articles/even-if-you-say-away-on-slack-will-you-be-able-to-see-what-i"),
    assumptions=("Desktop goes away after more than 10 min without input (current, as secondary "
                 "sources citing Slack report) or 30 min (historic); both are shown.",
                 "Input in any app counts (sources disagree), and unlocking is input; locking "
                 "itself is not modelled."),
    machine=SlackMachine,
    presentation=Presentation(
        short="Slack presence",
        metrics=_away_metrics(SLACK_AWAY_S, "shown away"),
        headline=(_away_key(SLACK_AWAY_S[0]),),
        trend=_away_key(SLACK_AWAY_S[0]),
        live="Slack would now show you as away",
    ),
)
