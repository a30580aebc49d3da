"""The right to rectification: a victim's details corrected from their case page, with the
reason, on the timeline and in the audit log (the field names, never the values)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.models import CaseEvent
from casework.rectification import correct_victim_details
from hub.errors import DomainError
from hub.models import AuditAction, AuditEvent
from referrals.models import Person
from tests.conftest import as_user
from tests.factories import local, make_case

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 24, 11)


def test_a_correction_changes_only_what_was_wrong_and_logs_the_field_names(force, vcc):
    case = make_case(force)
    changed = correct_victim_details(
        case,
        values={"phone": "07700 900456", "email": "amira@example.org", "postcode": "PE2 2BB"},
        reason="Victim called with her new number and address",
        by=vcc,
        now=NOW,
    )
    assert changed == ["phone", "postcode"]
    person = Person.objects.get(pk=case.person_id)
    assert (person.phone, person.email, person.postcode) == (
        "07700 900456",
        "amira@example.org",
        "PE2 2BB",
    )
    logged = AuditEvent.objects.get(action=AuditAction.ALTERATION, object_type="person")
    assert logged.fields == ["phone", "postcode"]
    assert "900456" not in logged.reason
    assert CaseEvent.objects.filter(case=case, reason__startswith="Corrected the victim's").exists()


def test_nothing_changed_writes_nothing_and_a_reason_is_needed(force, vcc):
    case = make_case(force)
    before = AuditEvent.objects.count()
    assert (
        correct_victim_details(case, values={"phone": "07700 900123"}, reason="x", by=vcc, now=NOW)
        == []
    )
    assert AuditEvent.objects.count() == before
    with pytest.raises(DomainError, match="Say why"):
        correct_victim_details(case, values={"phone": "1"}, reason=" ", by=vcc, now=NOW)


def test_a_new_name_relinks_and_is_refused_where_another_record_has_it(force, vcc):
    case = make_case(force)
    make_case(force, given_name="Amina", crime_reference="35/2/26")
    with pytest.raises(DomainError, match="Another victim's record"):
        correct_victim_details(
            case, values={"given_name": "Amina"}, reason="Misspelt", by=vcc, now=NOW
        )
    assert Person.objects.get(pk=case.person_id).given_name == "Amira"
    correct_victim_details(
        case, values={"date_of_birth": dt.date(1984, 3, 3)}, reason="Typo", by=vcc, now=NOW
    )
    assert Person.objects.get(pk=case.person_id).match_key.endswith("1984-03-03")


def test_the_page_corrects_details_and_explains_bad_input(force, vcc):
    case = make_case(force)
    alice = as_user(vcc)
    url = f"/cases/{case.reference}/details/"
    form = alice.get(url)
    assert form.status_code == 200
    assert 'value="07700 900123"' in form.text
    fields = {
        "given_name": "Amira",
        "family_name": "Khan",
        "date_of_birth": "1984-03-02",
        "phone": "07700 900123",
        "email": "amira@example.org",
        "address_line1": "1 High Street",
        "town": "Peterborough",
        "postcode": "PE1 1AA",
    }
    bad = alice.post(url, {**fields, "postcode": "NOT A CODE", "reason": "Moved"})
    assert bad.status_code == 400
    assert "Enter a real postcode" in bad.text
    done = alice.post(url, {**fields, "postcode": "pe3 3cc", "reason": "Moved house"})
    assert done.status_code == 302
    assert Person.objects.get(pk=case.person_id).postcode == "PE3 3CC"
