"""Every measure of reporting.measures counted exactly on a known month, and periods whose
edges are London days, clock changes included."""

from __future__ import annotations

import datetime as dt

import pytest

from reporting.figures import cases_behind, compute
from reporting.measures import BY_ID, MEASURES, Period
from tests.factories import make_case
from tests.reporting.conftest import AFTER

pytestmark = pytest.mark.django_db

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))

EXPECTED = {
    # measure: (November, October)
    "referrals_received": (7, 1),
    "referrals_domestic_abuse": (1, 0),
    "self_referrals": (1, 0),
    "victims_contacted_phone": (3, 0),
    "victims_contacted_letter_email": (2, 0),
    "victims_assessed": (2, 0),
    "victims_declined": (1, 0),
    "victims_supported": (2, 0),
    "cases_passed_to_volunteers": (1, 0),
    "contact_attempts": (5, 0),
    "contact_attempts_per_victim": (1.67, None),
    "first_contact_median_hours": (2.0, None),
    "first_contact_by_deadline_pct": (100.0, None),
    # A, B, C, D called by their deadlines; F's passed uncalled; G's is still to come;
    # I's (October) passed uncalled.
    "code_first_call_met": (4, 0),
    "code_first_call_missed": (1, 1),
    "code_information_met": (1, 0),
    "code_information_missed": (0, 0),
    "code_court_update_met": (1, 0),
    "code_court_update_missed": (0, 0),
    "letters_sent": (1, 0),
    "letters_cost_pence": (95, 0),
    "emails_sent": (3, 0),
    "emails_cost_pence": (0, 0),
    "outcome_improved_health": (1, 0),
    "outcome_improved_coping": (0, 0),
    "outcome_improved_safety": (0, 0),
    "outcome_improved_empowerment": (1, 0),
    "onward_referrals": (3, 0),
    # Caseloads and volunteers: the whole force, at the end of each period (cap 2).
    "caseworkers_at_cap": (1, 0),
    "caseworker_intake_max": (2, 0),
    "vcc_intake_mean": (1.0, 0.0),
    "volunteers_active": (1, 0),
    "volunteer_cases_active": (1, 0),
}


def test_every_measure_is_counted_exactly(november, django_assert_num_queries):
    # given the month built in conftest, folded
    # when its figures are computed, in a fixed number of statements
    with django_assert_num_queries(18):
        figures = compute(november.force.pk, NOVEMBER, now=AFTER)
    # then each one is what the month's cases make
    assert set(EXPECTED) == {m.id for m in MEASURES}
    got = {m: (figures.figures[m].value, figures.figures[m].previous) for m in EXPECTED}
    assert got == EXPECTED
    assert figures.previous_period == Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_breakdowns_split_the_totals(november):
    figures = compute(november.force.pk, NOVEMBER, now=AFTER).figures

    def split(measure, name):
        return {key: value for key, _, value, _ in figures[measure].breakdowns[name]}

    assert split("referrals_received", "source") == {"police_api": 6, "self_referral": 1}
    assert split("referrals_received", "area") == {"Peterborough": 1, "Fenland": 1, "none": 5}
    assert split("referrals_received", "category") == {"burglary": 6, "none": 1}
    assert split("victims_declined", "domestic_abuse") == {"true": 1}
    assert split("victims_supported", "domestic_abuse") == {"false": 2}
    assert split("emails_sent", "purpose") == {"court_update": 1, "closing": 1, "information": 1}
    services = {label: n for _, label, n, _ in figures["onward_referrals"].breakdowns["service"]}
    assert services == {"Counselling for victims of crime": 2, "Home security for older victims": 1}
    assert split("volunteer_cases_active", "language") == {"Polish": 1, "Arabic": 1}


def test_distance_travelled_on_the_four_outcomes(november):
    outcomes = compute(november.force.pk, NOVEMBER, now=AFTER).outcomes
    got = {o["outcome"]: (o["improved"], o["same"], o["worse"], o["mean_change"]) for o in outcomes}
    assert got == {
        "health": (1, 0, 0, 2.0),
        "coping": (0, 1, 0, 0.0),
        "safety": (0, 0, 1, -1.0),
        "empowerment": (1, 0, 0, 1.0),
    }


def test_an_area_narrows_to_the_crimes_recorded_there(november):
    figures = compute(november.force.pk, NOVEMBER, "Fenland", now=AFTER)
    assert figures.value("referrals_received") == 1
    assert figures.value("victims_supported") == 1
    assert figures.value("self_referrals") == 0
    assert figures.value("onward_referrals") == 2


def test_the_cases_behind_a_figure_are_those_it_counts(november):
    cases = november.cases
    behind = cases_behind(
        november.force.pk, BY_ID["victims_supported"], NOVEMBER, "", now=AFTER
    ).values_list("reference", flat=True)
    assert sorted(behind) == sorted([cases["A"].reference, cases["B"].reference])
    by_source = cases_behind(
        november.force.pk,
        BY_ID["referrals_received"],
        NOVEMBER,
        "",
        now=AFTER,
        breakdown="source:self_referral",
    )
    assert list(by_source.values_list("reference", flat=True)) == [cases["F"].reference]


@pytest.mark.parametrize(
    ("day", "count"),
    [
        # 2026-03-28 23:30 UTC is 23:30 GMT on the 28th; 2026-03-29 23:30 UTC is 00:30
        # BST on the 30th, so the 29th (a 23-hour day) has neither.
        (dt.date(2026, 3, 28), 1),
        (dt.date(2026, 3, 29), 0),
        (dt.date(2026, 3, 30), 1),
        # 2026-10-24 22:59 UTC is 23:59 BST on the 24th; 23:30 UTC is 00:30 BST on the
        # 25th, and 2026-10-25 23:30 UTC is 23:30 GMT, still the 25th (25 hours long).
        (dt.date(2026, 10, 24), 1),
        (dt.date(2026, 10, 25), 2),
        (dt.date(2026, 10, 26), 0),
    ],
)
def test_a_period_is_london_days_across_the_clock_changes(force, day, count):
    # given referrals received either side of each clock change's midnights
    for n, moment in enumerate(
        (
            dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 10, 24, 22, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC),
        )
    ):
        make_case(force, now=moment, family_name=f"Clock{n}", crime_reference=f"35/{n}/26")
    # when one London day is counted, then it holds those received on it
    figures = compute(force.pk, Period(day, day), now=AFTER)
    assert figures.value("referrals_received") == count


def test_the_previous_period_has_the_same_length():
    assert NOVEMBER.previous() == Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    quarter = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter.previous() == Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    week = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert week.previous() == Period(dt.date(2026, 10, 26), dt.date(2026, 11, 1))
    assert Period.last_full_month(dt.date(2026, 12, 1)) == NOVEMBER
    assert Period.last_full_month(dt.date(2027, 1, 15)) == Period(
        dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    )
