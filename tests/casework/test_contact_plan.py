"""The contact-attempt scheduler: bands, safe times, deadlines and spreading (no database)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from casework.contact_plan import (
    HORIZON_DAYS,
    MIN_GAP,
    MIN_WINDOW,
    NoContactWindow,
    PlannedAttempt,
    Window,
    contact_windows,
    plan_attempt,
    safe_days,
)
from hub.calendar import LONDON, WorkingCalendar, local_date

CALENDAR = WorkingCalendar()
MONDAY = dt.date(2026, 10, 12)
SATURDAY = dt.date(2026, 10, 17)
SUNDAY = dt.date(2026, 10, 18)
EVENINGS_ONLY = [{"days": "mon-fri", "from": "18:30", "to": "19:00"}]


def london(day: dt.date, hours: int, minutes: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=LONDON)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def shape(windows: list[Window]) -> list[tuple[str, str, str]]:
    return [(w.band, f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in windows]


def attempts(safe_times: list[dict], after: dt.datetime, count: int = 3) -> list[PlannedAttempt]:
    """``count`` attempts in a row, each call made at the start of its window and failing."""
    planned: list[PlannedAttempt] = []
    for _ in range(count):
        earlier = [(a.band, a.start.date()) for a in planned]
        attempt = plan_attempt(CALENDAR, safe_times, after=after, deadline=None, earlier=earlier)
        planned.append(attempt)
        after = attempt.start
    return planned


# ---- contact_windows: the day's bands ----


def test_a_weekday_has_a_morning_an_afternoon_and_an_evening_within_opening_hours():
    # when the windows of an ordinary Monday are asked for, with no safe times
    windows = contact_windows(CALENDAR, MONDAY, [])

    # then they are the three bands from opening to closing
    assert shape(windows) == [
        ("morning", "08:00", "12:00"),
        ("afternoon", "12:00", "17:00"),
        ("evening", "17:00", "20:00"),
    ]
    assert all(w.start.tzinfo is LONDON and w.end.tzinfo is LONDON for w in windows)


def test_a_saturday_gives_one_saturday_band_from_nine_to_five_and_a_sunday_none():
    # when a Saturday's and a Sunday's windows are asked for
    saturday = contact_windows(CALENDAR, SATURDAY, [])
    sunday = contact_windows(CALENDAR, SUNDAY, [])

    # then Saturday is one band over its opening hours and the Hub is closed on Sunday
    assert shape(saturday) == [("saturday", "09:00", "17:00")]
    assert sunday == []


@pytest.mark.parametrize(
    "bank_holiday",
    [
        pytest.param(dt.date(2026, 8, 31), id="late-summer-bank-holiday"),
        pytest.param(dt.date(2026, 12, 25), id="christmas-day"),
        pytest.param(dt.date(2026, 12, 28), id="boxing-day-substitute"),
    ],
)
def test_a_bank_holiday_has_no_window(bank_holiday):
    # when a bank holiday's windows are asked for, then there are none
    assert contact_windows(CALENDAR, bank_holiday, []) == []


def test_a_first_attempt_skips_the_late_summer_bank_holiday():
    # given a victim safe to call on weekdays only, and a referral on the Friday evening
    weekdays = [{"days": "mon-fri", "from": "08:00", "to": "20:00"}]
    friday_evening = london(dt.date(2026, 8, 28), 19, 50)

    # when the first attempt is planned
    attempt = plan_attempt(CALENDAR, weekdays, after=friday_evening, deadline=None)

    # then it is on Tuesday morning: Monday 31 August is a bank holiday
    assert (attempt.band, attempt.start) == ("morning", london(dt.date(2026, 9, 1), 8))


def test_a_first_attempt_skips_christmas_and_the_substitute_boxing_day():
    # given a referral on Christmas Eve after the last safe moment of the day
    christmas_eve = london(dt.date(2026, 12, 24), 19, 50)

    # when the first attempt is planned
    attempt = plan_attempt(CALENDAR, [], after=christmas_eve, deadline=None)

    # then it waits for Tuesday 29 December: Friday and Monday are bank holidays, Saturday
    # 26 December is Boxing Day itself and Sunday is closed
    assert (attempt.band, attempt.start) == ("morning", london(dt.date(2026, 12, 29), 8))


@pytest.mark.parametrize(
    ("monday", "opens_utc"),
    [
        pytest.param(dt.date(2026, 3, 30), utc(2026, 3, 30, 7), id="after-clocks-go-forward"),
        pytest.param(dt.date(2026, 10, 26), utc(2026, 10, 26, 8), id="after-clocks-go-back"),
    ],
)
def test_the_monday_after_a_clock_change_still_opens_at_eight_london_time(monday, opens_utc):
    # given the Friday evening before a clock change, given in UTC, too late for a call
    friday_evening = utc(monday.year, monday.month, monday.day - 3, 19, 50)

    # when the first attempt is planned for a victim safe to call on weekdays only
    weekdays = [{"days": "mon-fri", "from": "07:00", "to": "21:00"}]
    attempt = plan_attempt(CALENDAR, weekdays, after=friday_evening, deadline=None)

    # then it opens at 08:00 in London on the Monday, whatever the hour in UTC
    assert attempt.start == opens_utc
    assert (attempt.start.hour, attempt.start.tzinfo) == (8, LONDON)
    # and the Sunday of the change is closed
    assert contact_windows(CALENDAR, monday - dt.timedelta(days=1), []) == []


def test_the_gap_between_attempts_is_two_real_hours_across_the_autumn_clock_change():
    # given a Hub that a force opens round the clock on Sundays, a first attempt the Monday
    # before, and the next planned from 00:30 on the Sunday the clocks go back (00:30 BST,
    # 23:30 UTC on the Saturday)
    calendar = WorkingCalendar({"mon": ("08:00", "20:00"), "sun": ("00:00", "23:59")})
    sunday = dt.date(2026, 10, 25)
    earlier = [("morning", sunday - dt.timedelta(days=6))]

    # when the next attempt is planned
    attempt = plan_attempt(
        calendar, [], after=london(sunday, 0, 30), deadline=None, earlier=earlier
    )

    # then it starts two real hours later, 01:30 UTC (01:30 GMT), not two hours on the wall
    # clock, which would be 02:30 GMT and three real hours
    assert attempt.band == "sunday"
    # A London time in the repeated hour never equals a UTC one (PEP 495): compare in UTC.
    assert attempt.start.astimezone(dt.UTC) == utc(2026, 10, 25, 1, 30)
    assert attempt.start - london(sunday, 0, 30).astimezone(dt.UTC) == MIN_GAP


# ---- safe times ----


def test_only_narrow_evening_safe_times_put_every_attempt_in_the_evening_on_different_days():
    # given a victim safe to call only between 18:30 and 19:00 on weekdays
    # when three attempts are planned from Monday morning
    planned = attempts(EVENINGS_ONLY, london(MONDAY, 9))

    # then each is that half hour of the evening, on three different weekdays
    days = [MONDAY + dt.timedelta(days=n) for n in range(3)]
    assert [(a.band, a.start, a.end) for a in planned] == [
        ("evening", london(day, 18, 30), london(day, 19)) for day in days
    ]


def test_a_ten_minute_safe_window_is_never_offered():
    # given a victim safe to call only for ten minutes a day
    ten_minutes = [{"days": "mon-sat", "from": "10:00", "to": "10:10"}]

    # when the day's windows are asked for, then there are none
    assert contact_windows(CALENDAR, MONDAY, ten_minutes) == []
    # and no attempt can be planned
    with pytest.raises(NoContactWindow):
        plan_attempt(CALENDAR, ten_minutes, after=london(MONDAY, 9), deadline=None)


def test_a_safe_half_hour_across_noon_is_one_window_not_two_slivers():
    # given a victim safe to call from 11:50 to 12:20
    across_noon = [{"days": "mon", "from": "11:50", "to": "12:20"}]

    # when Monday's windows are asked for
    windows = contact_windows(CALENDAR, MONDAY, across_noon)

    # then the half hour is offered whole, in the band holding most of it
    assert shape(windows) == [("afternoon", "11:50", "12:20")]


def test_a_safe_time_is_cut_to_the_opening_hours():
    # given a victim safe to call early in the morning and late at night
    early_and_late = [
        {"days": "mon-fri", "from": "06:00", "to": "08:30"},
        {"days": "mon-fri", "from": "19:00", "to": "23:00"},
    ]

    # when Monday's windows are asked for, then only the hours the Hub is open are left
    assert shape(contact_windows(CALENDAR, MONDAY, early_and_late)) == [
        ("morning", "08:00", "08:30"),
        ("evening", "19:00", "20:00"),
    ]


def test_overlapping_safe_times_are_merged_and_never_offered_twice():
    # given two safe times that overlap on Monday
    overlapping = [
        {"days": "mon-fri", "from": "09:00", "to": "11:00"},
        {"days": "mon", "from": "10:00", "to": "13:00"},
    ]

    # when Monday's windows are asked for
    windows = contact_windows(CALENDAR, MONDAY, overlapping)

    # then the stretch 09:00 to 13:00 is cut once, at noon
    assert shape(windows) == [("morning", "09:00", "12:00"), ("afternoon", "12:00", "13:00")]


def test_a_day_range_that_runs_past_sunday_wraps_round_the_week():
    # when "fri-mon" is read, then it means Friday, Saturday, Sunday and Monday
    assert safe_days("fri-mon") == {4, 5, 6, 0}
    assert safe_days("tue-thu") == {1, 2, 3}
    assert safe_days("sat") == {5}


@pytest.mark.parametrize(
    "bad",
    [
        {"days": "weekdays", "from": "09:00", "to": "12:00"},
        {"days": "mon", "from": "9am", "to": "12:00"},
        {"days": "mon", "from": "12:00", "to": "09:00"},
        {"days": "mon", "from": "09:00"},
    ],
)
def test_a_malformed_safe_time_is_refused(bad):
    # when a malformed safe time is given, then it is refused rather than guessed at
    with pytest.raises(ValueError, match="safe time"):
        contact_windows(CALENDAR, MONDAY, [bad])


def test_no_contact_window_when_the_safe_times_never_meet_the_opening_hours():
    # given a victim safe to call only on Sundays, when the Hub is closed
    sundays = [{"days": "sun", "from": "10:00", "to": "16:00"}]

    # when an attempt is planned, then staff are told why in words
    with pytest.raises(NoContactWindow, match=r"sun 10:00 to 16:00.*never fall within"):
        plan_attempt(CALENDAR, sundays, after=london(MONDAY, 9), deadline=None)
    # and the same holds for a later attempt
    with pytest.raises(NoContactWindow, match="never fall within"):
        plan_attempt(
            CALENDAR, sundays, after=london(MONDAY, 9), deadline=None, earlier=[("morning", MONDAY)]
        )


# ---- the first attempt and its deadline ----


def test_a_first_attempt_is_the_earliest_window_and_ends_by_its_deadline():
    # given a referral on Monday at 10:20, due by 11:00 the same morning
    after, deadline = london(MONDAY, 10, 20), london(MONDAY, 11)

    # when the first attempt is planned
    attempt = plan_attempt(CALENDAR, [], after=after, deadline=deadline)

    # then it starts at once and its window is cut to the deadline
    assert attempt == PlannedAttempt("morning", after, deadline, late=False)


def test_a_first_attempt_due_later_keeps_its_whole_window():
    # given a referral on Monday at 10:20, due by close on Tuesday
    after, deadline = london(MONDAY, 10, 20), london(MONDAY + dt.timedelta(days=1), 20)

    # when the first attempt is planned, then it is the rest of Monday morning, on time
    attempt = plan_attempt(CALENDAR, [], after=after, deadline=deadline)
    assert attempt == PlannedAttempt("morning", after, london(MONDAY, 12), late=False)


def test_a_first_attempt_is_late_when_the_safe_times_only_allow_after_the_deadline():
    # given a victim safe to call only on Saturday mornings, due by Tuesday's close
    saturdays = [{"days": "sat", "from": "10:00", "to": "12:00"}]
    deadline = london(MONDAY + dt.timedelta(days=1), 20)

    # when the first attempt is planned on Monday
    attempt = plan_attempt(CALENDAR, saturdays, after=london(MONDAY, 9), deadline=deadline)

    # then safety wins: the earliest safe window, on Saturday, marked late
    assert attempt == PlannedAttempt(
        "saturday", london(SATURDAY, 10), london(SATURDAY, 12), late=True
    )


def test_a_first_attempt_is_late_when_less_than_a_minimum_window_is_left_by_the_deadline():
    # given a referral at 19:50 on Monday, due by 20:00 that evening
    after, deadline = london(MONDAY, 19, 50), london(MONDAY, 20)

    # when the first attempt is planned
    attempt = plan_attempt(CALENDAR, [], after=after, deadline=deadline)

    # then ten minutes is not a window: Tuesday morning, marked late
    tuesday = MONDAY + dt.timedelta(days=1)
    assert attempt == PlannedAttempt("morning", london(tuesday, 8), london(tuesday, 12), late=True)


def test_a_first_attempt_given_in_utc_is_planned_in_london_time():
    # given the same moment in UTC and in London (British Summer Time in June)
    in_utc, in_london = utc(2026, 6, 15, 9), london(dt.date(2026, 6, 15), 10)

    # when the first attempt is planned from each, then the plans are the same, in London
    from_utc = plan_attempt(CALENDAR, [], after=in_utc, deadline=None)
    assert from_utc == plan_attempt(CALENDAR, [], after=in_london, deadline=None)
    assert from_utc.start.tzinfo is LONDON
    assert from_utc.start.hour == 10


@pytest.mark.parametrize(
    "moments",
    [
        {"after": dt.datetime(2026, 10, 12, 9), "deadline": None},  # noqa: DTZ001
        {"after": london(MONDAY, 9), "deadline": dt.datetime(2026, 10, 13, 20)},  # noqa: DTZ001
    ],
)
def test_naive_datetimes_are_refused(moments):
    # when an attempt is planned from a naive datetime, then it is refused
    with pytest.raises(ValueError, match="naive"):
        plan_attempt(CALENDAR, [], **moments)


def test_an_earlier_attempt_dated_with_a_datetime_is_refused():
    # when an earlier attempt is given a datetime instead of a local date, then it is refused,
    # as it would never match a day and the (band, day) could be tried again
    with pytest.raises(ValueError, match="local date"):
        plan_attempt(
            CALENDAR,
            [],
            after=london(MONDAY, 9),
            deadline=None,
            earlier=[("morning", london(MONDAY, 9))],
        )


def test_an_earlier_call_back_outside_the_bands_blocks_no_band():
    # given a morning attempt on Monday and then a call back the victim asked for at 12:30
    earlier = [("morning", MONDAY), ("call back", MONDAY)]

    # when the next attempt is planned after the call back fails
    attempt = plan_attempt(
        CALENDAR, [], after=london(MONDAY, 12, 30), deadline=None, earlier=earlier
    )

    # then the afternoon is still free: two hours on, at 14:30
    assert (attempt.band, attempt.start) == ("afternoon", london(MONDAY, 14, 30))


# ---- later attempts: the gap and the spreading ----


def test_three_attempts_spread_over_three_bands_when_the_safe_times_allow():
    # given a victim with no safe-time limits, first tried at 09:00 on Monday
    # when three attempts are planned
    planned = attempts([], london(MONDAY, 9))

    # then they fall in the morning, the afternoon and the evening
    assert [(a.band, a.start) for a in planned] == [
        ("morning", london(MONDAY, 9)),
        ("afternoon", london(MONDAY, 12)),
        ("evening", london(MONDAY, 17)),
    ]


def test_the_next_attempt_starts_at_least_two_hours_after_the_last():
    # given an afternoon attempt at 16:30 on Monday
    earlier = [("afternoon", MONDAY)]

    # when the next attempt is planned
    attempt = plan_attempt(
        CALENDAR, [], after=london(MONDAY, 16, 30), deadline=None, earlier=earlier
    )

    # then it is in the evening, two hours later
    assert (attempt.band, attempt.start, attempt.end) == (
        "evening",
        london(MONDAY, 16, 30) + MIN_GAP,
        london(MONDAY, 20),
    )


def test_an_attempt_too_late_in_the_evening_for_the_gap_moves_to_the_next_day():
    # given an evening attempt at 18:10 on Monday: two hours on, the Hub has closed
    earlier = [("evening", MONDAY)]

    # when the next attempt is planned
    attempt = plan_attempt(
        CALENDAR, [], after=london(MONDAY, 18, 10), deadline=None, earlier=earlier
    )

    # then it is on Tuesday morning, a band not yet tried
    assert (attempt.band, attempt.start) == ("morning", london(MONDAY + dt.timedelta(days=1), 8))


def test_a_band_already_tried_that_day_is_not_tried_again():
    # given a morning attempt at 08:00 on Monday, for a victim safe only until 11:00
    mornings = [{"days": "mon-fri", "from": "08:00", "to": "11:00"}]

    # when the next attempt is planned (the gap still leaves Monday 10:00 to 11:00)
    attempt = plan_attempt(
        CALENDAR, mornings, after=london(MONDAY, 8), deadline=None, earlier=[("morning", MONDAY)]
    )

    # then it is Tuesday's morning, not the rest of Monday's
    assert (attempt.band, attempt.start) == ("morning", london(MONDAY + dt.timedelta(days=1), 8))


def test_an_untried_band_is_taken_when_it_opens_within_three_days_with_a_window():
    # given mornings every weekday and one Friday evening hour, and a Tuesday morning attempt
    safe = [
        {"days": "mon-fri", "from": "09:00", "to": "10:00"},
        {"days": "fri", "from": "18:00", "to": "19:00"},
    ]
    tuesday, friday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=4)

    # when the next attempt is planned (Wednesday, Thursday and Friday have windows)
    attempt = plan_attempt(
        CALENDAR, safe, after=london(tuesday, 9), deadline=None, earlier=[("morning", tuesday)]
    )

    # then it waits for Friday evening, a band not yet tried
    assert (attempt.band, attempt.start) == ("evening", london(friday, 18))


def test_a_tried_band_is_repeated_on_the_next_day_when_no_untried_band_opens_within_three_days():
    # given the same safe times, and a Monday morning attempt: Friday is the fourth such day
    safe = [
        {"days": "mon-fri", "from": "09:00", "to": "10:00"},
        {"days": "fri", "from": "18:00", "to": "19:00"},
    ]

    # when the next attempt is planned
    attempt = plan_attempt(
        CALENDAR, safe, after=london(MONDAY, 9), deadline=None, earlier=[("morning", MONDAY)]
    )

    # then it is Tuesday morning rather than four days on
    assert (attempt.band, attempt.start) == ("morning", london(MONDAY + dt.timedelta(days=1), 9))


def test_a_later_attempt_is_not_bound_by_the_deadline():
    # given a missed deadline and a first attempt on Monday morning
    # when the second attempt is planned, then it is planned and never marked late
    attempt = plan_attempt(
        CALENDAR,
        [],
        after=london(MONDAY, 9),
        deadline=london(MONDAY, 10),
        earlier=[("morning", MONDAY)],
    )
    assert (attempt.band, attempt.late) == ("afternoon", False)


# ---- the property: every plan is safe, open, after `after` and on time unless late ----

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BAND_NAMES = ("morning", "afternoon", "evening", "saturday")


def _weekdays(spec: str) -> set[int]:
    # Written apart from the module's parser, so that the property does not check it against
    # itself.
    first, _, last = spec.partition("-")
    day = DAY_NAMES.index(first)
    found = {day}
    while last and DAY_NAMES[day] != last:
        day = (day + 1) % 7
        found.add(day)
    return found


def _is_safe(moment: dt.datetime, safe_times: list[dict]) -> bool:
    local = moment.astimezone(LONDON)
    clock = f"{local:%H:%M}"
    return not safe_times or any(
        local.weekday() in _weekdays(t["days"]) and t["from"] <= clock < t["to"] for t in safe_times
    )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def safe_time_entries(draw) -> dict:
    first = draw(st.sampled_from(DAY_NAMES))
    last = draw(st.one_of(st.none(), st.sampled_from(DAY_NAMES)))
    # Mostly around the opening hours, where the interesting cuts are.
    opening_hours, any_time = st.integers(7 * 60, 20 * 60), st.integers(0, 23 * 60 + 58)
    start = draw(st.one_of(opening_hours, opening_hours, any_time))
    length = draw(st.one_of(st.integers(1, 90), st.integers(15, 12 * 60)))
    return {
        "days": f"{first}-{last}" if last else first,
        "from": _hhmm(start),
        "to": _hhmm(min(start + length, 23 * 60 + 59)),
    }


@st.composite
def situations(draw):
    safe_times = draw(st.lists(safe_time_entries(), max_size=3))
    after = draw(
        st.datetimes(
            min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001
            max_value=dt.datetime(2027, 12, 1),  # noqa: DTZ001
            timezones=st.sampled_from([dt.UTC, LONDON]),
            allow_imaginary=False,
        )
    )
    # Deadlines and earlier attempts mostly close to `after`, where they change the plan.
    soon = st.timedeltas(dt.timedelta(hours=-3), dt.timedelta(hours=12))
    later = st.timedeltas(dt.timedelta(hours=-3), dt.timedelta(days=8))
    deadline = draw(st.one_of(st.none(), st.one_of(soon, later).map(lambda d: after + d)))
    today = local_date(after)
    earlier = draw(
        st.lists(
            st.tuples(
                st.sampled_from(BAND_NAMES),
                st.one_of(st.integers(0, 2), st.integers(-3, 6)).map(
                    lambda n: today + dt.timedelta(days=n)
                ),
            ),
            max_size=3,
        )
    )
    return safe_times, after, deadline, earlier


@settings(
    max_examples=200,
    deadline=None,
    database=None,
)
@given(situations())
def test_every_planned_attempt_is_safe_open_after_its_moment_and_on_time_unless_late(situation):
    # given any safe times, moment, deadline and earlier attempts
    safe_times, after, deadline, earlier = situation
    earliest = after.astimezone(dt.UTC) + MIN_GAP if earlier else after

    # when the next attempt is planned
    try:
        attempt = plan_attempt(
            CALENDAR, safe_times, after=after, deadline=deadline, earlier=earlier
        )
    except NoContactWindow:
        event("no window")
        # then, if none could be, no window was left to take within the horizon
        first_day = local_date(earliest)
        for offset in range(HORIZON_DAYS):
            day = first_day + dt.timedelta(days=offset)
            for w in contact_windows(CALENDAR, day, safe_times):
                left = w.end - max(w.start, earliest.astimezone(LONDON))
                assert (w.band, day) in earlier or left < MIN_WINDOW, (day, w)
        return

    event("later attempt" if earlier else "late first attempt" if attempt.late else "first attempt")
    # then it lies wholly inside one of its day's windows, in that window's band
    day = local_date(attempt.start)
    windows = contact_windows(CALENDAR, day, safe_times)
    assert any(
        w.band == attempt.band and w.start <= attempt.start and attempt.end <= w.end
        for w in windows
    ), attempt
    # and that day's windows come in time order without overlapping
    assert all(a.end <= b.start for a, b in itertools.pairwise(windows)), windows
    # and it is long enough, safe throughout, and inside the opening hours
    assert attempt.end - attempt.start >= MIN_WINDOW
    minute = attempt.start
    while minute < attempt.end:
        assert _is_safe(minute, safe_times), (minute, attempt)
        minute += dt.timedelta(minutes=1)
    period = CALENDAR.open_period(day)
    assert period is not None
    assert period.opens <= attempt.start
    assert attempt.end <= period.closes
    # and it starts no earlier than asked, a later one the minimum gap on, in a new (band, day)
    assert attempt.start >= earliest
    if earlier:
        assert (attempt.band, day) not in earlier
        assert not attempt.late
    # and a first attempt not marked late ends by its deadline
    elif deadline is not None and not attempt.late:
        assert attempt.end <= deadline
