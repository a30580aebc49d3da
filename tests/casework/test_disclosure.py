"""Disclosing a confidential self-referral to police: a manager's deliberate act, on one of
three grounds, with the reason, the recipient and what is told; logged as a disclosure."""

from __future__ import annotations

import pytest

from casework.disclosure import disclose_self_referral
from casework.models import CaseEvent, CaseEventKind
from hub.errors import DomainError
from hub.models import AuditAction, AuditEvent
from tests.conftest import as_user
from tests.factories import local, make_case, self_referral

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 24, 11)
REASON = "She said her ex-partner has a knife and means to use it tonight."
GOOD = {
    "ground": "risk_to_victim",
    "reason": REASON,
    "recipient": "DS 1234 Jones, Public Protection Unit",
    "items": ["name", "address", "account"],
}


@pytest.fixture
def confidential(force):
    return self_referral(force).case


def test_a_manager_records_a_disclosure_on_the_timeline_and_in_the_audit_log(confidential, manager):
    # when a manager discloses on the ground of a risk to the victim
    event = disclose_self_referral(confidential, **GOOD, by=manager, now=NOW)
    # then the timeline says who told whom what, and why
    assert event.kind == CaseEventKind.DISCLOSURE
    assert event.actor == manager
    assert "Disclosed to DS 1234 Jones" in event.reason
    assert "A risk to the victim" in event.reason
    # and the audit log has the disclosure, naming what was told, never its values
    logged = AuditEvent.objects.get(action=AuditAction.DISCLOSURE, case_id=confidential.pk)
    assert logged.recipient == GOOD["recipient"]
    assert logged.fields == ["account", "address", "name"]
    assert logged.reason == f"A risk to the victim: {REASON}"
    assert "Dana" not in logged.reason


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ground": "curiosity"}, "Choose the ground"),
        ({"reason": "Risk."}, "in a sentence at least"),
        ({"recipient": "  "}, "Name the officer"),
        ({"items": []}, "Choose what is disclosed"),
        ({"items": ["name", "bank_details"]}, "Choose what is disclosed"),
    ],
)
def test_a_disclosure_missing_any_part_is_refused_and_changes_nothing(
    confidential, manager, change, message
):
    with pytest.raises(DomainError, match=message):
        disclose_self_referral(confidential, **{**GOOD, **change}, by=manager, now=NOW)
    assert not CaseEvent.objects.filter(kind=CaseEventKind.DISCLOSURE).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).exists()


def test_only_a_manager_discloses_and_only_a_confidential_case(confidential, vcc, manager, force):
    with pytest.raises(DomainError, match="Only a manager"):
        disclose_self_referral(confidential, **GOOD, by=vcc, now=NOW)
    police_case = make_case(force)
    with pytest.raises(DomainError, match="not confidential from police"):
        disclose_self_referral(police_case, **GOOD, by=manager, now=NOW)


def test_the_disclosure_page_is_a_managers_on_a_confidential_case(
    confidential, vcc, manager, force, django_assert_max_num_queries
):
    url = f"/cases/{confidential.reference}/disclose/"
    carol = as_user(manager)
    # the case page offers it to the manager, and the form asks for every part
    assert url in carol.get(f"/cases/{confidential.reference}/").text
    with django_assert_max_num_queries(12):
        form = carol.get(url)
    assert form.status_code == 200
    assert "A risk of a miscarriage of justice" in form.text
    # a VCC, and any case police know of, have no such page
    assert as_user(vcc).get(url).status_code == 404
    assert url not in as_user(vcc).get(f"/cases/{confidential.reference}/").text
    assert carol.get(f"/cases/{make_case(force).reference}/disclose/").status_code == 404


def test_posting_the_form_records_it_and_a_bad_form_says_why(confidential, manager):
    url = f"/cases/{confidential.reference}/disclose/"
    carol = as_user(manager)
    refused = carol.post(url, {**GOOD, "reason": "Risk."})
    assert refused.status_code == 400
    assert "in a sentence at least" in refused.text
    assert not CaseEvent.objects.filter(kind=CaseEventKind.DISCLOSURE).exists()
    done = carol.post(url, GOOD)
    assert done.status_code == 302
    assert CaseEvent.objects.filter(kind=CaseEventKind.DISCLOSURE).count() == 1
    assert "Disclosed to DS 1234 Jones" in carol.get(done.url).text
