"""Putting right a victim's details from their case page: the change, its timeline entry
and its audit row in one commit."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework.models import Case, CaseEvent, CaseEventKind
from hub import audit
from hub.audit import AuditAction
from hub.errors import DomainError
from hub.roles import CASE_ROLES
from referrals.services import correct_person_details


def correct_victim_details(case: Case, *, values: dict, reason: str, by, now: dt.datetime):
    """Correct the victim's details as asked (by them, or on better information), saying
    why; nothing is written when nothing changed. Returns the fields changed."""
    if not (CASE_ROLES & by.role_names and by.force_id == case.force_id):
        raise DomainError("Only case staff of the force correct a victim's details.")
    if case.erased_at:
        raise DomainError("This case's personal data has been erased.")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the details are being corrected.")
    with transaction.atomic():
        changed = correct_person_details(case.person, values=values, now=now)
        if not changed:
            return []
        labels = ", ".join(name.replace("_", " ") for name in changed)
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.NOTE,
            at=now,
            actor=by,
            reason=f"Corrected the victim's {labels}: {reason}",
        )
        audit.for_case(
            AuditAction.ALTERATION,
            case,
            by=by,
            object_type="person",
            object_id=case.person_id,
            fields=changed,
            reason=f"Rectification: {reason}",
            at=now,
        )
    return changed
