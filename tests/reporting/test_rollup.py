"""The figures folded by day (reporting.rollup): kept up to date by the database's
triggers whatever writes, the same as folding afresh, and exact as deadlines pass."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from casework import services
from casework.contact import record_contact_attempt
from casework.models import Case
from casework.services import caseworker_intake
from referrals.models import CrimeReport, Referral
from reporting import rollup
from reporting.figures import compute
from reporting.measures import BY_ID, CATEGORY, MEASURES, Period
from reporting.models import CASE_COLUMNS, DayAllocations, DayFigures, DayTally, StaleDay
from tests.factories import UserFactory, local, make_case
from tests.reporting.conftest import AFTER
from tests.reporting.test_measures import EXPECTED, NOVEMBER

pytestmark = pytest.mark.django_db


def _rows(model) -> list[dict]:
    rows = model.objects.values()
    return sorted(({k: v for k, v in row.items() if k != "id"} for row in rows), key=repr)


def _snapshot(force) -> dict:
    figures = compute(force.pk, NOVEMBER, now=AFTER)
    return {
        "figures": {m: (f.value, f.previous, f.breakdowns) for m, f in figures.figures.items()},
        "outcomes": figures.outcomes,
        "staff": figures.staff,
        "rows": [_rows(model) for model in (DayFigures, DayTally, DayAllocations)],
    }


def test_folding_as_cases_change_is_folding_afresh(november):
    # given a month folded as it was built (its writes marked their days)
    as_built = _snapshot(november.force)
    # when everything folded is thrown away and every day folded again
    for model in (DayFigures, DayTally, DayAllocations):
        model.objects.all().delete()
    assert rollup.mark_all() > 0
    afresh = _snapshot(november.force)
    # then the rows and every figure are the same
    assert afresh == as_built
    assert afresh["figures"]["referrals_received"][:2] == EXPECTED["referrals_received"]


def test_each_write_marks_its_day_and_the_next_read_counts_it(force, vcc, manager):
    # given a case received on the 10th, folded
    case = make_case(force, now=local(2026, 11, 10, 9), family_name="Write")
    figures = compute(force.pk, NOVEMBER, now=AFTER)
    assert figures.value("contact_attempts") == 0
    assert not StaleDay.objects.exists()

    # when a call is recorded, then its day is marked and the calls count it at once
    attempt = case.attempts.get(outcome="")
    record_contact_attempt(
        case, attempt_id=attempt.pk, outcome="no_answer", by=vcc, now=local(2026, 11, 10, 11)
    )
    assert set(StaleDay.objects.values_list("day", flat=True)) == {dt.date(2026, 11, 10)}
    assert compute(force.pk, NOVEMBER, now=AFTER).value("contact_attempts") == 1

    # when the crime's area is corrected, then the area's figures move with it
    CrimeReport.objects.filter(referrals__case=case).update(area="Fenland")
    fenland = compute(force.pk, NOVEMBER, "Fenland", now=AFTER)
    assert fenland.value("referrals_received") == 1
    assert fenland.value("contact_attempts") == 1

    # when the referral's receipt moves to another day, both days are folded again
    Referral.objects.filter(case=case).update(received_at=local(2026, 11, 20, 9))
    assert set(StaleDay.objects.values_list("day", flat=True)) == {
        dt.date(2026, 11, 10),
        dt.date(2026, 11, 20),
    }
    compute(force.pk, NOVEMBER, now=AFTER)
    days = set(DayFigures.objects.filter(force=force).values_list("day", flat=True))
    assert days == {dt.date(2026, 11, 20)}

    # when the case is allocated, its caseworker's intake counts it
    worker = UserFactory(force=force, role="Caseworker", username="cw-write")
    services.allocate_case(case, to=worker, by=manager, now=local(2026, 11, 21, 9))
    staff = compute(force.pk, NOVEMBER, now=AFTER).staff
    assert [s["intake"] for s in staff if s["name"] == worker.get_full_name()] == [1]


def test_a_missed_deadline_counts_once_it_passes_with_nothing_written(force):
    # given a case whose first call is due by the end of its next working day
    case = make_case(force, now=local(2026, 11, 30, 9), family_name="Waiting")
    due = Case.objects.get(pk=case.pk).first_contact_due
    assert due is not None
    # when the figures are read before the deadline, it is not missed
    before = compute(force.pk, NOVEMBER, now=due - dt.timedelta(minutes=1))
    assert before.value("code_first_call_missed") == 0
    # when they are read after it, with no write in between, it is
    assert rollup.refresh() == 0
    after = compute(force.pk, NOVEMBER, now=due + dt.timedelta(minutes=1))
    assert after.value("code_first_call_missed") == 1
    assert after.value("code_first_call_met") == 0


def test_a_case_given_back_and_again_counts_once_in_a_caseload(force, manager):
    # given a caseworker given a case in November 2025, and again (after it was taken
    # back) twice in 2026
    worker = UserFactory(force=force, role="Caseworker", username="cw-again")
    case = make_case(force, now=local(2025, 11, 3, 9), family_name="Again")
    for when, to in (
        (local(2025, 11, 3, 10), worker),
        (local(2025, 11, 4, 10), None),
        (local(2026, 3, 2, 10), worker),
        (local(2026, 3, 3, 10), None),
        (local(2026, 11, 2, 10), worker),
    ):
        case = services.allocate_case(case, to=to, by=manager, now=when)

    def intake(period: Period) -> int:
        staff = compute(force.pk, period, now=AFTER).staff
        (row,) = [s for s in staff if s["name"] == worker.get_full_name()]
        return row["intake"]

    # then each 12 months count the case once, whether or not the first time falls
    # inside them, as allocation's own count does (at the end of November)
    assert intake(NOVEMBER) == 1 == caseworker_intake(worker, now=NOVEMBER.end_at)
    assert intake(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))) == 1
    assert intake(Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))) == 1
    assert intake(Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31))) == 0


def test_every_case_measure_has_its_column_and_only_referrals_split_by_category():
    # The folded rows carry a column for each measure counted over cases, and the crime
    # category is tallied by itself: it may split only a figure of every case.
    assert {m.id for m in rollup.CASE_MEASURES} == set(CASE_COLUMNS)
    assert [m.id for m in MEASURES if CATEGORY in m.breakdowns] == ["referrals_received"]
    assert BY_ID["referrals_received"].q == Q()
