"""The case page, the restricted case's stub, and asking for and granting access.

Personas: Alice, the VCC responsible for the case; Bob, a teammate; Carol, a manager;
and outsiders (another force's VCC, a volunteer, an analyst, an administrator).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from casework.models import AccessStatus, Case, CaseAccess, CaseEvent
from referrals.inputs import SafeContactInput
from tests.conftest import as_user
from tests.factories import ForceFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(force, vcc):
    case = make_case(force, now=timezone.now() - dt.timedelta(hours=1))
    Case.objects.filter(pk=case.pk).update(responsible=vcc)
    case.refresh_from_db()
    return case


@pytest.fixture
def restricted(case):
    Case.objects.filter(pk=case.pk).update(restricted=True)
    case.refresh_from_db()
    return case


def page(user, case):
    return as_user(user).get(f"/cases/{case.reference}/")


def test_the_responsible_vcc_and_a_teammate_see_the_case_page(case, vcc, teammate):
    for user in (vcc, teammate):
        response = page(user, case)
        assert response.status_code == 200
        assert "Amira Khan" in response.text
        assert "Next call" in response.text
        assert "No answer" in response.text  # the one-click outcomes


@pytest.mark.parametrize(
    "role", ["Volunteer", "Analyst", "Administrator"], ids=lambda role: role.lower()
)
def test_roles_without_case_work_get_404(case, force, role):
    outsider = UserFactory(force=force, role=role, username=f"outsider-{role}")
    assert page(outsider, case).status_code == 404


def test_another_forces_vcc_gets_404_even_for_a_restricted_case(restricted):
    other = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="VCC")
    assert page(other, restricted).status_code == 404
    response = as_user(other).post(f"/cases/{restricted.reference}/access/", {"reason": "x"})
    assert response.status_code == 404
    assert not CaseAccess.objects.exists()


def test_the_safe_contact_banner_cannot_be_missed(force, vcc):
    case = make_case(
        force,
        now=timezone.now(),
        safe_contact=SafeContactInput(lives_with_suspect=True, interpreter="Polish"),
    )
    response = page(vcc, case)
    assert "Safe contact" in response.text
    assert "Lives with the suspect: no post, no voicemail." in response.text
    assert "Interpreter needed: Polish." in response.text


def test_a_restricted_case_shows_others_only_a_stub(restricted, teammate):
    response = page(teammate, restricted)
    assert response.status_code == 200
    assert "This case is restricted" in response.text
    # nothing about the victim, the crime or the work (in the page's content: the header
    # names the signed-in member of staff, whose made-up surname may be anything)
    content = response.text.split('id="main-content"')[1]
    for secret in ("Amira", "Khan", "07700", "High Street", "35/12345/26", "Next call"):
        assert secret not in content


def test_a_restricted_case_is_open_to_its_named_staff(restricted, vcc, teammate):
    assert "Amira Khan" in page(vcc, restricted).text  # responsible
    restricted.named_staff.add(teammate)
    assert "Amira Khan" in page(teammate, restricted).text


def test_asking_granting_using_and_expiry_of_access_are_all_logged(restricted, teammate, manager):
    bob = as_user(teammate)
    # given Bob asks for access with a reason
    response = bob.post(f"/cases/{restricted.reference}/access/", {"reason": "Covering Alice"})
    assert response.status_code == 302
    access = CaseAccess.objects.get()
    assert (access.status, access.reason) == (AccessStatus.PENDING, "Covering Alice")
    assert "You asked on" in page(teammate, restricted).text
    # when Carol, a manager, sees the request and grants it for the default 24 hours
    carol = as_user(manager)
    waiting = carol.get("/access-requests/")
    assert "Covering Alice" in waiting.text
    assert carol.post(f"/access-requests/{access.pk}/grant/", {"hours": ""}).status_code == 302
    access.refresh_from_db()
    assert access.status == AccessStatus.GRANTED
    assert access.expires_at == NOW + dt.timedelta(hours=24)
    # then Bob sees the case, and his looking is on its timeline
    assert "Amira Khan" in bob.get(f"/cases/{restricted.reference}/").text
    log = list(
        CaseEvent.objects.filter(case=restricted, kind="access").values_list("reason", flat=True)
    )
    assert any("asked to see the case: Covering Alice" in r for r in log)
    assert any("let" in r and "see the case until" in r for r in log)
    assert any("opened the case under a manager's grant" in r for r in log)
    # and a day later the grant has lapsed: the stub again
    with time_machine.travel(NOW + dt.timedelta(hours=24, minutes=1), tick=False):
        assert (
            "This case is restricted"
            in as_user(teammate).get(f"/cases/{restricted.reference}/").text
        )


def test_a_refused_request_leaves_the_stub(restricted, teammate, manager):
    access = CaseAccess.objects.create(
        case=restricted, requested_by=teammate, reason="Curious", requested_at=NOW
    )
    as_user(manager).post(f"/access-requests/{access.pk}/refuse/", {"note": "Not needed"})
    access.refresh_from_db()
    assert access.status == AccessStatus.REFUSED
    assert "This case is restricted" in page(teammate, restricted).text


def test_a_request_without_a_reason_is_refused_and_changes_nothing(restricted, teammate):
    response = as_user(teammate).post(f"/cases/{restricted.reference}/access/", {"reason": ""})
    assert response.status_code == 400
    assert "Say why you need to see this case." in response.text
    assert not CaseAccess.objects.exists()


def test_only_a_manager_of_the_force_answers_and_never_their_own_request(
    restricted, teammate, manager, vcc
):
    access = CaseAccess.objects.create(
        case=restricted, requested_by=teammate, reason="Cover", requested_at=NOW
    )
    # a VCC cannot answer
    assert as_user(vcc).post(f"/access-requests/{access.pk}/grant/").status_code == 404
    # a manager of another force cannot see the request
    elsewhere = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="Manager")
    assert as_user(elsewhere).post(f"/access-requests/{access.pk}/grant/").status_code == 404
    # a manager's own request goes to another manager
    own = CaseAccess.objects.create(
        case=restricted, requested_by=manager, reason="Mine", requested_at=NOW
    )
    as_user(manager).post(f"/access-requests/{own.pk}/grant/")
    own.refresh_from_db()
    access.refresh_from_db()
    assert own.status == access.status == AccessStatus.PENDING


def test_recording_a_call_from_the_case_page_plans_the_next(case, vcc):
    first = case.attempts.get(outcome="")
    client = as_user(vcc)
    with time_machine.travel(first.window_start + dt.timedelta(minutes=1), tick=False):
        response = client.post(
            f"/cases/{case.reference}/calls/", {"attempt": first.pk, "outcome": "no_answer"}
        )
        # a second click on the same button records nothing more
        again = client.post(
            f"/cases/{case.reference}/calls/",
            {"attempt": first.pk, "outcome": "no_answer"},
            follow=True,
        )
    assert "already been recorded" in again.text
    assert response.status_code == 302
    assert case.attempts.filter(outcome="no_answer").count() == 1
    assert case.attempts.get(outcome="").number == 2
    assert "Call 2 of 3" in page(vcc, case).text


def test_a_refused_call_outcome_says_why_and_changes_nothing(force, vcc):
    case = make_case(force, now=timezone.now(), safe_contact=SafeContactInput(voicemail=False))
    client = as_user(vcc)
    attempt = case.attempts.get(outcome="").pk
    response = client.post(
        f"/cases/{case.reference}/calls/",
        {"attempt": attempt, "outcome": "voicemail_left"},
        follow=True,
    )
    assert "no voicemail" in response.text
    assert not case.attempts.exclude(outcome="").exists()
    # a call-back without its time is sent back with the problem
    response = client.post(
        f"/cases/{case.reference}/calls/", {"attempt": attempt, "outcome": "call_back"}
    )
    assert response.status_code == 400
    assert "Give the day and time the victim asked for." in response.text


def test_the_case_page_takes_the_same_queries_however_long_the_timeline(
    case, vcc, django_assert_max_num_queries
):
    client = as_user(vcc)
    client.get(f"/cases/{case.reference}/")  # warm the session
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, kind="transition", at=NOW, reason=f"step {n}") for n in range(60)]
    )
    with django_assert_max_num_queries(14):
        response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200
