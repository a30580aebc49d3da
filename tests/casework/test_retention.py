"""Retention: a review date at closure, the daily list of reviews due, erasure that keeps
no erased content, and a legal hold that stops it (frozen time throughout)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.models import Case, CaseEvent, CaseEventKind
from casework.retention import (
    erase_case,
    lift_legal_hold,
    list_retention_reviews,
    place_legal_hold,
)
from casework.services import add_case_note, close_case, reopen_case
from hub.errors import DomainError
from hub.models import AuditAction, AuditEvent
from letters.models import Letter
from referrals.models import Person
from tests.conftest import as_user
from tests.factories import local, make_case

pytestmark = pytest.mark.django_db

CLOSED = local(2026, 11, 24, 15)
REVIEW = dt.date(2032, 11, 24)  # six years on
AFTER = local(2032, 11, 25, 9)


def closed(case, by):
    close_case(case, reason=case.allowed_closure_reasons()[0], by=by, now=CLOSED)
    case.refresh_from_db()
    return case


@pytest.fixture
def due_case(force, vcc):
    case = make_case(force, now=CLOSED - dt.timedelta(days=1))
    add_case_note(case, text="She told me about the threats in detail.", by=vcc, now=CLOSED)
    return closed(case, vcc)


def test_a_closed_case_is_reviewed_six_years_on(due_case):
    assert due_case.retention_review_on == REVIEW


def test_serious_harm_is_kept_longer_and_a_child_until_25(force, vcc):
    abuse = closed(make_case(force, domestic_abuse=True, crime_reference="1/1"), vcc)
    assert abuse.retention_review_on == dt.date(2036, 11, 24)
    child = closed(
        make_case(
            force,
            given_name="Ben",
            date_of_birth=dt.date(2015, 6, 1),
            crime_reference="1/2",
            parent_guardian={"name": "Ann Khan", "relationship": "mother", "phone": "07700900999"},
        ),
        vcc,
    )
    assert child.retention_review_on == dt.date(2040, 6, 1)


def test_reopening_clears_the_review_and_erased_cases_do_not_reopen(due_case, vcc, manager):
    reopen_case(due_case, by=vcc, now=CLOSED + dt.timedelta(days=1), reason="New threats")
    due_case.refresh_from_db()
    assert due_case.retention_review_on is None


def test_the_daily_list_puts_each_due_review_on_its_timeline_once(due_case, force, vcc, manager):
    held = closed(make_case(force, family_name="Held", crime_reference="2/1"), vcc)
    place_legal_hold(held, reason="Civil claim pending", by=manager, now=CLOSED)
    # not yet due the day before
    assert list_retention_reviews(now=local(2032, 11, 23, 6)) == 0
    # due on the day, listed once, the held case not at all
    assert list_retention_reviews(now=AFTER) == 1
    assert list_retention_reviews(now=AFTER + dt.timedelta(days=1)) == 0
    listed = CaseEvent.objects.filter(kind=CaseEventKind.RETENTION, case=due_case).get()
    assert "24 November 2032" in listed.reason


def test_erasure_keeps_no_erased_content_and_says_that_it_happened(due_case, manager):
    person_id = due_case.person_id
    fields = erase_case(due_case, by=manager, now=AFTER)
    person = Person.objects.get(pk=person_id)
    assert (person.given_name, person.family_name, person.date_of_birth) == ("Erased", "", None)
    assert (person.phone, person.email, person.postcode, person.match_key) == ("", "", "", "")
    texts = " ".join(CaseEvent.objects.filter(case=due_case).values_list("reason", flat=True))
    assert "threats" not in texts
    assert "Personal data erased after the retention review." in texts
    assert all(letter.content == {} for letter in Letter.objects.filter(case=due_case))
    erasure = AuditEvent.objects.get(action=AuditAction.ERASURE, case_id=due_case.pk)
    assert erasure.actor == manager
    assert {"given_name", "phone", "timeline_text", "letter_content"} <= set(erasure.fields)
    assert set(fields) == set(erasure.fields)
    # what the reports count is kept
    kept = Case.objects.get(pk=due_case.pk)
    assert (kept.state, kept.priority, kept.closed_at) == ("closed", due_case.priority, CLOSED)
    assert kept.erased_at == AFTER
    # and it happens once
    with pytest.raises(DomainError, match="erased already"):
        erase_case(due_case, by=manager, now=AFTER)
    with pytest.raises(DomainError, match="erased"):
        reopen_case(kept, by=manager, now=AFTER, reason="Victim called")


def test_erasure_is_refused_before_the_review_and_under_a_legal_hold(due_case, manager, vcc):
    with pytest.raises(DomainError, match="kept until 24 November 2032"):
        erase_case(due_case, by=manager, now=local(2032, 11, 23, 9))
    place_legal_hold(due_case, reason="Inquest pending", by=manager, now=CLOSED)
    with pytest.raises(DomainError, match="A legal hold keeps this case: Inquest pending"):
        erase_case(due_case, by=manager, now=AFTER)
    with pytest.raises(DomainError, match="Only a manager"):
        erase_case(due_case, by=vcc, now=AFTER)
    assert Person.objects.get(pk=due_case.person_id).given_name == "Amira"
    lift_legal_hold(due_case, by=manager, now=AFTER)
    erase_case(due_case, by=manager, now=AFTER)
    assert Person.objects.get(pk=due_case.person_id).given_name == "Erased"


def test_a_victim_with_another_case_still_kept_keeps_their_record(due_case, force, manager):
    # the same person (name and date of birth), referred again for another crime
    make_case(force, crime_reference="35/999/26", now=CLOSED + dt.timedelta(days=30))
    erase_case(due_case, by=manager, now=AFTER)
    assert Person.objects.get(pk=due_case.person_id).given_name == "Amira"
    erasure = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert "given_name" not in erasure.fields


def test_the_retention_page_is_a_managers_and_erases_from_the_list(
    due_case, manager, vcc, django_assert_max_num_queries, time_machine
):
    time_machine.move_to(AFTER)
    carol = as_user(manager)
    with django_assert_max_num_queries(12):
        page = carol.get("/retention/")
    assert page.status_code == 200
    assert due_case.reference in page.text
    assert as_user(vcc).get("/retention/").status_code == 404
    # a hold needs a reason
    refused = carol.post(f"/retention/{due_case.reference}/hold/", {"reason": ""}, follow=True)
    assert "Say why the case must be kept." in refused.text
    done = carol.post(f"/retention/{due_case.reference}/erase/", follow=True)
    assert "personal data erased" in done.text
    assert due_case.reference not in done.text.split("Reviews due")[1].split("Kept by")[0]


def test_erasure_blanks_the_assessment_plan_referrals_and_volunteers_words(force, vcc, manager):
    # Given a supported victim with everything a plan holds, in words that name people
    from assessments.models import DvnaNeed
    from assessments.services import record_outcome_scores
    from casework import plans, volunteers
    from casework.plan_models import CarePlan, OnwardReferral, PlanAction, PlanGoal
    from casework.services import begin_closure
    from casework.volunteer_models import Volunteer, VolunteerAssignment, VolunteerContact
    from tests.factories import ALL_FOURS, UserFactory, make_service, supported_case

    at = CLOSED - dt.timedelta(days=2)
    case = supported_case(force, vcc, now=at)
    DvnaNeed.objects.filter(dvna__case=case).update(notes="Her brother Tom threatens her.")
    goal = plans.add_goal(case, need="safety", description="Safe from Tom", by=vcc, now=at)
    plans.add_action(
        goal, description="Tell Tom's landlord", owner=vcc, due_on=at.date(), by=vcc, now=at
    )
    plans.set_exit_strategy(case, text="Tom moved away.", agreed_on=None, by=vcc, now=at)
    plans.refer_onward(
        case, service=make_service(force), reason="Tom again", shared=["name"], by=vcc, now=at
    )
    helper = Volunteer.objects.create(
        user=UserFactory(force=force, role="Volunteer"),
        vetted_until=REVIEW,
        trained_until=REVIEW,
    )
    assignment = volunteers.assign_volunteer(
        case, volunteer=helper, brief="About Tom", by=vcc, now=at
    )
    volunteers.record_volunteer_contact(
        assignment,
        on=at.date(),
        kind="visit",
        minutes=30,
        note="Tom was outside",
        by=helper.user,
        now=at,
    )
    case = begin_closure(case, by=vcc, now=at)
    record_outcome_scores(case, stage="close", scores=ALL_FOURS, by=vcc, now=at)
    case = closed(case, vcc)
    # When the case is erased after its review
    fields = erase_case(case, by=manager, now=AFTER)
    # Then none of those words is left, and what the reports count is
    texts = [
        *DvnaNeed.objects.filter(dvna__case=case).values_list("notes", flat=True),
        *PlanGoal.objects.values_list("description", flat=True),
        *PlanAction.objects.values_list("description", flat=True),
        *CarePlan.objects.values_list("exit_strategy", flat=True),
        *OnwardReferral.objects.values_list("reason", flat=True),
        *VolunteerAssignment.objects.values_list("brief", flat=True),
        *VolunteerContact.objects.values_list("note", flat=True),
    ]
    assert not [text for text in texts if "Tom" in text]
    assert DvnaNeed.objects.filter(dvna__case=case, level="high").exists()
    assert VolunteerContact.objects.get().minutes == 30
    assert {"dvna.notes", "plan.goals", "volunteer.contacts"} <= set(fields)
