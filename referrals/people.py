"""People and offences as intake resolves them."""

from __future__ import annotations

import datetime as dt

from referrals.inputs import PersonInput
from referrals.models import OffenceType, Person, PersonKind


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
