"""Telling police about a confidential self-referral: a deliberate act, never a default.

A victim who referred themselves without reporting to police is confidential from police:
the referral API never shows the case to any police system. The Victims' Code and the
Hub's own duty allow one exception, decided by a manager of the force: a risk to the
victim, a risk to someone else, or a risk of a miscarriage of justice. The manager names
the ground, the reason, who is told, and what is told (as little as will do); the
disclosure goes on the timeline and into the audit log. The case stays confidential from
police systems afterwards: what was said was said once, to the person named.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction

from casework.models import Case, CaseEvent, CaseEventKind
from hub import audit
from hub.audit import AuditAction
from hub.errors import DomainError, PermissionRefused
from hub.roles import Role


class DisclosureGround(models.TextChoices):
    RISK_TO_VICTIM = "risk_to_victim", "A risk to the victim"
    RISK_TO_OTHERS = "risk_to_others", "A risk to someone else"
    MISCARRIAGE_OF_JUSTICE = "miscarriage_of_justice", "A risk of a miscarriage of justice"


class DisclosedItem(models.TextChoices):
    NAME = "name", "The victim's name"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    ADDRESS = "address", "Address"
    PHONE = "phone", "Phone number"
    EMAIL = "email", "Email address"
    ACCOUNT = "account", "What the victim told the Hub"


MIN_REASON = 20  # a sentence, not a word: the reason is read by whoever reviews it


def disclose_self_referral(
    case: Case,
    *,
    ground: str,
    reason: str,
    recipient: str,
    items: list[str],
    by,
    now: dt.datetime,
) -> CaseEvent:
    """Record that a manager of the case's force told police about a confidential case:
    on which ground, why, to whom and what; refused unless every part is given."""
    if not (by.has_role(Role.MANAGER) and by.force_id == case.force_id):
        raise PermissionRefused("Only a manager of the case's force may disclose it to police.")
    if not case.referral.confidential_from_police:
        raise DomainError("This case is not confidential from police: nothing to disclose.")
    if ground not in DisclosureGround.values:
        raise DomainError(
            "Choose the ground for disclosing: a risk to the victim or to "
            "someone else, or of a miscarriage of justice."
        )
    reason, recipient = reason.strip(), recipient.strip()
    if len(reason) < MIN_REASON:
        raise DomainError("Say why disclosure is needed, in a sentence at least.")
    if not recipient:
        raise DomainError("Name the officer or team told.")
    if not items or not set(items) <= set(DisclosedItem.values):
        raise DomainError("Choose what is disclosed.")
    ground_label = DisclosureGround(ground).label
    told = ", ".join(DisclosedItem(item).label.lower() for item in items)
    with transaction.atomic():
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.DISCLOSURE,
            at=now,
            actor=by,
            reason=f"Disclosed to {recipient} ({told}). {ground_label}: {reason}",
            detail={"ground": ground, "items": sorted(items), "recipient": recipient},
        )
        audit.for_case(
            AuditAction.DISCLOSURE,
            case,
            by=by,
            fields=items,
            recipient=recipient,
            reason=f"{ground_label}: {reason}",
            at=now,
        )
    return event
