"""Writing referrals: one set-based path for every way in.

Single API referrals, ADT batches and staff-entered referrals all end here. The rows are
built in memory first (people linked by name and date of birth, crimes reused, triage,
case numbers, the case and its first timeline events, the API's answer) and then written
in a handful of statements whatever the number of referrals: the referrals, IVNAs, cases
and their timelines, built by their own apps' functions (``plan_case_opening``), are
written together in one statement (``hub.sql``). The caller's transaction holds it
together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from assessments.models import Ivna
from casework.models import Case, CaseEvent, ContactAttempt
from casework.services import (
    case_numbers_sql,
    case_references,
    plan_case_opening,
    triage_facts_for,
)
from casework.triage import REPEAT_WINDOW_DAYS
from hub.audit import AuditAction, audit_event
from hub.calendar import LONDON, local_date
from hub.models import AuditEvent, Force
from hub.sql import IdPool, Upsert, build, insert_new_rows, insert_or_lock_each_along
from letters.models import Letter
from referrals.inputs import ReferralInput
from referrals.models import (
    CrimeReport,
    OffenceType,
    Person,
    Referral,
    ReferralSource,
    person_match_key,
)
from referrals.people import (
    UPDATABLE_FIELDS,
    apply_newer_details,
    collected_fields,
    find_offence,
    offence_table,
    offences_by_id,
    person_fields,
)

# As ``Referral.get_source_display``, without its work for each of a batch's referrals.
SOURCE_LABELS = dict(ReferralSource.choices)

# The most rows of each kind one referral's opening writes, whose ids (and the case
# numbers) are drawn in the people's and crimes' round trip rather than a round trip of
# their own after planning: the timeline's received, triaged, transition and flag
# events; the first call or the information letter; the audit log's collection,
# combination and alteration. Should a plan want more, the pool draws them then.
MOST_A_REFERRAL = {
    Referral: 1,
    Ivna: 1,
    Case: 1,
    CaseEvent: 4,
    ContactAttempt: 1,
    Letter: 1,
    AuditEvent: 3,
}


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
    offences = offence_table()
    received = [now + dt.timedelta(microseconds=n) for n in range(len(items))]
    year = now.astimezone(LONDON).year
    pool = IdPool(
        {model: most * len(items) for model, most in MOST_A_REFERRAL.items()},
        also=case_numbers_sql(year, len(items)),
    )
    people, new_people, crimes, numbers = _people_and_crimes(
        force, items, received, now, offences, pool
    )

    referrals, ivnas = [], []
    for item, person, at in zip(items, people, received, strict=True):
        data = item.data
        referrals.append(
            build(
                Referral,
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
            build(
                Ivna,
                needs_support=data.ivna.needs_support,
                enhanced_entitlement=list(data.ivna.enhanced_entitlement),
                domestic_abuse=data.ivna.domestic_abuse,
                dash_risk=data.ivna.dash_risk or "",
                hate_crime=data.ivna.hate_crime,
                repeat_victim=data.ivna.repeat_victim,
                notes=data.ivna.notes,
            )
        )

    earlier_counts = _earlier_referral_counts(referrals, now=now, skip=new_people)
    openings = []
    seen: dict[int, int] = {}
    for item, referral, ivna in zip(items, referrals, ivnas, strict=True):
        person_id = referral.person.pk
        earlier = earlier_counts.get(person_id, 0) + seen.get(person_id, 0)
        seen[person_id] = seen.get(person_id, 0) + 1
        opening = plan_case_opening(
            referral=referral,
            facts=triage_facts_for(referral, earlier_referrals=earlier, ivna=ivna),
            safe_contact=item.data.safe_contact.as_case_fields(
                domestic_abuse=item.data.ivna.domestic_abuse
            ),
            reference="",
            now=referral.received_at,
            by=by,
        )
        referral.case = opening.case
        openings.append(opening)

    # Every referral, IVNA, case and timeline event in one statement, with the ids and
    # case numbers drawn ahead (sequences: nothing stays locked).
    events = [event for o in openings for event in o.events]
    attempts = [attempt for o in openings for attempt in o.attempts]
    letters = [letter for o in openings for letter in o.letters]
    cases = [o.case for o in openings]
    rows = ((Referral, referrals), (Ivna, ivnas), (Case, cases), (CaseEvent, events))
    rows += ((ContactAttempt, attempts), (Letter, letters))
    # The audit log's rows go in the same statement: a referral is never stored unlogged.
    audited = _audit_rows(items, referrals, new_people, by or api_client, now)
    rows += ((AuditEvent, [event for event, _ in audited]),)
    ids = pool.take({model: len(objs) for model, objs in rows})
    for case, reference in zip(cases, case_references(year, numbers), strict=True):
        case.reference = reference
    for model, objs in rows:
        for obj, pk in zip(objs, ids[model], strict=True):
            obj.pk = pk
    for event, referral in audited:
        event.case_id = referral.case.pk
        if event.object_type == "referral":
            event.object_id = str(referral.pk)
    for referral, ivna in zip(referrals, ivnas, strict=True):
        ivna.referral = referral
        if answer is not None:
            # The answer is known before the insert, so it is stored with the referral.
            referral.response_body = answer(referral)
    # The contact work (the first call, or the information letter) is written with the
    # case, so a referral is never accepted without what happens next.
    insert_new_rows([objs for _, objs in rows])
    for case in cases:
        case._state.adding = False
        # The saved state is now the one a later save must find in the row.
        case._update_initial_state()
    for obj in (*referrals, *ivnas, *events, *attempts, *letters):
        obj._state.adding = False
    return referrals


def _audit_rows(
    items, referrals, new_people: set[int], actor, now
) -> list[tuple[AuditEvent, Referral]]:
    """For each referral, its collection; for a person linked to an earlier referral, the
    combination (and the alteration of the details a newer referral brought). Each with
    its referral, whose ids (and its case's) are filled in once drawn."""
    rows = []
    altered = set()
    for item, referral in zip(items, referrals, strict=True):
        person = referral.person
        about = {"person_id": person.pk, "by": actor, "at": now}
        collection = audit_event(
            AuditAction.COLLECTION,
            object_type="referral",
            fields=collected_fields(item.data),
            reason=f"{SOURCE_LABELS.get(referral.source, referral.source)} referral",
            **about,
        )
        rows.append((collection, referral))
        if person.pk in new_people:
            continue
        combination = audit_event(
            AuditAction.COMBINATION,
            object_type="person",
            object_id=person.pk,
            fields=["given_name", "family_name", "date_of_birth"],
            reason="Linked to earlier referrals of the same name and date of birth.",
            **about,
        )
        rows.append((combination, referral))
        if getattr(person, "changed_fields", None) and person.pk not in altered:
            altered.add(person.pk)
            alteration = audit_event(
                AuditAction.ALTERATION,
                object_type="person",
                object_id=person.pk,
                fields=person.changed_fields,
                reason="Details brought up to date by a newer referral.",
                **about,
            )
            rows.append((alteration, referral))
    return rows


def _people_and_crimes(
    force, items: list[IntakeItem], received, now: dt.datetime, offences, pool: IdPool
) -> tuple[list[Person], set[int], dict[str, CrimeReport], list[int]]:
    """Each item's person, linked by name and date of birth or created, and the new ones;
    the crime reports by reference; and the case numbers. People and crimes are written,
    and the pool's ids and the case numbers drawn, in one round trip."""
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
    # Insert-or-lock on the unique (force, match_key): two referrals of the same new
    # person arriving together create one person, the second waiting for the first.
    people_rows = Upsert(
        [
            build(Person, force=force, match_key=key, **person_fields(persons[n], ons[n]))
            for key, n in first_with_key.items()
        ],
        unique=["force", "match_key"],
        where="match_key <> ''",
    )
    (linked, stored), drawn = insert_or_lock_each_along(
        [people_rows, _crime_rows(force, items, offences)], along=pool.statement()
    )
    numbers = pool.fill(drawn)
    people, new = _link_people(force, items, keys, persons, ons, linked, now)
    return people, new, _crimes_by_reference(stored, offences), numbers


def _link_people(
    force, items, keys, persons, ons, linked, now: dt.datetime
) -> tuple[list[Person], set[int]]:
    """Each item's person from the rows as stored (brought up to date by a newer referral),
    people without a key to link by created; and the ids of the people new here."""
    people: list[Person | None] = [None] * len(items)
    found = {person.match_key: person for person, _ in linked}
    new = {person.pk for person, inserted in linked if inserted}
    changed: dict[int, Person] = {}
    for position, key in enumerate(keys):
        if not key:
            continue
        person = people[position] = found[key]
        if fields := apply_newer_details(person, persons[position], on=ons[position]):
            person.updated_at = now
            person.changed_fields = sorted({*getattr(person, "changed_fields", ()), *fields})
            changed[person.pk] = person
    if changed:
        Person.objects.bulk_update(list(changed.values()), [*UPDATABLE_FIELDS, "updated_at"])
    unkeyed = [n for n, key in enumerate(keys) if not key]
    created = Person.objects.bulk_create(
        [
            build(Person, force=force, match_key="", **person_fields(items[n].data.person, ons[n]))
            for n in unkeyed
        ]
    )
    for position, person in zip(unkeyed, created, strict=True):
        people[position] = person
    return people, new | {person.pk for person in created}


def _crime_rows(force, items: list[IntakeItem], offences) -> Upsert:
    """The batch's crime reports, to be inserted unless the Hub holds them already."""
    wanted: dict[str, object] = {}
    for item in items:
        if item.data.crime:
            wanted.setdefault(item.data.crime.reference, item.data.crime)
    return Upsert(
        [
            build(
                CrimeReport,
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
        unique=["force", "reference"],
    )


def _crimes_by_reference(stored, offences) -> dict[str, CrimeReport]:
    """The crime reports as stored; a crime the Hub already holds is reused, as it stands."""
    by_id = offences_by_id(offences)
    crimes = {}
    for crime, _ in stored:
        if crime.offence_id is not None:
            # Known offence types are at hand; another one (an older crime's) is read.
            crime.offence = by_id.get(crime.offence_id) or OffenceType.objects.get(
                pk=crime.offence_id
            )  # added since the table was read
        crimes[crime.reference] = crime
    return crimes


def _earlier_referral_counts(
    referrals: list[Referral], *, now: dt.datetime, skip: set[int]
) -> dict[int, int]:
    """Referrals of each person in the 12 months before these (people just created have none)."""
    person_ids = {r.person.pk for r in referrals} - skip
    if not person_ids:
        return {}
    since = now - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    rows = (
        Referral.objects.filter(
            person_id__in=person_ids, received_at__gte=since, received_at__lt=now
        )
        .values("person_id")
        .annotate(n=Count("id"))
    )
    return {row["person_id"]: row["n"] for row in rows}
