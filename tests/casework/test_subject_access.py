"""The victim's right of access: everything held about them, prepared by staff, reviewed
for other people's information by another manager, then released as PDF and JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from casework.contact import record_contact_attempt
from casework.models import CaseEvent, SubjectAccessRequest, SubjectAccessStatus
from casework.services import add_case_note
from casework.subject_access import (
    prepare_subject_access,
    release_subject_access,
    released_content,
    released_pdf,
)
from hub.errors import DomainError
from hub.models import AuditAction, AuditEvent
from letters.models import Letter
from letters.sending import send_letter
from tests.conftest import as_user
from tests.factories import UserFactory, local, make_case
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 23, 10)
ASKED = dt.date(2026, 11, 22)


def the_note(request):
    """The timeline item of the note that names a neighbour."""
    return next(
        i for i in request.content["timeline"] if "Jo Bloggs" in i["fields"].get("what", "")
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_manager(force):
    return UserFactory(force=force, role="Manager", username="manager-dev")


@pytest.fixture
def victim(force, vcc):
    """Amira, referred twice: a call made, a note naming a neighbour, an email sent; and a
    stranger referred too, whose data must not appear."""
    first = make_case(force, now=NOW)
    second = make_case(force, now=NOW + dt.timedelta(days=2), crime_reference="35/777/26")
    attempt = first.attempts.get()
    record_contact_attempt(
        first, attempt_id=attempt.pk, outcome="no_answer", by=vcc, now=attempt.window_start
    )
    add_case_note(first, text="Neighbour Jo Bloggs saw the break-in.", by=vcc, now=NOW)
    info = make_case(
        force, needs_support=False, crime_reference="35/778/26", now=NOW + dt.timedelta(days=3)
    )
    send_letter(Letter.objects.get(case=info).pk, now=NOW + dt.timedelta(days=3, minutes=1))
    make_case(force, given_name="Stranger", family_name="Danger", crime_reference="9/9/26")
    return first.person, (first, second, info)


def test_preparing_compiles_everything_held_about_the_person_and_no_one_else(victim, vcc):
    person, cases = victim
    request = prepare_subject_access(person, received_on=ASKED, by=vcc, now=NOW)
    content = request.content
    text = json.dumps(content)
    assert [item["title"] for item in content["cases"]] == [f"Case {c.reference}" for c in cases]
    assert len(content["referrals"]) == 3
    events = CaseEvent.objects.filter(case__person=person).count()
    assert len(content["timeline"]) == events
    assert len(content["calls"]) == 1
    assert content["calls"][0]["fields"]["outcome"] == "No answer"
    assert len(content["letters"]) == 1
    assert "Neighbour Jo Bloggs" in text
    assert "07700 900123" in text
    assert len(content["processing"]) >= 3  # collections, the call, the note, the letter
    assert "Stranger" not in text
    # and preparing it is itself on the audit log
    logged = AuditEvent.objects.get(object_type="subject_access")
    assert (logged.action, logged.person_id) == (AuditAction.CONSULTATION, person.pk)


def test_another_manager_releases_it_holding_back_third_party_items(
    victim, vcc, manager, other_manager
):
    person, _ = victim
    request = prepare_subject_access(person, received_on=ASKED, by=manager, now=NOW)
    note = the_note(request)
    with pytest.raises(DomainError, match="Another manager"):
        release_subject_access(request, withheld={}, by=manager, now=NOW)
    with pytest.raises(DomainError, match="Only a manager"):
        release_subject_access(request, withheld={}, by=vcc, now=NOW)
    with pytest.raises(DomainError, match="Say why"):
        release_subject_access(request, withheld={note["id"]: " "}, by=other_manager, now=NOW)
    with pytest.raises(DomainError, match="Not released yet"):
        released_content(request)
    # when another manager releases it, holding the note back
    released = release_subject_access(
        request, withheld={note["id"]: "Names a neighbour"}, by=other_manager, now=NOW
    )
    assert released.status == SubjectAccessStatus.RELEASED
    content = released_content(released)
    assert "Jo Bloggs" not in json.dumps(content)
    assert content["sections"]["timeline"]["withheld"] == 1
    # then the PDF for the person holds their details and none of the note
    text = pdf_text(released_pdf(released))
    assert "The information we hold about you" in text
    assert "Amira Khan" in text
    assert "07700 900123" in text
    assert "Jo Bloggs" not in text
    assert "1 record held back" in text
    # released once, and disclosed to the data subject on the audit log
    with pytest.raises(DomainError, match="released already"):
        release_subject_access(released, withheld={}, by=other_manager, now=NOW)
    disclosure = AuditEvent.objects.get(object_type="subject_access", action="disclosure")
    assert disclosure.recipient == "the data subject"


def test_the_pages_prepare_review_release_and_download(victim, vcc, manager, other_manager):
    _, (first, _, _) = victim
    alice = as_user(vcc)
    prepare = f"/cases/{first.reference}/subject-access/"
    refused = alice.post(prepare, {"received_on": ""}, follow=True)
    assert "Give the date the request was received." in refused.text
    assert not SubjectAccessRequest.objects.exists()
    done = alice.post(
        f"/cases/{first.reference}/subject-access/", {"received_on": "2026-11-30"}, follow=True
    )
    assert "a manager reviews it" in done.text
    sar = SubjectAccessRequest.objects.get()
    # a VCC may not see the content; a manager of the force may
    assert alice.get(f"/subject-access/{sar.pk}/").status_code == 404
    dev = as_user(other_manager)
    page = dev.get(f"/subject-access/{sar.pk}/")
    assert page.status_code == 200
    assert "Neighbour Jo Bloggs" in page.text
    assert dev.get(f"/subject-access/{sar.pk}/export.pdf").status_code == 404  # not yet
    note = the_note(sar)
    dev.post(
        f"/subject-access/{sar.pk}/release/",
        {"withhold": [note["id"]], f"reason-{note['id']}": "Names a neighbour"},
    )
    pdf = dev.get(f"/subject-access/{sar.pk}/export.pdf")
    assert pdf.status_code == 200
    assert "Jo Bloggs" not in pdf_text(pdf.content)
    exported = json.loads(dev.get(f"/subject-access/{sar.pk}/export.json").content)
    assert exported["sections"]["timeline"]["withheld"] == 1
    assert f"/subject-access/{sar.pk}/" in as_user(manager).get(f"/cases/{first.reference}/").text


def test_the_copy_holds_the_assessment_plan_referrals_and_volunteers(force, vcc):
    from casework import plans, volunteers
    from casework.subject_access import compile_person_data
    from casework.volunteer_models import Volunteer
    from tests.factories import UserFactory, make_service, supported_case

    case = supported_case(force, vcc, now=NOW)
    plans.add_goal(case, need="safety", description="Sleep without fear", by=vcc, now=NOW)
    plans.refer_onward(
        case,
        service=make_service(force, name="Counselling"),
        reason="Talk",
        shared=["name"],
        by=vcc,
        now=NOW,
    )
    helper = Volunteer.objects.create(
        user=UserFactory(force=force, role="Volunteer", first_name="Vi", last_name="Helper"),
        vetted_until=dt.date(2030, 1, 1),
        trained_until=dt.date(2030, 1, 1),
    )
    assignment = volunteers.assign_volunteer(
        case, volunteer=helper, brief="Visits", by=vcc, now=NOW
    )
    volunteers.record_volunteer_contact(
        assignment,
        on=NOW.date(),
        kind="visit",
        minutes=45,
        note="A walk in the park",
        by=helper.user,
        now=NOW,
    )
    content = compile_person_data(case.person)
    assert len([i for i in content["assessments"] if i["id"].startswith("need-")]) == 12
    assert content["plan"][0]["fields"]["goal"] == "Sleep without fear"
    assert content["onward"][0]["fields"]["information_passed"] == "name"
    assert content["volunteers"][0]["fields"]["note"] == "A walk in the park"
