"""The working-day clock: bank holidays, weekends, Saturdays and both 2026 clock changes."""

import datetime as dt

import pytest

from hub.calendar import LONDON, WorkingCalendar, local_date

UTC = dt.UTC
calendar = WorkingCalendar()


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "days", "due_local_date"),
    [
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April are not working days.
        (dt.datetime(2026, 4, 2, 10, tzinfo=LONDON), 1, dt.date(2026, 4, 7)),
        (dt.datetime(2026, 4, 2, 10, tzinfo=LONDON), 5, dt.date(2026, 4, 13)),
        # The late-summer bank holiday weekend.
        (dt.datetime(2026, 8, 28, 16, tzinfo=LONDON), 1, dt.date(2026, 9, 1)),
        (dt.datetime(2026, 8, 29, 11, tzinfo=LONDON), 2, dt.date(2026, 9, 2)),
        # Christmas: Friday 25th and Boxing Day observed on Monday 28th.
        (dt.datetime(2026, 12, 24, 9, tzinfo=LONDON), 1, dt.date(2026, 12, 29)),
        # A referral on a Saturday: Saturday opening never counts for Code deadlines.
        (dt.datetime(2026, 11, 21, 12, tzinfo=LONDON), 1, dt.date(2026, 11, 23)),
        # A plain week.
        (dt.datetime(2026, 11, 23, 9, tzinfo=LONDON), 5, dt.date(2026, 11, 30)),
    ],
)
def test_deadline_falls_on_the_right_working_day(received, days, due_local_date):
    due = calendar.deadline(received, days)
    assert due.astimezone(LONDON).date() == due_local_date
    assert due.astimezone(LONDON).time() == dt.time(20, 0)


def test_deadline_after_spring_clock_change_is_closing_time_in_summer_time():
    # given a referral on Friday 27 March 2026, before the clocks go forward on Sunday 29th
    received = dt.datetime(2026, 3, 27, 15, tzinfo=LONDON)
    # when it is due the next working day
    due = calendar.deadline(received, 1)
    # then it is due at 20:00 BST on Monday 30th, which is 19:00 UTC
    assert due == utc(2026, 3, 30, 19, 0)


def test_deadline_after_autumn_clock_change_is_closing_time_in_greenwich_time():
    # given a referral on Friday 23 October 2026, before the clocks go back on Sunday 25th
    received = dt.datetime(2026, 10, 23, 15, tzinfo=LONDON)
    # then the next working day's deadline is 20:00 GMT, which is 20:00 UTC
    assert calendar.deadline(received, 1) == utc(2026, 10, 26, 20, 0)


def test_received_just_after_midnight_local_counts_from_the_local_date():
    # 23:30 UTC on Thursday 26 March is still Thursday in London (GMT) ...
    assert local_date(utc(2026, 3, 26, 23, 30)) == dt.date(2026, 3, 26)
    # ... but 23:30 UTC on Monday 19 October is already Tuesday in London (BST).
    assert local_date(utc(2026, 10, 19, 23, 30)) == dt.date(2026, 10, 20)
    assert calendar.deadline(utc(2026, 10, 19, 23, 30), 1) == utc(2026, 10, 21, 19, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        local_date(dt.datetime(2026, 1, 1, 12))  # noqa: DTZ001


def test_saturday_is_open_for_contact_and_bank_holidays_and_sundays_are_not():
    saturday = calendar.open_period(dt.date(2026, 11, 21))
    assert saturday.opens.time() == dt.time(9)
    assert saturday.closes.time() == dt.time(17)
    assert calendar.open_period(dt.date(2026, 11, 22)) is None
    assert calendar.open_period(dt.date(2026, 8, 31)) is None
    monday = calendar.open_period(dt.date(2026, 11, 23))
    assert (monday.opens.hour, monday.closes.hour) == (8, 20)


def test_a_force_with_its_own_hours_closes_deadlines_at_its_own_time():
    hours = {day: ["09:00", "17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
    short = WorkingCalendar(hours)
    due = short.deadline(dt.datetime(2026, 11, 23, 9, tzinfo=LONDON), 1)
    assert due == dt.datetime(2026, 11, 24, 17, 30, tzinfo=LONDON)


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": ["20:00", "08:00"]},
        {"sat": ["09:00", "17:00"]},
        {"mon": ["8am", "8pm"]},
    ],
)
def test_impossible_opening_hours_are_refused(hours):
    with pytest.raises((ValueError, TypeError)):
        WorkingCalendar(hours)
