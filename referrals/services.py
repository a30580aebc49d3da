"""Intake: every way a referral arrives ends in ``receive_referral``.

The API (police systems and the ADT batch) and the staff pages (self-referrals, partner
agencies, transfers in) validate their input into a ``ReferralInput`` and call this one
service, so that triage, linking and case opening are the same whatever the way in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from assessments.models import Ivna
from casework.services import open_case
from hub.calendar import local_date
from hub.models import Force
from referrals.models import (
    ConsentBasis,
    CrimeReport,
    OffenceType,
    Person,
    PersonKind,
    Referral,
    ReferralSource,
    person_match_key,
)


@dataclass(frozen=True)
class PersonInput:
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    preferred_language: str = "en"
    preferred_contact: str = "phone"
    is_business: bool = False
    business_contact_name: str = ""
    parent_guardian: dict | None = None


@dataclass(frozen=True)
class CrimeInput:
    reference: str
    offence_code: str
    reported_on: dt.date
    offence_description: str = ""
    occurred_on: dt.date | None = None
    area: str = ""
    officer_name: str = ""
    officer_email: str = ""


@dataclass(frozen=True)
class IvnaInput:
    needs_support: bool
    enhanced_entitlement: tuple[str, ...] = ()
    domestic_abuse: bool = False
    dash_risk: str = ""
    hate_crime: bool = False
    repeat_victim: bool = False
    notes: str = ""


@dataclass(frozen=True)
class SafeContactInput:
    """Safe-contact instructions. ``None`` means "not given": unsafe for domestic abuse."""

    voicemail: bool | None = None
    post: bool | None = None
    email: bool | None = None
    sms: bool | None = None
    lives_with_suspect: bool = False
    safe_times: tuple[dict, ...] = ()
    interpreter: str = ""
    communication_needs: str = ""

    def as_case_fields(self, *, domestic_abuse: bool) -> dict:
        # An omitted instruction is safe by default, except for a domestic-abuse referral:
        # the contract makes post and voicemail unsafe, and the Hub treats email and text
        # the same way, since an abuser may read them. A VCC confirms safe routes on the call.
        default = not domestic_abuse
        unsafe_home = self.lives_with_suspect
        return {
            "voicemail_ok": (default if self.voicemail is None else self.voicemail)
            and not unsafe_home,
            "post_ok": (default if self.post is None else self.post) and not unsafe_home,
            "email_ok": default if self.email is None else self.email,
            "sms_ok": default if self.sms is None else self.sms,
            "lives_with_suspect": self.lives_with_suspect,
            "safe_times": list(self.safe_times),
            "interpreter": self.interpreter,
            "communication_needs": self.communication_needs,
        }


@dataclass(frozen=True)
class ReferralInput:
    source: str
    consent_basis: str
    person: PersonInput
    ivna: IvnaInput
    crime: CrimeInput | None = None
    safe_contact: SafeContactInput = field(default_factory=SafeContactInput)
    consent_recorded_on: dt.date | None = None
    source_reference: str = ""
    referrer: str = ""


def person_kind(data: PersonInput, on: dt.date) -> str:
    if data.is_business:
        return PersonKind.BUSINESS
    if data.date_of_birth is not None:
        years = on.year - data.date_of_birth.year
        years -= (on.month, on.day) < (data.date_of_birth.month, data.date_of_birth.day)
        if years < 18:
            return PersonKind.CHILD
    return PersonKind.ADULT


CONTACT_FIELDS = (
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "preferred_language",
    "preferred_contact",
)


def link_or_create_person(force: Force, data: PersonInput, *, on: dt.date) -> Person:
    """The person this referral is about: an existing one only on the same name and date of birth.

    A match on phone or email alone is never linked automatically (staff are shown it
    as a suggestion). A linked person's contact details are updated to the newest given.
    """
    key = person_match_key(data.given_name, data.family_name, data.date_of_birth)
    if not key:
        return Person.objects.create(force=force, match_key="", **person_fields(data, on))
    # Insert-or-nothing on the unique (force, match_key): two referrals of the same new
    # person arriving together create one person, the second waiting for the first.
    Person.objects.bulk_create(
        [Person(force=force, match_key=key, **person_fields(data, on))], ignore_conflicts=True
    )
    person = Person.objects.select_for_update().get(force=force, match_key=key)
    changed = apply_newer_details(person, data, on=on)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person


UPDATABLE_FIELDS = (*CONTACT_FIELDS, "business_contact_name", "parent_guardian", "kind")


def apply_newer_details(person: Person, data: PersonInput, *, on: dt.date) -> list[str]:
    """Bring a linked person's details up to date with a newer referral; the fields changed."""
    changed = []
    for name in (*CONTACT_FIELDS, "business_contact_name", "parent_guardian"):
        value = getattr(data, name)
        if value and value != getattr(person, name):
            setattr(person, name, value)
            changed.append(name)
    kind = person_kind(data, on)
    if kind != person.kind:
        person.kind = kind
        changed.append("kind")
    return changed


def person_fields(data: PersonInput, on: dt.date) -> dict:
    return {
        "kind": person_kind(data, on),
        "given_name": data.given_name,
        "family_name": data.family_name,
        "date_of_birth": data.date_of_birth,
        "business_contact_name": data.business_contact_name,
        "parent_guardian": data.parent_guardian,
        **{name: getattr(data, name) for name in CONTACT_FIELDS},
    }


def find_offence(
    offence_code: str, table: dict[str, OffenceType] | None = None
) -> OffenceType | None:
    """The offence type for a recorded code, most specific first; ``table`` saves the query."""
    keys = OffenceType.lookup_keys(offence_code)
    found = (
        table
        if table is not None
        else {o.code: o for o in OffenceType.objects.filter(code__in=keys)}
    )
    return next((found[k] for k in keys if k in found), None)


def offence_table() -> dict[str, OffenceType]:
    """Every offence type by code, for resolving many referrals with one query."""
    return {o.code: o for o in OffenceType.objects.all()}


def record_crime(force: Force, data: CrimeInput) -> CrimeReport:
    """The crime report for this referral; a crime already held (another victim) is reused."""
    crime, _ = CrimeReport.objects.get_or_create(
        force=force,
        reference=data.reference,
        defaults={
            "offence_code": data.offence_code,
            "offence_description": data.offence_description,
            "offence": find_offence(data.offence_code),
            "occurred_on": data.occurred_on,
            "reported_on": data.reported_on,
            "area": data.area,
            "officer_name": data.officer_name,
            "officer_email": data.officer_email,
        },
    )
    return crime


def receive_referral(
    force: Force,
    data: ReferralInput,
    *,
    now: dt.datetime,
    by=None,
    api_client=None,
    request_hash: str = "",
) -> Referral:
    """Record a referral with its person, crime, IVNA and triaged case, all in one commit."""
    if data.source == ReferralSource.SELF_REFERRAL and data.consent_basis != ConsentBasis.CONSENT:
        raise ValueError("a self-referral is made with the victim's consent")
    with transaction.atomic():
        on = data.crime.reported_on if data.crime else local_date(now)
        person = link_or_create_person(force, data.person, on=on)
        crime = record_crime(force, data.crime) if data.crime else None
        referral = Referral.objects.create(
            force=force,
            source=data.source,
            source_reference=data.source_reference,
            consent_basis=data.consent_basis,
            consent_recorded_on=data.consent_recorded_on,
            received_at=now,
            person=person,
            crime=crime,
            referrer=data.referrer,
            confidential_from_police=data.source == ReferralSource.SELF_REFERRAL,
            api_client=api_client,
            request_hash=request_hash,
        )
        Ivna.objects.create(
            referral=referral,
            needs_support=data.ivna.needs_support,
            enhanced_entitlement=list(data.ivna.enhanced_entitlement),
            domestic_abuse=data.ivna.domestic_abuse,
            dash_risk=data.ivna.dash_risk or "",
            hate_crime=data.ivna.hate_crime,
            repeat_victim=data.ivna.repeat_victim,
            notes=data.ivna.notes,
        )
        open_case(
            referral=referral,
            safe_contact=data.safe_contact.as_case_fields(domestic_abuse=data.ivna.domestic_abuse),
            now=now,
            by=by,
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
