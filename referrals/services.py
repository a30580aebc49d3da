"""Intake and API clients. Every way a referral arrives ends in ``receive_referral``.

The API (police systems and the ADT batch) and the staff pages (self-referrals, partner
agencies, transfers in) validate their input into a ``ReferralInput`` and call intake, so
that triage, linking and case opening are the same whatever the way in.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from assessments.models import Ivna
from hub.errors import DomainError
from hub.models import Force
from referrals.inputs import (
    CrimeInput,
    IvnaInput,
    PersonInput,
    ReferralInput,
    SafeContactInput,
)
from referrals.intake import IntakeItem, write_referrals
from referrals.models import ConsentBasis, Person, Referral, ReferralSource, person_match_key
from referrals.people import CONTACT_FIELDS

__all__ = [
    "CrimeInput",
    "IvnaInput",
    "PersonInput",
    "ReferralInput",
    "SafeContactInput",
    "create_api_client",
    "receive_referral",
    "revoke_api_client",
    "rotate_api_client_token",
]


def receive_referral(
    force: Force,
    data: ReferralInput,
    *,
    now: dt.datetime,
    by=None,
    api_client=None,
    request_hash: str = "",
    answer=None,
) -> Referral:
    """Record a referral with its person, crime, IVNA and triaged case, all in one commit."""
    if data.source == ReferralSource.SELF_REFERRAL and data.consent_basis != ConsentBasis.CONSENT:
        raise ValueError("a self-referral is made with the victim's consent")
    if data.source == ReferralSource.SELF_REFERRAL and data.crime is not None:
        # A crime links the case to police records (court results, the victims a result
        # says to tell): a self-referral, confidential from police, must stay apart.
        raise ValueError("a self-referral has no police crime")
    with transaction.atomic():
        (referral,) = write_referrals(
            force,
            [IntakeItem(data, request_hash)],
            now=now,
            by=by,
            api_client=api_client,
            answer=answer,
        )
    return referral


def create_api_client(*, name: str, force_code: str, rate_per_second: int | None = None):
    """Make an API client for a force and return it with its token, shown only this once."""
    from referrals.models import ApiClient

    force = Force.objects.filter(code=force_code).first()
    if force is None:
        raise ValueError(f"No force with code {force_code!r}.")
    if ApiClient.objects.filter(name=name).exists():
        raise ValueError(f"An API client named {name!r} already exists.")
    client = ApiClient(name=name, force=force)
    if rate_per_second:
        client.rate_per_second = rate_per_second
    token = client.issue_token()
    client.save()
    return client, token


def rotate_api_client_token(client) -> str:
    """Give the client a new token; the old one stops working at once."""
    token = client.issue_token()
    client.revoked_at = None
    client.save(update_fields=["token_hash", "token_hint", "revoked_at", "updated_at"])
    return token


def revoke_api_client(client, *, now: dt.datetime) -> None:
    """Stop the client's token working; its referrals stay."""
    client.revoke(now=now)
    client.save(update_fields=["revoked_at", "updated_at"])


# What erasing a victim's record blanks, by field (for the audit log's erasure row).
# (Preferences of language and contact say nothing of who the victim is: they stay.)
ERASED_PERSON_VALUES = {
    "given_name": "Erased",
    "family_name": "",
    "date_of_birth": None,
    "business_contact_name": "",
    **{name: "" for name in CONTACT_FIELDS if not name.startswith("preferred_")},
    "parent_guardian": None,
}


def erase_person_details(person) -> list[str]:
    """Anonymise a victim's record and what their referrals said of them (the needs
    assessments' notes, the referrers' words); the names of the fields erased. The caller
    holds the transaction and has checked that no case still keeps the record."""
    # No longer linkable either: a later referral of the same name is a new person.
    Person.objects.filter(pk=person.pk).update(**ERASED_PERSON_VALUES, match_key="")
    Referral.objects.filter(person_id=person.pk).update(referrer="")
    Ivna.objects.filter(referral__person_id=person.pk).update(notes="")
    return [*ERASED_PERSON_VALUES, "referrer", "ivna_notes"]


CORRECTABLE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    *(name for name in CONTACT_FIELDS if not name.startswith("preferred_")),
)


def correct_person_details(person, *, values: dict, now: dt.datetime) -> list[str]:
    """Put right a victim's details (the right to rectification); returns the names of
    the fields changed. A new name or date of birth changes whom the record links with,
    and is refused where another record already has them."""
    changed = [
        name
        for name in CORRECTABLE_FIELDS
        if name in values and values[name] != getattr(person, name)
    ]
    if not changed:
        return []
    for name in changed:
        setattr(person, name, values[name])
    person.match_key = person_match_key(person.given_name, person.family_name, person.date_of_birth)
    person.updated_at = now
    try:
        with transaction.atomic():
            Person.objects.filter(pk=person.pk).update(
                **{name: getattr(person, name) for name in changed},
                match_key=person.match_key,
                updated_at=now,
            )
    except IntegrityError as exc:
        person.refresh_from_db()
        raise DomainError(
            "Another victim's record has this name and date of birth: ask a manager to "
            "check whether they are the same person."
        ) from exc
    return changed
