"""Referrals entered by staff: self-referrals, partner agencies' referrals, transfers in.

They go through the same intake as the API's (``receive_referral``: linking, triage, the
case and its first contact work) and the same consent rules. Each form carries a key of
its own, kept as the referral's ``source_reference``: a form sent twice (a double click, a
resend after a slow answer) records one referral, and the second send is answered from it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction

from casework.services import add_case_note
from hub.errors import DomainError
from hub.models import Force
from referrals.inputs import ReferralInput
from referrals.models import Referral
from referrals.services import receive_referral
from referrals.submissions import check_force_consent

# Servers' clocks differ a little: a form's key is looked for from a while before it was
# issued, so that a send handled by another server is never missed.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class FormKey:
    """A form's own key, and when the form was issued (the earliest its referral can be)."""

    reference: str
    issued_at: dt.datetime


@dataclass(frozen=True)
class Entered:
    referral: Referral
    created: bool


class FormAlreadySent(DomainError):
    """This form was sent before with different details; its referral is ``referral``."""

    def __init__(self, message: str, *, referral: Referral):
        super().__init__(message)
        self.referral = referral


def entry_hash(data: ReferralInput, note: str) -> str:
    """What was entered, as a hash: the same form sent twice has the same one."""
    entered = {"referral": dataclasses.asdict(data), "note": note}
    canonical = json.dumps(entered, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def enter_referral(
    force: Force,
    data: ReferralInput,
    *,
    key: FormKey,
    note: str = "",
    by,
    now: dt.datetime,
) -> Entered:
    """Record a referral entered by staff, once per form, through the intake the API uses.

    ``note`` (who referred, and how to reach them) goes on the new case's timeline. Raises
    ``ConsentRequired`` where the Victims' Code or the force wants explicit consent, and
    ``FormAlreadySent`` when the form was recorded before with other details.
    """
    data = dataclasses.replace(data, source_reference=key.reference)
    digest = entry_hash(data, note)
    check_force_consent(force, data)
    with transaction.atomic():
        # Two sends of one form queue here on the form's key, so the second finds the
        # first's referral once it has committed: no unique index is needed for this.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key.reference])
        earlier = (
            Referral.objects.filter(
                force=force,
                api_client__isnull=True,
                received_at__gte=key.issued_at - CLOCK_SKEW,
                source_reference=key.reference,
            )
            .select_related("case")
            .first()
        )
        if earlier is not None:
            if earlier.request_hash != digest:
                raise FormAlreadySent(
                    f"This form was already sent, and recorded as case {earlier.case.reference}.",
                    referral=earlier,
                )
            return Entered(earlier, created=False)
        referral = receive_referral(force, data, now=now, by=by, request_hash=digest)
        if note:
            add_case_note(referral.case, text=note, by=by, now=now)
    return Entered(referral, created=True)
