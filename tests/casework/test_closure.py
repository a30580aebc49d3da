"""Closure with outcomes: the four scores again, the reason, the closing letter or email
where one is due; and the caseworkers' cap of 120 new cases a year at allocation.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from casework import services
from casework.models import Case, CaseState
from hub.errors import AllocationRefused
from letters.models import Letter, Purpose
from letters.sending import send_letter
from tests.conftest import as_user
from tests.factories import ALL_FOURS, UserFactory, make_case, supported_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)
SCORES = {"health": "5", "coping": "4", "safety": "5", "empowerment": "5"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_support_ends_with_the_outcomes_scored_again_the_reason_and_a_closing_letter(force, vcc):
    # Given a supported victim
    case = supported_case(force, vcc, now=NOW)
    browser = as_user(vcc)
    # When Alice begins closure, the case page asks for the outcomes at closure
    browser.post(f"/cases/{case.reference}/closing/", {"note": "Goals met."})
    page = browser.get(f"/cases/{case.reference}/").content.decode()
    assert "Score the outcomes at closure" in page
    # And closing as support complete is refused until they are scored
    refused = browser.post(
        f"/cases/{case.reference}/close/", {"closure_reason": "support_complete"}, follow=True
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSING
    assert "support_complete" not in refused.content.decode().split("allowed now:")[-1][:80]
    # When she scores them and closes
    browser.post(f"/cases/{case.reference}/outcomes/closing/", SCORES)
    browser.post(f"/cases/{case.reference}/close/", {"closure_reason": "support_complete"})
    # Then the case is closed with its reason, and the closing letter or email is planned
    case.refresh_from_db()
    assert (case.state, case.closure_reason) == (CaseState.CLOSED, "support_complete")
    letter = Letter.objects.get(case=case, purpose=Purpose.CLOSING)
    assert letter.trigger == "episode-1"
    # And the worker sends it by email (she gave an address, safe to use), in its words
    assert send_letter(letter.pk) == "sent by email"
    (email,) = mail.outbox
    assert email.subject == f"Your support from {force.hub_name}"
    assert "your support from us has now come to an end" in email.body
    assert case.reference in email.body


def test_a_victim_who_declined_gets_no_closing_letter(force, vcc):
    case = make_case(force, now=NOW - dt.timedelta(hours=1))
    services.close_case(case, reason="declined", by=vcc, now=NOW)
    assert not Letter.objects.filter(purpose=Purpose.CLOSING).exists()


def test_the_closing_letter_is_planned_once_even_if_closing_is_repeated(force, vcc):
    from assessments.services import record_outcome_scores

    case = supported_case(force, vcc, now=NOW)
    case = services.begin_closure(case, by=vcc, now=NOW)
    record_outcome_scores(case, stage="close", scores=ALL_FOURS, by=vcc, now=NOW)
    case = services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    with pytest.raises(Exception):  # noqa: B017, PT011 - a closed case cannot close again
        services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    assert Letter.objects.filter(purpose=Purpose.CLOSING).count() == 1


# The caseworkers' cap.


def _given(caseworker, cases: int, manager, force, *, now, start=0):
    for n in range(start, start + cases):
        case = make_case(force, now=now, crime_reference=f"35/{n}/26", given_name=f"Person{n}")
        services.allocate_case(case, to=caseworker, by=manager, now=now)


def test_a_caseworker_takes_at_most_120_new_cases_a_year(force, manager, settings):
    # Given a caseworker with the cap (3 here, to keep the test quick) already taken
    settings.CASEWORKER_CAP = 3
    caseworker = UserFactory(force=force, role="Caseworker", first_name="Sian", last_name="P")
    _given(caseworker, 3, manager, force, now=NOW - dt.timedelta(days=30))
    one_more = make_case(force, now=NOW, crime_reference="35/99/26", given_name="Late")
    # When a manager allocates one more
    response = as_user(manager).post(
        f"/cases/{one_more.reference}/allocate/", {"to": caseworker.pk}, follow=True
    )
    # Then it is refused with the reason, and the case stays unallocated
    assert "Sian P has had 3 new cases in the last 12 months" in response.content.decode()
    one_more.refresh_from_db()
    assert one_more.responsible is None


def test_the_cap_counts_twelve_months_back_and_each_case_once(force, manager, settings):
    settings.CASEWORKER_CAP = 2
    caseworker = UserFactory(force=force, role="Caseworker")
    # Cases given more than a year ago do not count
    _given(caseworker, 2, manager, force, now=NOW - dt.timedelta(days=400))
    assert services.caseworker_intake(caseworker, now=NOW) == 0
    case = make_case(force, now=NOW, crime_reference="35/50/26", given_name="Recent")
    services.allocate_case(case, to=caseworker, by=manager, now=NOW)
    # A case given back and again counts once
    services.allocate_case(case, to=None, by=manager, now=NOW)
    services.allocate_case(case, to=caseworker, by=manager, now=NOW)
    assert services.caseworker_intake(caseworker, now=NOW) == 1


def test_vccs_have_no_cap(force, manager, vcc, settings):
    settings.CASEWORKER_CAP = 1
    _given(vcc, 3, manager, force, now=NOW)
    assert Case.objects.filter(responsible=vcc).count() == 3


def test_the_cap_refuses_at_the_limit_not_before(force, manager, settings):
    settings.CASEWORKER_CAP = 2
    caseworker = UserFactory(force=force, role="Caseworker")
    _given(caseworker, 2, manager, force, now=NOW)
    with pytest.raises(AllocationRefused):
        _given(caseworker, 1, manager, force, now=NOW, start=10)
