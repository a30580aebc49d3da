"""The working-day clock: Victims' Code deadlines and the Hub's opening hours.

Working days are Monday to Friday less the bank holidays of England and Wales (from the
``holidays`` package, offline). Saturday opening counts for contact, never for Code
deadlines. A deadline falls due at the Hub's closing time on its day, in Europe/London,
and is stored in UTC: so a deadline's UTC hour moves with the clocks, its local hour never.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OPENING_HOURS: dict[str, tuple[str, str] | None] = {
    "mon": ("08:00", "20:00"),
    "tue": ("08:00", "20:00"),
    "wed": ("08:00", "20:00"),
    "thu": ("08:00", "20:00"),
    "fri": ("08:00", "20:00"),
    "sat": ("09:00", "17:00"),
    "sun": None,
}


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share their bank holidays; Scotland and Northern Ireland differ.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def local_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the Hub works in aware datetimes only")
    return moment.astimezone(LONDON).date()


def _parse_time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class OpenPeriod:
    opens: dt.datetime
    closes: dt.datetime


class WorkingCalendar:
    """A force's calendar: working days for deadlines, opening periods for contact."""

    def __init__(self, opening_hours: dict | None = None):
        hours = DEFAULT_OPENING_HOURS if opening_hours is None else opening_hours
        self._hours: dict[str, tuple[dt.time, dt.time] | None] = {}
        for key in DAY_KEYS:
            pair = hours.get(key)
            if not pair:
                self._hours[key] = None
                continue
            opens, closes = _parse_time(pair[0]), _parse_time(pair[1])
            if closes <= opens:
                raise ValueError(f"{key}: closing time must be after opening time")
            self._hours[key] = (opens, closes)
        if not any(self._hours[key] for key in DAY_KEYS[:5]):
            raise ValueError("the Hub must open on at least one weekday")

    @staticmethod
    def is_working_day(day: dt.date) -> bool:
        return day.weekday() < 5 and not is_bank_holiday(day)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        current = day
        remaining = count
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def closing_time(self, day: dt.date) -> dt.datetime:
        """The Hub's closing time on ``day`` as an aware datetime (weekday hours)."""
        hours = self._hours[DAY_KEYS[day.weekday()]] or self._latest_weekday_hours()
        return dt.datetime.combine(day, hours[1], tzinfo=LONDON)

    def deadline(self, received: dt.datetime, working_days: int) -> dt.datetime:
        """Closing time on the ``working_days``-th working day after the day of ``received``."""
        return self.closing_time(self.add_working_days(local_date(received), working_days))

    def open_period(self, day: dt.date) -> OpenPeriod | None:
        """When the Hub is open for contact on ``day``: Saturdays count, bank holidays do not."""
        hours = self._hours[DAY_KEYS[day.weekday()]]
        if hours is None or is_bank_holiday(day):
            return None
        return OpenPeriod(
            opens=dt.datetime.combine(day, hours[0], tzinfo=LONDON),
            closes=dt.datetime.combine(day, hours[1], tzinfo=LONDON),
        )

    def _latest_weekday_hours(self) -> tuple[dt.time, dt.time]:
        return max((h for h in (self._hours[k] for k in DAY_KEYS[:5]) if h), key=lambda h: h[1])


def calendar_for(opening_hours: dict | None) -> WorkingCalendar:
    """The calendar for these opening hours, built once a process for each set of hours.

    A force's hours change a few times a year, while intake asks for its calendar for
    every referral (and a batch for 500): a calendar is immutable, so it is shared.
    """
    try:
        key = None if opening_hours is None else _hours_key(opening_hours)
        return _calendar_for(key)
    except (AttributeError, TypeError):  # not the usual shape: its own calendar
        return WorkingCalendar(opening_hours)


def _hours_key(hours: dict) -> tuple:
    return tuple(
        (day, tuple(pair) if isinstance(pair, list) else pair) for day, pair in hours.items()
    )


@lru_cache(maxsize=64)
def _calendar_for(key: tuple | None) -> WorkingCalendar:
    return WorkingCalendar(None if key is None else dict(key))
