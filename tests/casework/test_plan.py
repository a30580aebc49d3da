"""The cope and recovery plan: goals from the assessed needs, actions with owners and
dates, reviews on my work, the exit strategy; onward referrals, tracked, chased after 14
quiet days and logged as disclosures; CICA help against its deadline.

Personas: Alice, the VCC responsible (``vcc``); Bob, her teammate; an outsider.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from casework import plans
from casework.models import Case, CaseEvent, CaseEventKind
from casework.plan_models import (
    CicaClaim,
    GoalStatus,
    OnwardReferral,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from hub.errors import PlanRefused
from hub.models import AuditEvent
from tests.conftest import as_user
from tests.factories import (
    ForceFactory,
    UserFactory,
    assessed_case,
    make_case,
    make_service,
    supported_case,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(force, vcc) -> Case:
    case = supported_case(force, vcc, now=NOW)
    Case.objects.filter(pk=case.pk).update(responsible=vcc)
    case.refresh_from_db()
    return case


def test_the_plan_page_offers_a_goal_for_each_need_the_assessment_found(case, vcc):
    page = as_user(vcc).get(f"/cases/{case.reference}/plan/").content.decode()
    assert "Needs from the assessment without a goal: Mental and physical health, " in page
    assert "Personal safety and home security" in page


def test_goals_and_actions_are_added_with_owner_and_date_and_on_the_timeline(case, vcc, teammate):
    browser = as_user(vcc)
    # When Alice adds a goal for the safety need, and an action for Bob
    browser.post(
        f"/cases/{case.reference}/plan/goals/",
        {"need": "safety", "description": "Feel safe at home again"},
    )
    goal = PlanGoal.objects.get(plan__case=case)
    response = browser.post(
        f"/cases/{case.reference}/plan/goals/{goal.pk}/actions/",
        {"description": "Arrange a lock change", "owner": str(teammate.pk), "due_on": "2026-11-27"},
    )
    # Then both are on the plan and the timeline
    assert response.status_code == 302
    action = PlanAction.objects.get(goal=goal)
    assert (action.owner, action.due_on) == (teammate, dt.date(2026, 11, 27))
    reasons = list(case.events.filter(kind=CaseEventKind.PLAN).values_list("reason", flat=True))
    assert reasons == [
        "Goal added (Personal safety and home security): Feel safe at home again",
        f"Action for {teammate.display_name}, due 27 November 2026: Arrange a lock change",
    ]
    # And the action is on Bob's work for the week
    work = as_user(teammate).get("/").content.decode()
    assert "Arrange a lock change, due 27 Nov" in work
    # And the plan page shows it
    page = browser.get(f"/cases/{case.reference}/plan/").content.decode()
    assert "Arrange a lock change" in page


def test_an_action_for_someone_outside_the_team_names_them(case, vcc):
    goal = plans.add_goal(case, need="finance", description="Replace the phone", by=vcc, now=NOW)
    as_user(vcc).post(
        f"/cases/{case.reference}/plan/goals/{goal.pk}/actions/",
        {
            "description": "Ask the insurer",
            "owner": "other",
            "owner_other": "The victim",
            "due_on": "2026-12-04",
        },
    )
    assert PlanAction.objects.get().owner_name == "The victim"


def test_an_action_without_owner_or_date_is_refused_and_saves_nothing(case, vcc):
    goal = plans.add_goal(case, need="finance", description="Replace the phone", by=vcc, now=NOW)
    response = as_user(vcc).post(
        f"/cases/{case.reference}/plan/goals/{goal.pk}/actions/",
        {"description": "Ask the insurer", "owner": "other"},
        follow=True,
    )
    body = response.content.decode()
    assert "Name who will do it." in body
    assert "Give the date it is due." in body
    assert not PlanAction.objects.exists()


def test_marking_an_action_done_twice_changes_nothing_more(case, vcc):
    goal = plans.add_goal(case, need="finance", description="Replace the phone", by=vcc, now=NOW)
    action = plans.add_action(
        goal, description="Call", owner=vcc, due_on=dt.date(2026, 11, 24), by=vcc, now=NOW
    )
    for _ in range(2):
        as_user(vcc).post(f"/cases/{case.reference}/plan/actions/{action.pk}/done/")
    assert PlanAction.objects.get().done_by == vcc
    assert case.events.filter(reason="Action done: Call").count() == 1


def test_goals_are_marked_achieved(case, vcc):
    goal = plans.add_goal(case, need="safety", description="Feel safe", by=vcc, now=NOW)
    as_user(vcc).post(
        f"/cases/{case.reference}/plan/goals/{goal.pk}/status/", {"status": "achieved"}
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED


def test_a_review_due_shows_on_my_work_and_is_recorded_with_the_next_one(case, vcc):
    browser = as_user(vcc)
    browser.post(f"/cases/{case.reference}/plan/reviews/", {"due_on": "2026-11-26"})
    review = PlanReview.objects.get()
    assert "plan review due 26 Nov" in browser.get("/").content.decode()
    # When the review is held and the next one set
    browser.post(
        f"/cases/{case.reference}/plan/reviews/{review.pk}/",
        {"note": "Sleeping better; lock fitted.", "next_on": "2026-12-10"},
    )
    review.refresh_from_db()
    assert review.note == "Sleeping better; lock fitted."
    assert list(
        PlanReview.objects.filter(done_at__isnull=True).values_list("due_on", flat=True)
    ) == [dt.date(2026, 12, 10)]
    assert "plan review due" not in browser.get("/").content.decode()
    # And recording it again is refused
    with pytest.raises(PlanRefused):
        plans.record_review(review, note="Again", by=vcc, now=NOW)


def test_a_review_in_the_past_is_refused(case, vcc):
    with pytest.raises(PlanRefused):
        plans.schedule_review(case, due_on=dt.date(2026, 11, 1), by=vcc, now=NOW)
    assert not PlanReview.objects.exists()


def test_the_exit_strategy_is_saved_with_when_it_was_agreed(case, vcc):
    as_user(vcc).post(
        f"/cases/{case.reference}/plan/exit/",
        {"text": "Counselling in place; close after the trial.", "agreed_on": "2026-11-23"},
    )
    plan = case.plans.get()
    assert plan.exit_strategy == "Counselling in place; close after the trial."
    assert plan.exit_agreed_on == dt.date(2026, 11, 23)


def test_the_plan_cannot_change_before_the_assessment_is_complete(force, vcc):
    case = make_case(force, now=NOW - dt.timedelta(hours=1))
    response = as_user(vcc).post(
        f"/cases/{case.reference}/plan/goals/",
        {"need": "safety", "description": "Feel safe"},
        follow=True,
    )
    assert "once the needs assessment is complete" in response.content.decode()
    assert not PlanGoal.objects.exists()


def test_a_plan_can_be_agreed_in_assessment_once_the_dvna_is_complete(force, vcc):
    case = assessed_case(force, vcc, now=NOW)
    goal = plans.add_goal(case, need="health", description="Sleep", by=vcc, now=NOW)
    assert goal.plan.case == case


# Onward referrals.


def test_an_onward_referral_is_a_disclosure_with_what_was_passed(case, vcc, force):
    service = make_service(force, name="Cambridgeshire Counselling")
    as_user(vcc).post(
        f"/cases/{case.reference}/plan/onward/",
        {
            "service": str(service.pk),
            "reason": "Wants counselling.",
            "shared": ["name", "contact_details"],
        },
    )
    referral = OnwardReferral.objects.get()
    assert (referral.status, referral.shared) == ("sent", ["contact_details", "name"])
    row = AuditEvent.objects.get(object_type="onward_referral")
    assert row.action == "disclosure"
    assert row.fields == ["contact_details", "name"]
    assert row.recipient == "Cambridgeshire Counselling (Cambridgeshire Victim Counselling)"
    assert case.events.filter(
        kind=CaseEventKind.ONWARD_REFERRAL,
        reason="Referred to Cambridgeshire Counselling: Wants counselling.",
    ).exists()


def test_a_second_live_referral_to_the_same_service_is_refused(case, vcc, force):
    service = make_service(force)
    plans.refer_onward(
        case, service=service, reason="Counselling", shared=["name"], by=vcc, now=NOW
    )
    with pytest.raises(PlanRefused, match="already referred"):
        plans.refer_onward(case, service=service, reason="Again", shared=["name"], by=vcc, now=NOW)
    assert OnwardReferral.objects.count() == 1


def test_another_forces_service_cannot_be_referred_to(case, vcc):
    service = make_service(ForceFactory(code="NORF", name="Norfolk"))
    response = as_user(vcc).post(
        f"/cases/{case.reference}/plan/onward/",
        {"service": str(service.pk), "reason": "Counselling", "shared": ["name"]},
        follow=True,
    )
    assert response.status_code == 200
    assert not OnwardReferral.objects.exists()


def test_an_onward_referral_goes_sent_accepted_done_and_no_other_way(case, vcc, force):
    referral = plans.refer_onward(
        case, service=make_service(force), reason="Counselling", shared=["name"], by=vcc, now=NOW
    )
    with pytest.raises(PlanRefused):
        plans.update_onward_referral(referral, status="done", note="", by=vcc, now=NOW)
    browser = as_user(vcc)
    browser.post(f"/cases/{case.reference}/plan/onward/{referral.pk}/", {"status": "accepted"})
    browser.post(f"/cases/{case.reference}/plan/onward/{referral.pk}/", {"status": "done"})
    referral.refresh_from_db()
    assert referral.status == "done"


def test_a_quiet_referral_is_chased_after_14_days_once_in_each_14(case, vcc, force):
    # Given a referral sent today
    referral = plans.refer_onward(
        case, service=make_service(force), reason="Counselling", shared=["name"], by=vcc, now=NOW
    )
    # When the daily job runs after 13 days, nothing is chased
    assert plans.chase_onward_referrals(now=NOW + dt.timedelta(days=13)) == 0
    # After 14 days it is, once, however often the job runs
    later = NOW + dt.timedelta(days=14, hours=1)
    assert plans.chase_onward_referrals(now=later) == 1
    assert plans.chase_onward_referrals(now=later) == 0
    assert plans.chase_onward_referrals(now=later + dt.timedelta(days=13)) == 0
    # And again after another 14 quiet days
    assert plans.chase_onward_referrals(now=later + dt.timedelta(days=14, hours=1)) == 1
    chases = CaseEvent.objects.filter(case=case, kind=CaseEventKind.FLAGGED)
    assert chases.count() == 2
    assert "chase the referral" in chases.first().reason
    # And once the service answers, it is not chased
    plans.update_onward_referral(referral, status="declined", note="Full", by=vcc, now=later)
    assert plans.chase_onward_referrals(now=later + dt.timedelta(days=60)) == 0


def test_a_quiet_referral_is_on_my_work_to_chase(case, vcc, force):
    plans.refer_onward(
        case,
        service=make_service(force, name="ISVA"),
        reason="Support",
        shared=["name"],
        by=vcc,
        now=NOW - dt.timedelta(days=15),
    )
    assert "chase ISVA" in as_user(vcc).get("/").content.decode()


# CICA.


@pytest.mark.parametrize(
    ("occurred", "reported", "born", "deadline"),
    [
        # An adult: two years from the incident.
        (dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(1980, 1, 1), dt.date(2028, 3, 1)),
        # A child, reported as a child: before their 20th birthday.
        (dt.date(2020, 5, 1), dt.date(2020, 5, 2), dt.date(2008, 6, 15), dt.date(2028, 6, 14)),
        # A child then, reported as an adult: two years from the report.
        (dt.date(2015, 5, 1), dt.date(2026, 9, 1), dt.date(2000, 6, 15), dt.date(2028, 9, 1)),
        # Born on 29 February, reported at 17: the day before the 20th birthday (28 Feb).
        (dt.date(2024, 1, 10), dt.date(2024, 1, 11), dt.date(2008, 2, 29), dt.date(2028, 2, 28)),
        # Age unknown: as an adult.
        (dt.date(2026, 3, 1), dt.date(2026, 3, 2), None, dt.date(2028, 3, 1)),
    ],
)
def test_the_cica_deadline(occurred, reported, born, deadline):
    got, rule = plans.cica_deadline(occurred_on=occurred, reported_on=reported, date_of_birth=born)
    assert got == deadline
    assert rule


def test_cica_help_is_recorded_with_its_deadline_and_tracked(case, vcc):
    browser = as_user(vcc)
    browser.post(f"/cases/{case.reference}/plan/cica/")
    claim = CicaClaim.objects.get(case=case)
    crime = case.referral.crime
    assert claim.deadline == (crime.occurred_on or crime.reported_on).replace(
        year=(crime.occurred_on or crime.reported_on).year + 2
    )
    page = browser.get(f"/cases/{case.reference}/plan/").content.decode()
    assert f"{claim.deadline:%-d %B %Y}" in page
    # Submitting needs its date
    response = browser.post(
        f"/cases/{case.reference}/plan/cica/update/", {"status": "submitted"}, follow=True
    )
    assert "Give the date the application was submitted." in response.content.decode()
    browser.post(
        f"/cases/{case.reference}/plan/cica/update/",
        {"status": "submitted", "submitted_on": "2026-11-23"},
    )
    claim.refresh_from_db()
    assert (claim.status, claim.submitted_on) == ("submitted", dt.date(2026, 11, 23))
    with pytest.raises(PlanRefused):
        plans.start_cica_help(case, by=vcc, now=NOW)


# Access and query counts.


def test_outsiders_and_volunteers_get_404_and_change_nothing(case, force):
    outsider = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="VCC")
    volunteer = UserFactory(force=force, role="Volunteer")
    for user in (outsider, volunteer):
        browser = as_user(user)
        assert browser.get(f"/cases/{case.reference}/plan/").status_code == 404
        response = browser.post(
            f"/cases/{case.reference}/plan/goals/", {"need": "safety", "description": "x"}
        )
        assert response.status_code == 404
    assert not PlanGoal.objects.exists()


def test_the_plan_page_query_count_is_pinned(case, vcc, force, django_assert_max_num_queries):
    browser = as_user(vcc)
    for n in range(3):
        goal = plans.add_goal(case, need="safety", description=f"Goal {n}", by=vcc, now=NOW)
        for m in range(3):
            plans.add_action(
                goal,
                description=f"Step {m}",
                owner=vcc,
                due_on=dt.date(2026, 12, 1),
                by=vcc,
                now=NOW,
            )
        plans.refer_onward(
            case,
            service=make_service(force, name=f"Service {n}"),
            reason="r",
            shared=["name"],
            by=vcc,
            now=NOW,
        )
        plans.schedule_review(case, due_on=dt.date(2026, 12, n + 1), by=vcc, now=NOW)
    browser.get(f"/cases/{case.reference}/plan/")
    with django_assert_max_num_queries(22):
        assert browser.get(f"/cases/{case.reference}/plan/").status_code == 200


def test_my_work_query_count_with_plan_work_is_pinned(case, vcc, django_assert_max_num_queries):
    browser = as_user(vcc)
    browser.get("/")
    with django_assert_max_num_queries(14):
        assert browser.get("/").status_code == 200
    assert timezone.now() == NOW
