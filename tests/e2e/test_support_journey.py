"""The middle of the victim's journey in the browser: a police referral through the API,
the first call, the DVNA step by step, the cope and recovery plan with a volunteer and an
onward referral, and closure with the outcomes scored again; then the volunteer's own
view. Every page on the way is checked with axe-core (WCAG 2.2 AA).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from assessments.models import Dvna, OutcomeScores
from casework.models import Case, CaseState, ContactAttempt, NeedCategory
from casework.plan_models import OnwardReferral, PlanAction, PlanGoal
from casework.volunteer_models import Volunteer, VolunteerAssignment, VolunteerContact
from hub.models import AuditEvent
from letters.models import Letter, Purpose
from tests.e2e.conftest import PASSWORD, axe_check, sign_in
from tests.factories import UserFactory, api_client_with_token, make_service
from tests.referrals.api_payloads import referral_payload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The levels the victim's answers come to, step by step; the rest: no need.
LEVELS = {
    "health": "Medium: support from the Hub or a service",
    "safety": "High: urgent or specialist support",
    "justice": "Low: information or advice will do",
}
START = {"Health and wellbeing": 2, "Coping with everyday life": 3, "Feeling safe": 1}
CLOSE = {"Health and wellbeing": 4, "Coping with everyday life": 4, "Feeling safe": 4}


def with_sign_in(user):
    """The member of staff with a password and a confirmed authenticator app."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


@pytest.fixture
def volunteer(force):
    user = with_sign_in(
        UserFactory(force=force, role="Volunteer", first_name="Nazia", last_name="Iqbal")
    )
    return Volunteer.objects.create(
        user=user,
        languages=["ur", "pa"],
        areas=["Peterborough"],
        vetted_until=dt.date(2027, 9, 1),
        trained_until=dt.date(2027, 9, 1),
        capacity=2,
    )


@pytest.fixture
def referred(force, staff) -> Case:
    """A police referral posted to the API by the force's crime-recording system, given to
    the VCC."""
    _, token = api_client_with_token(force)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    response = api.post(
        "/api/v1/referrals/",
        json.dumps(referral_payload()),
        content_type="application/json",
        secure=True,
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["case_reference"])
    Case.objects.filter(pk=case.pk).update(responsible=staff)
    # The first call's window is brought to now: the plan may have put it later today.
    ContactAttempt.objects.filter(case=case, outcome="").update(
        window_start=timezone.now() - dt.timedelta(minutes=1)
    )
    return case


def score(page: Page, scores: dict, empowerment: int) -> None:
    for question, value in {**scores, "Feeling informed and in control": empowerment}.items():
        page.get_by_role("group", name=question).get_by_label(str(value), exact=True).check()


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def success(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_from_referral_to_closure_with_a_volunteer_and_an_onward_referral(
    page, force, staff, referred, volunteer
):
    service = make_service(force, name="Victims' counselling service")
    sign_in(page, staff)
    # Given the referral in the VCC's work
    page.get_by_role("link", name=referred.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amira Khan")
    axe_check(page)

    # When the first call reaches her and she wants support
    press(page, "Spoke: wants support")
    success(page, "Call recorded.")
    press(page, "Start the needs assessment")
    success(page, "Assessment started.")
    axe_check(page)

    # Then the DVNA is a conversation, the outcomes first and then need by need
    page.get_by_role("link", name="Needs assessment (DVNA)").click()
    axe_check(page)
    press(page, "Start the assessment")
    expect(page.get_by_role("heading", level=1)).to_have_text("How the victim is now")
    axe_check(page)
    score(page, START, empowerment=2)
    press(page, "Save and continue")
    for number, category in enumerate(NeedCategory, start=2):
        expect(page.get_by_role("heading", level=1)).to_have_text(category.label)
        expect(page.locator(".govuk-caption-l")).to_contain_text(f"step {number} of 13")
        axe_check(page)
        page.get_by_label(LEVELS.get(category.value, "No need"), exact=True).check()
        if category.value in LEVELS:
            page.get_by_label("Notes").fill(f"Said about {category.label.lower()}.")
        press(page, "Save and continue")
    # And the overview shows every step answered
    expect(page.locator("#dvna-steps")).not_to_contain_text("To do")
    axe_check(page)
    press(page, "Complete the assessment")
    success(page, "Needs assessment complete")
    press(page, "Start support")
    success(page, "Support started.")

    # When the plan is agreed: a goal from a need, an action, a review, the exit strategy
    page.get_by_role("link", name="Cope and recovery plan, onward referrals and volunteers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cope and recovery plan")
    expect(page.locator("form[action$='/plan/goals/']")).to_contain_text(
        "Mental and physical health, Personal safety and home security"
    )
    axe_check(page)
    page.get_by_label("Need", exact=True).select_option("safety")
    page.get_by_label("Goal", exact=True).fill("Feel safe at home again")
    press(page, "Add the goal")
    success(page, "Goal added.")
    page.get_by_text("Add an action").click()
    page.get_by_label("Action", exact=True).fill("Ask the home security scheme to fit locks")
    page.get_by_label("Due on").first.fill("2026-11-30")
    press(page, "Add the action")
    success(page, "Action added.")
    page.get_by_label("Review on").fill("2026-12-07")
    press(page, "Schedule a review")
    page.get_by_label("Exit strategy").fill("Locks fitted and counselling under way.")
    press(page, "Save the exit strategy")
    axe_check(page)

    # And she is referred on to counselling, passing only her name and contact details
    page.get_by_label("Service", exact=True).select_option(str(service.pk))
    page.get_by_label("Why the victim is referred").fill("Wants to talk to someone.")
    page.get_by_label("Name", exact=True).check()
    page.get_by_label("Phone, email and address").check()
    press(page, "Send the referral")
    success(page, "Onward referral sent.")
    page.locator("#onward + table").get_by_role("button", name="Accepted").click()
    expect(page.locator("#onward + table")).to_contain_text("Accepted since")
    axe_check(page)

    # And a volunteer who speaks Urdu, in her area, is matched
    page.get_by_role("link", name="Match a volunteer").click()
    expect(page.locator(".govuk-summary-card")).to_contain_text("Speaks the victim's language")
    axe_check(page)
    page.get_by_label("What Nazia Iqbal is to help with").fill("Visit weekly, in Urdu.")
    press(page, "Match Nazia Iqbal")
    success(page, "Nazia Iqbal is now supporting the victim.")

    # When support ends: closure begun, the outcomes scored again, the case closed
    page.get_by_role("link", name=f"Back to {referred.reference}").click()
    press(page, "Begin closure")
    page.get_by_role("link", name="Score the outcomes at closure").click()
    axe_check(page)
    score(page, CLOSE, empowerment=5)
    press(page, "Record the outcomes")
    success(page, "Outcomes at closure recorded.")
    page.get_by_label("Why the case is closing").select_option("support_complete")
    press(page, "Close the case")
    success(page, "Case closed.")
    axe_check(page)

    # Then everything is where it should be
    case = Case.objects.get(pk=referred.pk)
    assert (case.state, case.closure_reason) == (CaseState.CLOSED, "support_complete")
    assert Dvna.objects.get(case=case).needs.count() == 13 - 1
    start, close = (
        OutcomeScores.objects.get(case=case, stage=stage) for stage in ("start", "close")
    )
    assert (start.safety, close.safety, start.empowerment, close.empowerment) == (1, 4, 2, 5)
    assert PlanGoal.objects.get().description == "Feel safe at home again"
    assert PlanAction.objects.get().owner == staff
    referral = OnwardReferral.objects.get()
    assert (referral.status, referral.shared) == ("accepted", ["contact_details", "name"])
    assert AuditEvent.objects.filter(action="disclosure", object_type="onward_referral").exists()
    assignment = VolunteerAssignment.objects.get()
    assert assignment.ended_at is not None  # closing the case ended it
    assert Letter.objects.filter(case=case, purpose=Purpose.CLOSING).exists()


def test_a_volunteer_sees_their_assignment_and_records_a_visit(
    page, force, staff, referred, volunteer
):
    # Given the victim is supported and matched with Nazia
    from assessments import services as assessments
    from casework import services as casework
    from casework import volunteers

    now = timezone.now()
    case = casework.record_contact_made(referred, by=staff, now=now)
    case = casework.start_assessment(case, by=staff, now=now)
    assessments.open_dvna(case, by=staff, now=now)
    assignment = volunteers.assign_volunteer(
        case, volunteer=volunteer, brief="Visit weekly, in Urdu.", by=staff, now=now
    )
    # When she signs in, her work is her assignments
    sign_in(page, volunteer.user, next_url="/assignments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My assignments")
    axe_check(page)
    page.get_by_role("link", name=f"Amira ({case.reference})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supporting Amira")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Urdu")
    expect(page.locator("main")).not_to_contain_text("Khan")
    expect(page.locator("main")).not_to_contain_text("High Street")
    axe_check(page)
    # And she records a visit
    page.get_by_label("Face to face").check()
    page.get_by_label("Time spent (minutes)").fill("75")
    page.get_by_label("Note").fill("Went with her to the GP.")
    press(page, "Record the contact")
    success(page, "Contact recorded.")
    expect(page.locator("main")).to_contain_text("75 minutes")
    axe_check(page)
    assert VolunteerContact.objects.get(assignment=assignment).minutes == 75
    # And the case's own page is closed to her
    assert page.goto(f"/cases/{case.reference}/").status == 404
    expect(page.locator("body")).not_to_contain_text("Amira")


def test_the_managers_volunteers_and_the_services_directory_pass_axe(
    page, force, manager, volunteer
):
    make_service(force, name="Refuge", address="1 Secret Lane, PE1 1AA", hide_address=True)
    with_sign_in(manager)
    sign_in(page, manager, next_url="/volunteers/")
    expect(page.locator("#volunteers")).to_contain_text("Nazia Iqbal")
    axe_check(page)
    page.get_by_role("link", name="Nazia Iqbal").click()
    axe_check(page)
    page.get_by_role("link", name="Services").first.click()
    expect(page.locator("main")).to_contain_text("Address withheld (refuge)")
    expect(page.locator("main")).not_to_contain_text("Secret Lane")
    axe_check(page)
