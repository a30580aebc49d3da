"""Each action of the DVNA, the plan and the volunteers, with its statements pinned: a
change is a few statements whatever the size of the case or the plan."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casework import plans, volunteers
from casework import services as casework
from casework.models import Case
from casework.plan_models import OnwardReferral, PlanAction, PlanGoal, PlanReview
from casework.volunteer_models import Volunteer, VolunteerAssignment
from tests.conftest import as_user
from tests.factories import UserFactory, make_case, make_service, supported_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_plan_and_volunteer_action_takes_a_pinned_number_of_statements(
    force, vcc, django_assert_max_num_queries
):
    # Given a supported case with a plan already holding several of everything
    case = supported_case(force, vcc, now=NOW)
    Case.objects.filter(pk=case.pk).update(responsible=vcc)
    services = [make_service(force, name=f"Service {n}") for n in range(3)]
    for n in range(3):
        goal = plans.add_goal(case, need="safety", description=f"Goal {n}", by=vcc, now=NOW)
        plans.add_action(goal, description="Step", owner=vcc, due_on=NOW.date(), by=vcc, now=NOW)
    helper = Volunteer.objects.create(
        user=UserFactory(force=force, role="Volunteer"),
        vetted_until=dt.date(2027, 1, 1),
        trained_until=dt.date(2027, 1, 1),
    )
    browser = as_user(vcc)
    browser.get("/")  # warm the session
    goal = PlanGoal.objects.first()
    base = f"/cases/{case.reference}/plan"
    # When each action is posted, then it takes at most its pinned statements: the
    # session, user, device and roles (4), the case (1), the change with its timeline and
    # audit rows, the message and the rolling session's save (3), the same whatever the
    # plan already holds
    steps = [
        (f"{base}/goals/", {"need": "health", "description": "Sleep"}, 14),
        (f"{base}/goals/{goal.pk}/status/", {"status": "achieved"}, 16),
        (
            f"{base}/goals/{goal.pk}/actions/",
            {"description": "Call", "owner": str(vcc.pk), "due_on": "2026-11-30"},
            18,
        ),
        (lambda: f"{base}/actions/{PlanAction.objects.first().pk}/done/", {}, 17),
        (f"{base}/reviews/", {"due_on": "2026-11-30"}, 14),
        (
            lambda: f"{base}/reviews/{PlanReview.objects.get().pk}/",
            {"note": "Going well", "next_on": "2026-12-14"},
            22,
        ),
        (f"{base}/exit/", {"text": "Counselling in place"}, 14),
        (
            f"{base}/onward/",
            {"service": str(services[0].pk), "reason": "Talk", "shared": ["name"]},
            14,
        ),
        (
            lambda: f"{base}/onward/{OnwardReferral.objects.get().pk}/",
            {"status": "accepted"},
            15,
        ),
        (f"{base}/cica/", {}, 13),
        (f"{base}/cica/update/", {"status": "helping"}, 15),
        (
            f"/cases/{case.reference}/volunteer/assign/",
            {"volunteer": helper.pk, "brief": "Visits"},
            19,
        ),
        (
            lambda: (
                f"/cases/{case.reference}/volunteer/{VolunteerAssignment.objects.get().pk}/end/"
            ),
            {},
            17,
        ),
    ]
    for path, data, most in steps:
        url = path() if callable(path) else path
        with django_assert_max_num_queries(most, info=url):
            response = browser.post(url, data)
        assert response.status_code == 302, url


def test_the_dvna_and_closure_actions_take_a_pinned_number_of_statements(
    force, vcc, django_assert_max_num_queries
):
    case = make_case(force, now=NOW - dt.timedelta(hours=1))
    case = casework.record_contact_made(case, by=vcc, now=NOW)
    case = casework.start_assessment(case, by=vcc, now=NOW)
    browser = as_user(vcc)
    browser.get("/")
    scores = {"health": "3", "coping": "3", "safety": "3", "empowerment": "3"}
    with django_assert_max_num_queries(16):
        browser.post(f"/cases/{case.reference}/dvna/start/")
    with django_assert_max_num_queries(23):
        browser.post(f"/cases/{case.reference}/dvna/outcomes/", scores)
    for category in ("health", "outlook", "social"):
        with django_assert_max_num_queries(21, info=category):
            browser.post(f"/cases/{case.reference}/dvna/{category}/", {"level": "low"})
    with django_assert_max_num_queries(15):
        browser.post(f"/cases/{case.reference}/dvna/complete/")  # refused: steps missing
    case.refresh_from_db()
    assert volunteers.matches(case, today=NOW.date()) == []
