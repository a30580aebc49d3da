"""How long a closed case is kept, and what happens when that time is up.

At closure each case gets a review date: ``RETENTION_YEARS`` after closing (six by
default), ``RETENTION_SERIOUS_HARM_YEARS`` where the harm was most serious (domestic abuse,
the most serious crimes, relatives bereaved by crime), and for a victim who is a child not
before they are ``RETENTION_CHILD_MIN_AGE`` (25). Reopening clears it. Each morning beat
lists the reviews that have come due on their cases' timelines; a manager then erases the
case's personal data or places a legal hold, which stops erasure until lifted.

Erasure anonymises rather than deletes: the case keeps what the reports count (dates,
states, priority, crime category, letters' costs) and loses everything that says who the
victim is or what they said. The victim's record goes too once none of their cases still
needs it. The timeline and the audit log say that an erasure happened, by whom and which
fields, and keep none of what was erased.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from assessments.services import erase_assessment_notes
from casework.models import Case, CaseEvent, CaseEventKind, CaseState, ContactAttempt
from casework.plans import erase_plan_text
from casework.volunteers import erase_volunteer_notes
from hub import audit
from hub.audit import AuditAction
from hub.calendar import local_date
from hub.errors import DomainError, PermissionRefused
from hub.roles import Role
from letters.services import erase_letter_contents
from referrals.services import erase_person_details

SERIOUS_HARM_GROUPS = {"most_serious_crime", "bereaved"}
# What erasure removes from the case itself and its timeline, by field name (the audit
# log's erasure row lists these, and the person's and letters' fields).
CASE_FIELDS = ["safe_times", "interpreter", "communication_needs", "attention"]
TIMELINE_FIELDS = ["timeline_text", "call_notes"]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def review_date(case: Case, *, closed_on: dt.date) -> dt.date:
    """When a case closed on ``closed_on`` is next reviewed for erasure."""
    serious = case.domestic_abuse or SERIOUS_HARM_GROUPS & set(case.enhanced_groups)
    years = settings.RETENTION_SERIOUS_HARM_YEARS if serious else settings.RETENTION_YEARS
    review = _add_years(closed_on, years)
    person = case.person
    if person.date_of_birth:
        review = max(review, _add_years(person.date_of_birth, settings.RETENTION_CHILD_MIN_AGE))
    elif person.kind == "child":
        # A child of unknown age: kept as if born the day the case closed.
        review = max(review, _add_years(closed_on, settings.RETENTION_CHILD_MIN_AGE))
    return review


def reviews_due(on: dt.date):
    """Closed cases whose review date has come, not held and not yet erased."""
    return Case.objects.filter(
        state=CaseState.CLOSED,
        retention_review_on__lte=on,
        legal_hold=False,
        erased_at__isnull=True,
    )


def list_retention_reviews(*, now: dt.datetime) -> int:
    """Put "retention review due" on the timeline of each case newly due; how many. Run
    again the same day (or any day after), it adds nothing for a case already listed."""
    today = local_date(now)
    listed = CaseEvent.objects.alias(listed_on=KT("detail__review_on")).filter(
        case=OuterRef("pk"),
        kind=CaseEventKind.RETENTION,
        listed_on=Cast(OuterRef("retention_review_on"), TextField()),
    )
    due = reviews_due(today).exclude(Exists(listed))
    events = [
        CaseEvent(
            case=case,
            kind=CaseEventKind.RETENTION,
            at=now,
            reason=f"Retention review due: the case was to be kept until "
            f"{case.retention_review_on:%d %B %Y}.",
            detail={"review_on": case.retention_review_on.isoformat()},
        )
        for case in due.only("pk", "retention_review_on")
    ]
    CaseEvent.objects.bulk_create(events)
    return len(events)


def _manager_of(case: Case, by) -> None:
    if not (by.has_role(Role.MANAGER) and by.force_id == case.force_id):
        raise PermissionRefused("Only a manager of the case's force decides its retention.")


def place_legal_hold(case: Case, *, reason: str, by, now: dt.datetime) -> Case:
    """Stop the case's erasure (litigation, an inquiry, a complaint) until lifted."""
    _manager_of(case, by)
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the case must be kept.")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.erased_at:
            raise DomainError("This case's personal data has been erased already.")
        Case.objects.filter(pk=case.pk).update(
            legal_hold=True, legal_hold_reason=reason, updated_at=now
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.RETENTION,
            at=now,
            actor=by,
            reason=f"Legal hold placed: {reason}",
        )
        audit.for_case(AuditAction.ALTERATION, case, by=by, fields=["legal_hold"], at=now)
    case.legal_hold, case.legal_hold_reason = True, reason
    return case


def lift_legal_hold(case: Case, *, by, now: dt.datetime) -> Case:
    """Let the case's retention take its course again."""
    _manager_of(case, by)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            legal_hold=False, legal_hold_reason="", updated_at=now
        )
        CaseEvent.objects.create(
            case=case, kind=CaseEventKind.RETENTION, at=now, actor=by, reason="Legal hold lifted."
        )
        audit.for_case(AuditAction.ALTERATION, case, by=by, fields=["legal_hold"], at=now)
    case.legal_hold, case.legal_hold_reason = False, ""
    return case


def erase_case(case: Case, *, by, now: dt.datetime) -> list[str]:
    """Anonymise a closed case whose review has come and that no hold keeps; returns the
    names of the fields erased. Refused, changing nothing, for any other case."""
    _manager_of(case, by)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        if locked.erased_at:
            raise DomainError("This case's personal data has been erased already.")
        if locked.legal_hold:
            raise DomainError(f"A legal hold keeps this case: {locked.legal_hold_reason}")
        if locked.state != CaseState.CLOSED or not locked.retention_review_on:
            raise DomainError("Only a closed case is erased, once its review has come.")
        if locked.retention_review_on > local_date(now):
            raise DomainError(f"This case is kept until {locked.retention_review_on:%d %B %Y}.")
        Case.objects.filter(pk=case.pk).update(
            safe_times=[],
            interpreter="",
            communication_needs="",
            attention="",
            erased_at=now,
            updated_at=now,
        )
        locked.events.exclude(kind=CaseEventKind.TRANSITION).update(reason="", detail={})
        locked.events.filter(kind=CaseEventKind.TRANSITION).update(reason="")
        ContactAttempt.objects.filter(case=locked).update(note="")
        erased = [
            *CASE_FIELDS,
            *TIMELINE_FIELDS,
            *erase_letter_contents(locked),
            *erase_assessment_notes(locked),
            *erase_plan_text(locked),
            *erase_volunteer_notes(locked),
        ]
        # The victim's own record goes once no other case of theirs still keeps it.
        others = Case.objects.filter(person_id=locked.person_id, erased_at__isnull=True)
        if not others.exclude(pk=case.pk).exists():
            erased += erase_person_details(locked.person)
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.RETENTION,
            at=now,
            actor=by,
            reason="Personal data erased after the retention review.",
        )
        audit.for_case(
            AuditAction.ERASURE,
            locked,
            by=by,
            fields=erased,
            reason="Retention review: kept for the full period, no hold.",
            at=now,
        )
    case.erased_at = now
    return erased
