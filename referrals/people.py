"""People and offences as intake resolves them."""

from __future__ import annotations

import datetime as dt
import time

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


def collected_fields(data) -> list[str]:
    """The names of the personal fields a referral brings (for the audit log): what was
    given of the victim, the crime, the needs assessment and the safe-contact rules."""
    person = data.person
    names = [
        name
        for name in ("given_name", "family_name", "date_of_birth", "business_contact_name")
        if getattr(person, name)
    ]
    names += [name for name in CONTACT_FIELDS if getattr(person, name)]
    if person.parent_guardian:
        names.append("parent_guardian")
    if data.crime:
        names.append("crime")
    names += ["ivna", "safe_contact"]
    return names


# Offence types are reference data, read on every referral and changed by an
# administrator a few times a year: each process keeps the table for a minute.
OFFENCE_TABLE_SECONDS = 60
_offences: tuple[float, dict[str, OffenceType]] | None = None
_offences_by_id: tuple[dict, dict[int, OffenceType]] | None = None


def offence_table() -> dict[str, OffenceType]:
    """Every offence type by code, read at most once a minute per process.

    A change in this process (the admin) is seen at once, one in another within a minute.
    """
    global _offences
    now = time.monotonic()
    if _offences is None or now - _offences[0] > OFFENCE_TABLE_SECONDS:
        _offences = (now, {o.code: o for o in OffenceType.objects.all()})
    return _offences[1]


def offences_by_id(table: dict[str, OffenceType]) -> dict[int, OffenceType]:
    """``table``'s offence types by id, made once for each table read."""
    global _offences_by_id
    if _offences_by_id is None or _offences_by_id[0] is not table:
        _offences_by_id = (table, {o.pk: o for o in table.values()})
    return _offences_by_id[1]


def forget_offence_table(**_) -> None:
    """Read the table afresh next time (on any change to an offence type)."""
    global _offences
    _offences = None


def find_offence(
    offence_code: str, table: dict[str, OffenceType] | None = None
) -> OffenceType | None:
    """The offence type for a recorded code, most specific first."""
    found = offence_table() if table is None else table
    return next((found[k] for k in OffenceType.lookup_keys(offence_code) if k in found), None)
