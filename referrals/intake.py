"""Writing referrals: one set-based path for every way in.

Single API referrals, ADT batches and staff-entered referrals all end here. The rows are
built in memory first (people linked by name and date of birth, crimes reused, triage,
case numbers, the case and its first timeline events, the API's answer) and then written
with one statement per table, whatever the number of referrals: a single referral costs
the same dozen statements as a batch of 500. The caller's transaction holds it together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from assessments.models import Ivna
from assessments.services import record_ivnas
from casework.services import (
    allocate_case_numbers,
    plan_case_opening,
    save_case_openings,
    triage_facts_for,
)
from casework.triage import REPEAT_WINDOW_DAYS
from hub.calendar import LONDON, local_date
from hub.models import Force
from referrals.inputs import ReferralInput
from referrals.models import (
    CrimeReport,
    OffenceType,
    Person,
    Referral,
    ReferralSource,
    person_match_key,
)
from referrals.people import UPDATABLE_FIELDS, apply_newer_details, find_offence, person_fields


def offence_table(codes) -> dict[str, OffenceType]:
    """The offence types that recorded ``codes`` may name, by code, in one query."""
    keys = {key for code in codes for key in OffenceType.lookup_keys(code)}
    return {o.code: o for o in OffenceType.objects.filter(code__in=keys)}


@dataclass
class IntakeItem:
    data: ReferralInput
    request_hash: str = ""


def write_referrals(
    force: Force,
    items: list[IntakeItem],
    *,
    now: dt.datetime,
    by=None,
    api_client=None,
    answer=None,
) -> list[Referral]:
    """Write the referrals with their people, crimes, IVNAs and triaged cases.

    ``answer(referral)``, when given, is the API's answer, stored with each referral for
    idempotent replays. Referrals are received in order a microsecond apart, so that a
    person referred twice together is a repeat victim on the second, as if sent one by one.
    """
    offences = offence_table(i.data.crime.offence_code for i in items if i.data.crime)
    received = [now + dt.timedelta(microseconds=n) for n in range(len(items))]
    people = _people(force, items, received, now)
    crimes = _crimes(force, items, offences)

    referrals, ivnas = [], []
    for item, person, at in zip(items, people, received, strict=True):
        data = item.data
        referrals.append(
            Referral(
                force=force,
                source=data.source,
                source_reference=data.source_reference,
                consent_basis=data.consent_basis,
                consent_recorded_on=data.consent_recorded_on,
                received_at=at,
                person=person,
                crime=crimes[data.crime.reference] if data.crime else None,
                referrer=data.referrer,
                confidential_from_police=data.source == ReferralSource.SELF_REFERRAL,
                api_client=api_client,
                request_hash=item.request_hash,
            )
        )
        ivnas.append(
            Ivna(
                needs_support=data.ivna.needs_support,
                enhanced_entitlement=list(data.ivna.enhanced_entitlement),
                domestic_abuse=data.ivna.domestic_abuse,
                dash_risk=data.ivna.dash_risk or "",
                hate_crime=data.ivna.hate_crime,
                repeat_victim=data.ivna.repeat_victim,
                notes=data.ivna.notes,
            )
        )

    earlier_counts = _earlier_referral_counts(referrals, now=now)
    numbers = allocate_case_numbers(now.astimezone(LONDON).year, len(items))
    openings = []
    seen: dict[int, int] = {}
    for item, referral, ivna, reference in zip(items, referrals, ivnas, numbers, strict=True):
        person_id = referral.person.pk
        earlier = earlier_counts.get(person_id, 0) + seen.get(person_id, 0)
        seen[person_id] = seen.get(person_id, 0) + 1
        opening = plan_case_opening(
            referral=referral,
            facts=triage_facts_for(referral, earlier_referrals=earlier, ivna=ivna),
            safe_contact=item.data.safe_contact.as_case_fields(
                domestic_abuse=item.data.ivna.domestic_abuse
            ),
            reference=reference,
            now=referral.received_at,
            by=by,
        )
        referral.case = opening.case
        if answer is not None:
            # The answer is known before the insert, so it is stored with the referral.
            referral.response_body = answer(referral)
        openings.append(opening)

    Referral.objects.bulk_create(referrals)
    for referral, ivna in zip(referrals, ivnas, strict=True):
        ivna.referral = referral
    record_ivnas(ivnas)
    save_case_openings(openings)
    return referrals


def _people(force, items: list[IntakeItem], received, now: dt.datetime) -> list[Person]:
    """Each item's person: linked by name and date of birth, created otherwise.

    Insert-or-nothing on the unique (force, match_key), then lock the rows: two
    referrals of the same new person arriving together create one person.
    """
    ons = [
        item.data.crime.reported_on if item.data.crime else local_date(at)
        for item, at in zip(items, received, strict=True)
    ]
    persons = [item.data.person for item in items]
    keys = [person_match_key(p.given_name, p.family_name, p.date_of_birth) for p in persons]
    first_with_key: dict[str, int] = {}
    for position, key in enumerate(keys):
        if key:
            first_with_key.setdefault(key, position)
    people: list[Person | None] = [None] * len(items)
    if first_with_key:
        Person.objects.bulk_create(
            [
                Person(force=force, match_key=key, **person_fields(persons[n], ons[n]))
                for key, n in first_with_key.items()
            ],
            ignore_conflicts=True,
        )
        found = {
            p.match_key: p
            for p in Person.objects.select_for_update()
            .filter(force=force, match_key__in=list(first_with_key))
            .order_by("pk")
        }
        changed: dict[int, Person] = {}
        for position, key in enumerate(keys):
            if not key:
                continue
            person = people[position] = found[key]
            if apply_newer_details(person, persons[position], on=ons[position]):
                person.updated_at = now
                changed[person.pk] = person
        if changed:
            Person.objects.bulk_update(list(changed.values()), [*UPDATABLE_FIELDS, "updated_at"])
    unkeyed = [n for n, key in enumerate(keys) if not key]
    created = Person.objects.bulk_create(
        [
            Person(force=force, match_key="", **person_fields(items[n].data.person, ons[n]))
            for n in unkeyed
        ]
    )
    for position, person in zip(unkeyed, created, strict=True):
        people[position] = person
    return people


def _crimes(force, items: list[IntakeItem], offences) -> dict[str, CrimeReport]:
    """The batch's crime reports; a crime the Hub already holds is reused, as singly."""
    wanted: dict[str, object] = {}
    for item in items:
        if item.data.crime:
            wanted.setdefault(item.data.crime.reference, item.data.crime)
    if not wanted:
        return {}
    CrimeReport.objects.bulk_create(
        [
            CrimeReport(
                force=force,
                reference=c.reference,
                offence_code=c.offence_code,
                offence_description=c.offence_description,
                offence=find_offence(c.offence_code, offences),
                occurred_on=c.occurred_on,
                reported_on=c.reported_on,
                area=c.area,
                officer_name=c.officer_name,
                officer_email=c.officer_email,
            )
            for c in wanted.values()
        ],
        ignore_conflicts=True,
    )
    return {
        c.reference: c
        for c in CrimeReport.objects.select_related("offence").filter(
            force=force, reference__in=list(wanted)
        )
    }


def _earlier_referral_counts(referrals: list[Referral], *, now: dt.datetime) -> dict[int, int]:
    """Referrals of each person in the 12 months before this batch."""
    person_ids = {r.person.pk for r in referrals}
    since = now - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    rows = (
        Referral.objects.filter(
            person_id__in=person_ids, received_at__gte=since, received_at__lt=now
        )
        .values("person_id")
        .annotate(n=Count("id"))
    )
    return {row["person_id"]: row["n"] for row in rows}
