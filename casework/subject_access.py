"""The victim's right of access: everything the Hub holds about a person, reviewed, then
released as a PDF for them and JSON for the file.

Preparing compiles, at that moment, the person's record, each referral (with its crime
and the police's needs assessment), each case (with its safe-contact rules, timeline,
calls and letters) and the audit log's record of who processed their data, when and for
whom. Every item has a stable id. A manager who did not prepare it then reviews it for
other people's information (a neighbour named in a note, an abuser's details in the
police's account) and withholds those items with the reason; release is one conditional
update, so it happens once. What is released is the compiled content less what was
withheld, with a line saying how many items were withheld in each section.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import OUTCOME_FIELDS, DvnaNeed, OutcomeScores
from casework.models import (
    Case,
    CaseEvent,
    ContactAttempt,
    SubjectAccessRequest,
    SubjectAccessStatus,
)
from casework.plan_models import CarePlan, OnwardReferral, PlanGoal
from casework.volunteer_models import VolunteerContact
from hub import audit
from hub.audit import AuditAction
from hub.errors import DomainError, PermissionRefused
from hub.models import AuditEvent
from hub.roles import CASE_ROLES, Role
from letters.models import Letter
from letters.rendering import html_to_pdf
from referrals.models import Person, Referral

SECTIONS = {
    "person": "Your details",
    "referrals": "How you were referred to us",
    "cases": "Your cases",
    "timeline": "What happened, and when",
    "calls": "Our calls to you",
    "assessments": "What you told us you needed, and how you were",
    "plan": "Your cope and recovery plan",
    "onward": "Services we referred you to",
    "volunteers": "Volunteers who supported you",
    "letters": "Our letters and emails to you",
    "processing": "Who used your information, when and why",
}


def _when(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d %B %Y, %H:%M")
    return value.strftime("%d %B %Y")


def _item(item_id: str, title: str, **fields) -> dict:
    return {"id": item_id, "title": title, "fields": {k: v for k, v in fields.items() if v}}


def compile_person_data(person: Person) -> dict[str, list[dict]]:
    """Everything held about ``person``, by section: one query a section, whatever the
    number of cases."""
    content: dict[str, list[dict]] = {name: [] for name in SECTIONS}
    content["person"].append(
        _item(
            f"person-{person.pk}",
            person.full_name,
            date_of_birth=_when(person.date_of_birth),
            business_contact_name=person.business_contact_name,
            phone=person.phone,
            email=person.email,
            address=", ".join(
                p
                for p in (person.address_line1, person.address_line2, person.town, person.postcode)
                if p
            ),
            preferred_language=person.preferred_language,
            preferred_contact=person.get_preferred_contact_display(),
            parent_or_guardian=", ".join(
                str(v) for v in (person.parent_guardian or {}).values() if isinstance(v, str)
            ),
        )
    )
    referrals = Referral.objects.filter(person=person).select_related("crime", "ivna")
    for referral in referrals.order_by("received_at"):
        crime, ivna = referral.crime, getattr(referral, "ivna", None)
        content["referrals"].append(
            _item(
                f"referral-{referral.pk}",
                f"{referral.get_source_display()} referral, {_when(referral.received_at)}",
                referred_by=referral.referrer,
                consent=referral.get_consent_basis_display(),
                crime_reference=crime.reference if crime else "",
                offence=(crime.offence_description or crime.offence_code) if crime else "",
                crime_date=_when(crime.occurred_on) if crime else "",
                police_assessment_notes=ivna.notes if ivna else "",
                support_needed_said_police=("yes" if ivna.needs_support else "no") if ivna else "",
            )
        )
    cases = list(Case.objects.filter(person=person).order_by("opened_at"))
    for case in cases:
        content["cases"].append(
            _item(
                f"case-{case.pk}",
                f"Case {case.reference}",
                status=case.get_state_display(),
                opened=_when(case.opened_at),
                closed=_when(case.closed_at),
                closure_reason=case.get_closure_reason_display() if case.closure_reason else "",
                priority=f"P{case.priority}",
                priority_reasons="; ".join(case.priority_reasons),
                voicemail="allowed" if case.may_leave_voicemail else "not allowed",
                post="allowed" if case.may_post else "not allowed",
                email="allowed" if case.may_email else "not allowed",
                interpreter=case.interpreter,
                communication_needs=case.communication_needs,
            )
        )
    references = {case.pk: case.reference for case in cases}
    events = CaseEvent.objects.filter(case__person=person).select_related("actor")
    for event in events.order_by("at", "pk"):
        content["timeline"].append(
            _item(
                f"event-{event.pk}",
                f"{references[event.case_id]}, {_when(event.at)}: {event.get_kind_display()}",
                what=event.reason,
                by=event.actor.display_name if event.actor else "",
            )
        )
    calls = ContactAttempt.objects.filter(case__person=person).exclude(outcome="")
    for call in calls.select_related("recorded_by").order_by("recorded_at", "pk"):
        content["calls"].append(
            _item(
                f"call-{call.pk}",
                f"{references[call.case_id]}, call {call.number}, {_when(call.recorded_at)}",
                outcome=call.get_outcome_display(),
                note=call.note,
                by=call.recorded_by.display_name if call.recorded_by else "",
            )
        )
    _support_sections(content, person, references)
    letters = Letter.objects.filter(case__person=person, status="sent").order_by("sent_at")
    for letter in letters:
        text = letter.content or {}
        content["letters"].append(
            _item(
                f"letter-{letter.pk}",
                f"{references[letter.case_id]}, {letter.get_purpose_display()}, "
                f"{_when(letter.sent_at)}",
                sent_by=letter.get_channel_display(),
                subject=text.get("subject", ""),
                text="\n\n".join(text.get("paragraphs", [])),
            )
        )
    processing = AuditEvent.objects.filter(person_id=person.pk).order_by("at", "pk")
    for event in processing:
        content["processing"].append(
            _item(
                f"audit-{event.pk}",
                f"{_when(event.at)}: {event.get_action_display()} by {event.actor_label}",
                information=", ".join(event.fields),
                why=event.reason,
                given_to=event.recipient,
            )
        )
    return content


def _support_sections(content: dict, person: Person, references: dict) -> None:
    """The DVNAs and outcome scores, the plans, onward referrals and volunteers' contacts."""
    needs = DvnaNeed.objects.filter(dvna__case__person=person).order_by("dvna_id", "pk")
    for need in needs.select_related("dvna"):
        content["assessments"].append(
            _item(
                f"need-{need.pk}",
                f"{references[need.dvna.case_id]}, needs assessment of "
                f"{_when(need.dvna.started_at)}: {need.get_category_display()}",
                level=need.get_level_display(),
                notes=need.notes,
            )
        )
    for scores in OutcomeScores.objects.filter(case__person=person).order_by("recorded_at"):
        content["assessments"].append(
            _item(
                f"outcomes-{scores.pk}",
                f"{references[scores.case_id]}, how you were {scores.get_stage_display().lower()}",
                **{name: str(getattr(scores, name) or "") for name in OUTCOME_FIELDS},
            )
        )
    goals = PlanGoal.objects.filter(plan__case__person=person).select_related("plan")
    for goal in goals.prefetch_related("actions").order_by("pk"):
        content["plan"].append(
            _item(
                f"goal-{goal.pk}",
                f"{references[goal.plan.case_id]}, goal: {goal.get_need_display()}",
                goal=goal.description,
                status=goal.get_status_display(),
                actions="; ".join(
                    f"{a.description} (due {_when(a.due_on)}"
                    + (f", done {_when(a.done_at)})" if a.done_at else ")")
                    for a in goal.actions.all()
                ),
            )
        )
    for plan in CarePlan.objects.filter(case__person=person).exclude(exit_strategy=""):
        content["plan"].append(
            _item(
                f"plan-{plan.pk}",
                f"{references[plan.case_id]}, how support will end",
                exit_strategy=plan.exit_strategy,
                agreed=_when(plan.exit_agreed_on),
            )
        )
    onward = OnwardReferral.objects.filter(case__person=person).select_related("service")
    for referral in onward.order_by("sent_at"):
        content["onward"].append(
            _item(
                f"onward-{referral.pk}",
                f"{references[referral.case_id]}, {referral.service.name}, "
                f"{_when(referral.sent_at)}",
                why=referral.reason,
                information_passed=", ".join(referral.shared),
                status=referral.get_status_display(),
            )
        )
    contacts = VolunteerContact.objects.filter(assignment__case__person=person)
    for contact in contacts.select_related("assignment__volunteer__user").order_by("on"):
        content["volunteers"].append(
            _item(
                f"volunteer-contact-{contact.pk}",
                f"{references[contact.assignment.case_id]}, {contact.get_kind_display()} on "
                f"{_when(contact.on)}",
                volunteer=str(contact.assignment.volunteer),
                minutes=str(contact.minutes),
                note=contact.note,
            )
        )


def record_processing(action, request: SubjectAccessRequest, *, by, fields=None, **kwargs):
    """The audit row of something done with a subject access request."""
    return audit.record(
        action,
        by=by,
        object_type="subject_access",
        object_id=request.pk,
        person_id=request.person_id,
        fields=list(SECTIONS) if fields is None else fields,
        **kwargs,
    )


def _case_staff_of(user, force_id: int) -> bool:
    return bool(CASE_ROLES & user.role_names) and user.force_id == force_id


def prepare_subject_access(
    person: Person, *, received_on: dt.date, by, now: dt.datetime
) -> SubjectAccessRequest:
    """Compile everything held about the person now, for a manager's review."""
    if not _case_staff_of(by, person.force_id):
        raise PermissionRefused("Only case staff of the person's force prepare their data.")
    if received_on > timezone.localdate(now):
        raise DomainError("The request cannot have been received in the future.")
    with transaction.atomic():
        request = SubjectAccessRequest.objects.create(
            force_id=person.force_id,
            person=person,
            received_on=received_on,
            prepared_by=by,
            prepared_at=now,
            content=compile_person_data(person),
        )
        record_processing(
            AuditAction.CONSULTATION,
            request,
            by=by,
            reason="Subject access request prepared.",
            at=now,
        )
    return request


def item_ids(request: SubjectAccessRequest) -> set[str]:
    return {item["id"] for items in request.content.values() for item in items}


def release_subject_access(
    request: SubjectAccessRequest, *, withheld: dict[str, str], by, now: dt.datetime
) -> SubjectAccessRequest:
    """A manager who did not prepare it releases the request, withholding the items named
    (each with its reason); once only."""
    if not (by.has_role(Role.MANAGER) and by.force_id == request.force_id):
        raise PermissionRefused("Only a manager of the force reviews and releases it.")
    if by.pk == request.prepared_by_id:
        raise PermissionRefused("Another manager must review what you prepared.")
    unknown = set(withheld) - item_ids(request)
    if unknown:
        raise DomainError("Some of the items withheld are not in this request.")
    if any(not reason.strip() for reason in withheld.values()):
        raise DomainError("Say why each item withheld is held back.")
    with transaction.atomic():
        released = SubjectAccessRequest.objects.filter(
            pk=request.pk, status=SubjectAccessStatus.PREPARED
        ).update(
            status=SubjectAccessStatus.RELEASED,
            withheld={k: v.strip() for k, v in withheld.items()},
            reviewed_by=by,
            released_at=now,
        )
        if not released:
            raise DomainError("This request has been released already.")
        record_processing(
            AuditAction.DISCLOSURE,
            request,
            by=by,
            recipient="the data subject",
            reason=f"Subject access request released; {len(withheld)} item(s) withheld.",
            at=now,
        )
    request.refresh_from_db()
    return request


def released_content(request: SubjectAccessRequest) -> dict:
    """What is released: each section's items less those withheld, and how many were."""
    if request.status != SubjectAccessStatus.RELEASED:
        raise DomainError("Not released yet: a manager must review it first.")
    sections = {}
    for name, items in request.content.items():
        kept = [item for item in items if item["id"] not in request.withheld]
        sections[name] = {
            "title": SECTIONS[name],
            "items": kept,
            "withheld": len(items) - len(kept),
        }
    return {
        "request": request.pk,
        "received_on": request.received_on.isoformat(),
        "prepared_at": request.prepared_at.isoformat(),
        "released_at": request.released_at.isoformat(),
        "sections": sections,
    }


def released_pdf(request: SubjectAccessRequest) -> bytes:
    """The released content as a PDF for the person."""
    content = released_content(request)
    for section in content["sections"].values():
        for item in section["items"]:
            item["labelled"] = [
                (key.replace("_", " ").capitalize(), value) for key, value in item["fields"].items()
            ]
    html = render_to_string(
        "casework/subject_access_pdf.html",
        {"content": content, "person": request.person, "force": request.force},
    )
    return html_to_pdf(html, stylesheets=("letters/report.css",))
