"""The sign-in page and the VCC's work queue."""

import pytest
from django.urls import reverse

from casework import services
from tests.conftest import sign_in
from tests.factories import ForceFactory, UserFactory, local, make_case


def test_anonymous_visitor_at_the_root_is_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Sign in to the Victims&#x27; Hub" in page.content.decode()


def test_my_work_lists_my_cases_most_urgent_first_with_reasons(client, force, vcc, teammate):
    # given three cases of mine with different deadlines, and one of a teammate's
    later = make_case(force, crime_reference="35/1/26", given_name="Later", now=local(2026, 11, 23))
    urgent = make_case(
        force,
        crime_reference="35/2/26",
        given_name="Urgent",
        date_of_birth=None,
        offence_code="19",
        now=local(2026, 11, 23),
    )
    theirs = make_case(
        force, crime_reference="35/3/26", given_name="Theirs", now=local(2026, 11, 23)
    )
    for case, who in ((later, vcc), (urgent, vcc), (theirs, teammate)):
        case.responsible = who
        case.save(update_fields=["responsible"])
    sign_in(client, vcc)
    # when I open my work
    response = client.get(reverse("my-work"))
    # then my cases are listed, most urgent first, with the reasons, and not my teammate's
    body = response.content.decode()
    assert body.index(urgent.reference) < body.index(later.reference)
    assert theirs.reference not in body
    assert "victim of the most serious crime: Rape" in body


def test_restricted_cases_are_hidden_unless_named_and_other_forces_never_show(
    client, force, vcc, teammate
):
    restricted = make_case(force, crime_reference="35/9/26")
    restricted.restricted = True
    restricted.save(update_fields=["restricted"])
    other_force = ForceFactory(code="BEDS", name="Bedfordshire Police", hub_name="Beds Hub")
    elsewhere = make_case(other_force, crime_reference="40/1/26")
    sign_in(client, teammate)
    body = client.get(reverse("my-work")).content.decode()
    assert restricted.reference not in body
    assert elsewhere.reference not in body
    restricted.named_staff.add(teammate)
    body = client.get(reverse("my-work")).content.decode()
    assert restricted.reference in body


@pytest.mark.parametrize("cases", [1, 30])
def test_my_work_query_count_does_not_grow_with_cases(
    client, force, vcc, django_assert_max_num_queries, cases
):
    for n in range(cases):
        case = make_case(
            force, crime_reference=f"35/{n}/26", given_name=f"Victim{n}", date_of_birth=None
        )
        if n % 2:
            case.responsible = vcc
            case.save(update_fields=["responsible"])
    sign_in(client, vcc)
    # session, user, authenticator, roles; two counts and two lists; the plans' reviews,
    # actions and referrals to chase (3); the rolling session's save (with its savepoint):
    # 14, whatever the number of cases
    with django_assert_max_num_queries(14):
        response = client.get(reverse("my-work"))
    assert response.status_code == 200


def test_closed_cases_leave_the_queue(client, force, vcc):
    case = make_case(force)
    case.responsible = vcc
    case.save(update_fields=["responsible"])
    services.close_case(case, reason="duplicate", by=vcc, now=local(2026, 11, 23, 12))
    sign_in(client, vcc)
    assert case.reference not in client.get(reverse("my-work")).content.decode()


def test_people_without_a_case_role_see_no_cases(client, force):
    make_case(force)
    analyst = UserFactory(force=force, role="Analyst", username="analyst1")
    sign_in(client, analyst)
    body = client.get(reverse("my-work")).content.decode()
    assert "VH-" not in body


def test_health_answers_when_the_database_does(client, db):
    assert client.get("/healthz/").json() == {"status": "ok"}
