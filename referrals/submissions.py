"""Exactly-once submissions from API clients: referrals and court results.

A client's ``source_reference`` is unique (a database constraint), so simultaneous
identical requests create one record: the loser of the race waits on the index, then
rolls back and answers from the winner's row. The same reference with the same body
(compared as parsed JSON) is a replay and gets the original answer; with a different
body it is a conflict. The answer is sent only after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction

from casework.services import record_court_result
from hub.calendar import LONDON
from hub.errors import ConsentRequired, IdempotencyConflict, UnknownCrime
from hub.models import Force
from hub.sql import deadlocked
from referrals.inputs import ReferralInput
from referrals.models import ApiClient, CourtResult, CrimeReport, OffenceType, Referral
from referrals.people import find_offence
from referrals.services import receive_referral

# The Victims' Code: these victims are referred only with explicit consent, never by ADT.
CODE_CONSENT_ONLY_GROUPS = frozenset({"bereaved"})


@dataclass(frozen=True)
class Submitted:
    created: bool
    body: dict


def request_hash(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def public_status(state: str) -> str:
    """The only status police see: never the Hub's internal state, assessment or plan."""
    if state == "closed":
        return "closed"
    if state in ("in_contact", "assessment", "support", "closing"):
        return "in_progress"
    return "received"


def _consent_only(who: str, pointer: str) -> ConsentRequired:
    return ConsentRequired(
        f"{who} are referred only with their explicit consent, never by ADT.", pointer=pointer
    )


def check_consent(client: ApiClient, data: ReferralInput, offences=None) -> None:
    """Refuse an ADT referral the Victims' Code (or the client's force) allows only with consent."""
    check_force_consent(client.force, data, offences)


def check_force_consent(force: Force, data: ReferralInput, offences=None) -> None:
    """Refuse an ADT referral the Victims' Code (or the force) allows only with consent."""
    if data.consent_basis != "adt":
        return
    if data.ivna.domestic_abuse:
        raise _consent_only("Domestic-abuse victims", "/ivna/domestic_abuse")
    if CODE_CONSENT_ONLY_GROUPS & set(data.ivna.enhanced_entitlement):
        raise _consent_only("Relatives bereaved by crime", "/ivna/enhanced_entitlement")
    offence = find_offence(data.crime.offence_code, offences) if data.crime else None
    if offence is not None and offence.is_sexual:
        raise _consent_only("Victims of sexual offences", "/crime/offence_code")
    extra = set(force.extra_consent_offence_codes)
    if data.crime and extra & set(OffenceType.lookup_keys(data.crime.offence_code)):
        raise _consent_only(f"In {force.name}, victims of this offence", "/crime/offence_code")


def referral_body(referral: Referral) -> dict:
    case = referral.case
    due = case.first_contact_due or case.information_due
    return {
        "id": str(referral.public_id),
        "case_reference": case.reference,
        "status": public_status(case.state),
        "priority": case.priority,
        "first_contact_due": due.astimezone(LONDON).isoformat(),
    }


def _replay(existing_hash: str, new_hash: str, body: dict, what: str) -> Submitted:
    if existing_hash != new_hash:
        raise IdempotencyConflict(
            f"This source_reference was already used for a different {what}; "
            "send a new source_reference for a new one."
        )
    return Submitted(created=False, body=body)


def _answer_from_winner(existing, digest: str, what: str, error: IntegrityError) -> Submitted:
    """Lost a race with an identical (or conflicting) request: answer from the winner's row.

    With no winner's row, the IntegrityError had another cause: it is raised again.
    """
    found = existing.values_list("request_hash", "response_body").first()
    if not found:
        raise error
    return _replay(found[0], digest, found[1], what)


def submit_referral(
    client: ApiClient, payload: dict, data: ReferralInput, *, source: str, now: dt.datetime
) -> Submitted:
    """Record an API client's referral exactly once and return the answer to give."""
    digest = request_hash(payload)
    check_consent(client, data)
    attempts = 0
    while True:
        attempts += 1
        # No look-up first: the unique constraint finds a replay, and replays are rare.
        try:
            # receive_referral commits on its own: the answer goes out only after the commit.
            referral = receive_referral(
                client.force,
                data,
                now=now,
                api_client=client,
                request_hash=digest,
                answer=referral_body,
            )
        except IntegrityError as error:
            existing = Referral.objects.filter(
                api_client=client, source_reference=data.source_reference
            )
            return _answer_from_winner(existing, digest, "referral", error)
        except OperationalError as error:
            # Given way to another intake locking the same person or crime: nothing was
            # written, and it is tried again (in a transaction of its own only).
            if (
                deadlocked(error)
                and attempts < DEADLOCK_ATTEMPTS
                and not connection.in_atomic_block
            ):
                continue
            raise
        return Submitted(created=True, body=referral.response_body)


# A referral given way in a deadlock is tried this many times in all.
DEADLOCK_ATTEMPTS = 3


def submit_court_result(
    client: ApiClient, payload: dict, data: dict, *, now: dt.datetime
) -> Submitted:
    """Record a court result exactly once and set each victim's deadline to be told."""
    digest = request_hash(payload)
    existing = CourtResult.objects.filter(
        api_client=client, source_reference=data["source_reference"]
    )
    found = existing.values_list("request_hash", "response_body").first()
    if found:
        return _replay(found[0], digest, found[1], "court result")
    crime = CrimeReport.objects.filter(
        force=client.force, reference=data["crime_reference"]
    ).first()
    if crime is None:
        raise UnknownCrime(
            f"The Hub holds no crime {data['crime_reference']!r} for {client.force.code}."
        )
    try:
        with transaction.atomic():
            result = CourtResult.objects.create(
                force=client.force,
                api_client=client,
                source_reference=data["source_reference"],
                crime=crime,
                hearing_date=data["hearing_date"],
                court=data["court"],
                result=data["result"],
                next_hearing_date=data.get("next_hearing_date"),
                received_at=now,
                request_hash=digest,
                response_body={},
            )
            # In case order: two results for one crime lock its cases in the same order.
            cases = [
                r.case for r in crime.referrals.select_related("case__force").order_by("case__id")
            ]
            for case in cases:
                record_court_result(case, court_result=result, now=now)
            body = {
                "id": str(result.public_id),
                "source_reference": result.source_reference,
                "crime_reference": crime.reference,
                "victims_to_tell": len(cases),
            }
            CourtResult.objects.filter(pk=result.pk).update(response_body=body)
    except IntegrityError as error:
        return _answer_from_winner(existing, digest, "court result", error)
    return Submitted(created=True, body=body)
