"""The manager's audit log: who looked at a case, what a member of staff looked at, when;
filters, and a CSV export that is itself logged."""

from __future__ import annotations

import csv
import io

import pytest

from hub.models import AuditAction, AuditEvent
from tests.conftest import as_user
from tests.factories import ForceFactory, UserFactory, local, make_case

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 23, 10)


@pytest.fixture
def looked_at(force, vcc, teammate):
    """A case Alice opened twice and Bob once, and another case only Bob opened."""
    case = make_case(force, now=NOW)
    other = make_case(force, now=NOW, family_name="Other", crime_reference="35/2/26")
    for user, seen in ((vcc, case), (vcc, case), (teammate, case), (teammate, other)):
        assert as_user(user).get(f"/cases/{seen.reference}/").status_code == 200
    return case, other


def consultations(response):
    return response.text.count('<td class="govuk-table__cell">Consultation</td>')


def test_a_manager_sees_who_looked_at_a_case(looked_at, manager):
    case, _ = looked_at
    response = as_user(manager).get("/audit/", {"case": case.reference.lower(), "action": ""})
    assert response.status_code == 200
    assert consultations(response) == 3
    assert response.text.count("vcc-alice") >= 2
    assert "vcc-bob" in response.text
    # and looking was itself logged, naming the case
    logged = AuditEvent.objects.filter(object_type="audit_log", actor=manager).get()
    assert (logged.action, logged.case_id) == (AuditAction.CONSULTATION, case.pk)


def test_a_manager_sees_what_a_member_of_staff_looked_at(looked_at, manager):
    case, other = looked_at
    response = as_user(manager).get("/audit/", {"member": "vcc-bob", "action": "consultation"})
    assert consultations(response) == 2
    assert case.reference in response.text
    assert other.reference in response.text


def test_dates_narrow_the_log_and_bad_filters_are_explained(looked_at, manager):
    carol = as_user(manager)
    assert (
        consultations(carol.get("/audit/", {"date_from": "2020-01-01", "date_to": "2020-01-02"}))
        == 0
    )
    response = carol.get("/audit/", {"date_from": "2026-12-02", "date_to": "2026-12-01"})
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.text
    response = carol.get("/audit/", {"case": "VH-1999-000001"})
    assert response.status_code == 400
    assert "No case of this force has that reference." in response.text


def test_another_forces_cases_and_staff_are_not_in_a_managers_log(looked_at, manager):
    case, _ = looked_at
    elsewhere = ForceFactory(code="ELSE")
    outsider = UserFactory(force=elsewhere, role="Manager", username="manager-else")
    response = as_user(outsider).get("/audit/", {"case": case.reference})
    assert response.status_code == 400
    assert "vcc-alice" not in as_user(outsider).get("/audit/").text


def test_the_csv_export_holds_every_matching_row_and_is_itself_logged(looked_at, manager):
    case, _ = looked_at
    response = as_user(manager).get(
        "/audit/export.csv", {"case": case.reference, "action": "consultation"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time_utc", "actor", "action"]
    assert [r[1] for r in rows[1:]] == ["vcc-alice", "vcc-alice", "vcc-bob"]
    assert {r[5] for r in rows[1:]} == {case.reference}
    export = AuditEvent.objects.get(object_type="audit_log", action=AuditAction.DISCLOSURE)
    assert export.recipient == "manager-carol"
    assert case.reference in export.reason


def test_the_log_page_takes_the_same_queries_however_many_rows(
    force, vcc, manager, django_assert_max_num_queries
):
    case = make_case(force, now=NOW)
    for _ in range(30):
        as_user(vcc).get(f"/cases/{case.reference}/")
    carol = as_user(manager)
    # session, user, authenticator, roles (and the nav's); staff list; the rows; their
    # cases' references; the audit row of looking; the session's save
    with django_assert_max_num_queries(12):
        response = carol.get("/audit/", {"case": case.reference})
    assert consultations(response) == 30


def test_only_managers_reach_the_log(looked_at, vcc):
    assert as_user(vcc).get("/audit/").status_code == 404
    assert as_user(vcc).get("/audit/export.csv").status_code == 404
