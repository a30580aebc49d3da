"""When to phone a victim: the contact bands, the victim's safe times and the next attempt.

Pure: no database and no models, only the force's ``WorkingCalendar``. The rules, in their
order of priority (DOMAIN.md, "Contact attempts"):

1. Safety: never outside the victim's safe times or the Hub's opening hours.
2. The deadline: the first attempt is the earliest window, cut to end by its deadline; when
   no safe window leaves ``MIN_WINDOW`` before the deadline, the earliest safe one is planned
   anyway and marked late, because a safe call after the deadline beats an unsafe one before.
3. Spreading: a later attempt comes at least ``MIN_GAP`` after the one before, never in a
   (band, day) already tried, and in a band not yet tried when one opens within the next
   three days that have any window; when the safe times allow only one band, the attempts
   go to different days instead.

Every window is built as ``dt.datetime.combine(day, time, tzinfo=LONDON)`` so that 08:00
stays 08:00 in London on both sides of a clock change; durations and comparisons that mix
moments are made in UTC, so that a two-hour gap is two real hours.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hub.calendar import DAY_KEYS, LONDON, WorkingCalendar

MIN_WINDOW = dt.timedelta(minutes=15)  # a window shorter than this is not offered
MIN_GAP = dt.timedelta(hours=2)  # the next attempt starts at least this long after the previous
HORIZON_DAYS = 60
# A later attempt looks this many days with a window ahead for a band not tried yet, so that
# spreading the attempts never delays one by more than a few days.
SPREAD_DAYS = 3

NOON = dt.time(12)
FIVE_PM = dt.time(17)
WEEKDAY_BANDS = ("morning", "afternoon", "evening")
# Saturday is open by default; Sunday only where a force configures it.
WEEKEND_BANDS = {5: "saturday", 6: "sunday"}
BANDS = (*WEEKDAY_BANDS, *WEEKEND_BANDS.values())


@dataclass(frozen=True)
class Window:
    """A stretch of one day in one band when the Hub may phone the victim."""

    band: str  # morning, afternoon, evening (weekdays); saturday (or sunday) on weekends
    start: dt.datetime  # aware, Europe/London
    end: dt.datetime


class NoContactWindow(ValueError):
    """No window for a call within ``HORIZON_DAYS``; the message is written for staff."""


@dataclass(frozen=True)
class PlannedAttempt:
    """The window for the next phone attempt: call no earlier than ``start``, no later than ``end``.

    For a first attempt ``end`` is never after the deadline when a window before the deadline
    exists; ``late`` is True only for a first attempt that no safe window allows by its deadline.
    """

    band: str
    start: dt.datetime  # aware, Europe/London
    end: dt.datetime
    late: bool


@dataclass(frozen=True)
class _SafeTime:
    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    text: str


def contact_windows(
    calendar: WorkingCalendar, day: dt.date, safe_times: list[dict]
) -> list[Window]:
    """The day's bands cut to the Hub's opening hours and, when given, the victim's safe times.

    Windows come in time order and never overlap; two windows may share a band when the safe
    times leave a gap inside it. Windows shorter than ``MIN_WINDOW`` are dropped. A closed day
    or a bank holiday gives ``[]``. An empty ``safe_times`` means any time the Hub is open.
    Raises ``ValueError`` for a malformed safe time.
    """
    return list(_windows(calendar, day, _parse_safe_times(safe_times)))


def plan_attempt(
    calendar: WorkingCalendar,
    safe_times: list[dict],
    *,
    after: dt.datetime,
    deadline: dt.datetime | None,
    earlier: Sequence[tuple[str, dt.date]] = (),
) -> PlannedAttempt:
    """The window for the next phone attempt.

    ``earlier`` holds the (band, local day) of the episode's previous attempts.

    Guarantees: the attempt lies wholly inside one window of ``contact_windows`` for its day
    (so inside the safe times and the opening hours), lasts at least ``MIN_WINDOW`` and starts
    no earlier than ``after``. A first attempt (no ``earlier``) is the earliest such window and
    ends by ``deadline`` unless ``late`` is set, which happens only when no window leaves
    ``MIN_WINDOW`` before the deadline. A later attempt starts at least ``MIN_GAP`` after
    ``after``, never in an earlier (band, day), and in a band not used before when one opens
    within the next ``SPREAD_DAYS`` days that have a window; ``deadline`` does not bind it.
    Raises ``NoContactWindow`` when nothing fits within ``HORIZON_DAYS`` days, and
    ``ValueError`` for naive datetimes, malformed safe times, or an earlier day that is not a
    date. An earlier band that is not a contact band (a call back, say) blocks nothing.
    """
    after_utc = _utc(after, "after")
    deadline_utc = None if deadline is None else _utc(deadline, "deadline")
    safe = _parse_safe_times(safe_times)
    taken = _parse_earlier(earlier)
    if not taken:
        return _first_attempt(calendar, safe, after_utc, deadline_utc)
    return _later_attempt(calendar, safe, after_utc + MIN_GAP, taken)


def _first_attempt(
    calendar: WorkingCalendar,
    safe: tuple[_SafeTime, ...],
    earliest: dt.datetime,
    deadline: dt.datetime | None,
) -> PlannedAttempt:
    windows = next(_days_with_windows(calendar, safe, earliest, frozenset()), None)
    if windows is None:
        raise NoContactWindow(_nothing_fits(safe, earliest, tried_every_band=False))
    window = windows[0]
    if deadline is None:
        return PlannedAttempt(window.band, window.start, window.end, late=False)
    # Windows come in time order, so when the earliest one leaves less than MIN_WINDOW before
    # the deadline, no later one leaves any time at all.
    if _span(window.start, deadline) >= MIN_WINDOW:
        end = deadline.astimezone(LONDON) if deadline < window.end else window.end
        return PlannedAttempt(window.band, window.start, end, late=False)
    return PlannedAttempt(window.band, window.start, window.end, late=True)


def _later_attempt(
    calendar: WorkingCalendar,
    safe: tuple[_SafeTime, ...],
    earliest: dt.datetime,
    taken: frozenset[tuple[str, dt.date]],
) -> PlannedAttempt:
    days = list(itertools.islice(_days_with_windows(calendar, safe, earliest, taken), SPREAD_DAYS))
    if not days:
        # Only worth saying "already tried" when the slots tried are what stands in the way.
        untried = next(_days_with_windows(calendar, safe, earliest, frozenset()), None)
        raise NoContactWindow(_nothing_fits(safe, earliest, tried_every_band=untried is not None))
    used_bands = {band for band, _ in taken}
    fresh = (w for windows in days for w in windows if w.band not in used_bands)
    window = next(fresh, days[0][0])
    return PlannedAttempt(window.band, window.start, window.end, late=False)


def _days_with_windows(
    calendar: WorkingCalendar,
    safe: tuple[_SafeTime, ...],
    earliest: dt.datetime,
    taken: frozenset[tuple[str, dt.date]],
) -> Iterator[list[Window]]:
    """Each day's windows from ``earliest`` on, clipped to start no earlier and not taken."""
    first_day = earliest.astimezone(LONDON).date()
    for offset in range(HORIZON_DAYS):
        day = first_day + dt.timedelta(days=offset)
        windows = []
        for window in _windows(calendar, day, safe):
            if (window.band, day) in taken:
                continue
            start = window.start if window.start >= earliest else earliest.astimezone(LONDON)
            if _span(start, window.end) >= MIN_WINDOW:
                windows.append(Window(window.band, start, window.end))
        if windows:
            yield windows


# Planning asks for the same few days' windows for every referral of a batch (its victims
# mostly give the same safe times, or none): the windows of a (calendar, day, safe times)
# never change, and calendars are shared (``hub.calendar.calendar_for``), so they are kept.
@functools.lru_cache(maxsize=4096)
def _windows(
    calendar: WorkingCalendar, day: dt.date, safe: tuple[_SafeTime, ...]
) -> tuple[Window, ...]:
    period = calendar.open_period(day)
    if period is None:
        return ()
    bands = _bands(day, period.opens, period.closes)
    stretches = _safe_intervals(day, safe) if safe else [(period.opens, period.closes)]
    windows = []
    for stretch_start, stretch_end in stretches:
        pieces = [
            Window(band.band, max(band.start, stretch_start), min(band.end, stretch_end))
            for band in bands
        ]
        pieces = [p for p in pieces if p.start < p.end]
        windows.extend(p for p in _absorb_slivers(pieces) if _span(p.start, p.end) >= MIN_WINDOW)
    return tuple(windows)


def _absorb_slivers(pieces: list[Window]) -> list[Window]:
    # A safe stretch that crosses noon or five must not be lost to the cut: 11:50 to 12:20
    # is one half-hour call, not two ten-minute slivers that are each too short to offer.
    # The sliver joins its longer neighbour and takes that neighbour's band.
    pieces = list(pieces)
    while len(pieces) > 1:
        short = [i for i, p in enumerate(pieces) if _span(p.start, p.end) < MIN_WINDOW]
        if not short:
            break
        i = short[0]
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
        j = max(neighbours, key=lambda k: _span(pieces[k].start, pieces[k].end))
        keep, sliver = pieces[j], pieces[i]
        pieces[j] = Window(keep.band, min(keep.start, sliver.start), max(keep.end, sliver.end))
        del pieces[i]
    return pieces


def _bands(day: dt.date, opens: dt.datetime, closes: dt.datetime) -> list[Window]:
    weekend = WEEKEND_BANDS.get(day.weekday())
    if weekend:
        return [Window(weekend, opens, closes)]
    # The cuts sit at noon and five; a Hub that opens early or closes late has a longer
    # morning or evening rather than hours that belong to no band.
    noon = dt.datetime.combine(day, NOON, tzinfo=LONDON)
    five = dt.datetime.combine(day, FIVE_PM, tzinfo=LONDON)
    cuts = (("morning", opens, noon), ("afternoon", noon, five), ("evening", five, closes))
    return [Window(band, max(start, opens), min(end, closes)) for band, start, end in cuts]


def _safe_intervals(
    day: dt.date, safe: tuple[_SafeTime, ...]
) -> list[tuple[dt.datetime, dt.datetime]]:
    # Overlapping or touching safe times are merged, so that a call may run across them and
    # no stretch is offered twice.
    pieces = sorted((t.start, t.end) for t in safe if day.weekday() in t.weekdays)
    merged: list[list[dt.time]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [
        (
            dt.datetime.combine(day, start, tzinfo=LONDON),
            dt.datetime.combine(day, end, tzinfo=LONDON),
        )
        for start, end in merged
    ]


def _parse_safe_times(safe_times: list[dict]) -> tuple[_SafeTime, ...]:
    return tuple(_parse_safe_time(entry) for entry in safe_times)


def _parse_safe_time(entry: dict) -> _SafeTime:
    try:
        days, start_text, end_text = entry["days"], entry["from"], entry["to"]
        start, end = _parse_time(start_text), _parse_time(end_text)
        weekdays = safe_days(days)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"A safe time must look like "
            f'{{"days": "mon-fri", "from": "09:00", "to": "12:00"}}, not {entry!r}.'
        ) from exc
    if end <= start:
        raise ValueError(f"A safe time must end after it starts, not {entry!r}.")
    return _SafeTime(weekdays, start, end, f"{days} {start_text} to {end_text}")


def safe_days(spec: str) -> frozenset[int]:
    """The weekdays (Monday 0) a safe time's ``days`` names: "mon", "mon-fri" or "fri-mon".

    A range that runs past Sunday wraps round the week, as a victim who says "Friday to
    Monday" means the long weekend. Raises ``ValueError`` for anything else.
    """
    first, dash, last = spec.partition("-")
    if first not in DAY_KEYS or (dash and last not in DAY_KEYS):
        raise ValueError(f'days must be a day or a range such as "mon-fri", not {spec!r}')
    start = DAY_KEYS.index(first)
    length = (DAY_KEYS.index(last) - start) % 7 + 1 if dash else 1
    return frozenset((start + i) % 7 for i in range(length))


def _parse_time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    if len(hours) != 2 or len(minutes) != 2:
        raise ValueError(value)
    return dt.time(int(hours), int(minutes))


def _parse_earlier(earlier: Sequence[tuple[str, dt.date]]) -> frozenset[tuple[str, dt.date]]:
    # A band that is not a contact band (a call back at a time the victim chose, say) is
    # kept as it is: it matches no window, so it neither blocks a slot nor counts as tried.
    taken = set()
    for band, day in earlier:
        # A datetime is a date too, but would never equal a window's day and so would
        # silently let an attempt repeat a (band, day).
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise ValueError(f"An earlier attempt's day must be a local date, not {day!r}.")
        taken.add((band, day))
    return frozenset(taken)


def _utc(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime: the Hub plans in aware datetimes only")
    return moment.astimezone(dt.UTC)


def _span(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    # Subtracting two Europe/London datetimes compares wall clocks; in UTC the span is real.
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


def _nothing_fits(
    safe: tuple[_SafeTime, ...], earliest: dt.datetime, *, tried_every_band: bool
) -> str:
    first = earliest.astimezone(LONDON).date()
    last = first + dt.timedelta(days=HORIZON_DAYS - 1)
    stretch = f"between {_long_date(first)} and {_long_date(last)}"
    if not safe:
        return f"The Hub is not open for calls at any time {stretch}: check its opening hours."
    said = "; ".join(t.text for t in safe)
    if tried_every_band:
        return (
            f"No call can be planned {stretch}: the victim's safe times ({said}) meet the "
            "Hub's opening hours only in bands and days already tried. Check the safe times "
            "with the victim or the referrer, or write to the victim instead."
        )
    return (
        f"No call can be planned {stretch}: the victim's safe times ({said}) never fall "
        "within the Hub's opening hours. Check the safe times with the victim or the "
        "referrer, or write to the victim instead."
    )


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"
