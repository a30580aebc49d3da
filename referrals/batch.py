"""The ADT batch: up to 500 referrals, each accepted or rejected on its own.

Each item is validated and checked exactly as a single referral is. The new ones are
then written together, set-based (a few statements for the whole batch rather than a
dozen for each item), building every row with the same functions the single path uses
(``link``-by-key people, ``plan_case_opening`` for cases and their timeline). If a
concurrent request took one of the batch's source references meanwhile, the database's
unique constraint stops the set-based write and the batch falls back to the single path,
item by item, which answers each race exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count

from assessments.models import Ivna
from casework.models import Case, CaseEvent
from casework.services import allocate_case_numbers, plan_case_opening, triage_facts_for
from casework.triage import REPEAT_WINDOW_DAYS
from hub.calendar import LONDON, local_date
from hub.errors import ConsentRequired, IdempotencyConflict
from referrals.models import (
    ApiClient,
    CrimeReport,
    Person,
    Referral,
    ReferralSource,
    person_match_key,
)
from referrals.services import (
    UPDATABLE_FIELDS,
    ReferralInput,
    apply_newer_details,
    find_offence,
    offence_table,
    person_fields,
)
from referrals.submissions import check_consent, referral_body, request_hash, submit_referral


@dataclass
class Item:
    index: int
    payload: dict
    data: ReferralInput
    digest: str


@dataclass(frozen=True)
class ItemResult:
    """One item's answer: an HTTP status, and the referral body or the errors."""

    status: int
    body: dict | None = None
    errors: list[dict] | None = None


def submit_batch(
    client: ApiClient, items: list[tuple[int, dict, ReferralInput]], *, now: dt.datetime
) -> dict[int, ItemResult]:
    """Record the batch's valid items exactly once each; answer per item index."""
    offences = offence_table()
    results: dict[int, ItemResult] = {}
    candidates: list[Item] = []
    for index, payload, data in items:
        try:
            check_consent(client, data, offences)
        except ConsentRequired as exc:
            results[index] = ItemResult(422, errors=[{"pointer": exc.pointer, "detail": str(exc)}])
            continue
        candidates.append(Item(index, payload, data, request_hash(payload)))

    references = [c.data.source_reference for c in candidates]
    earlier = {
        ref: (digest, body)
        for ref, digest, body in Referral.objects.filter(
            api_client=client, source_reference__in=references
        ).values_list("source_reference", "request_hash", "response_body")
    }
    new: dict[str, Item] = {}
    repeats: list[Item] = []
    for item in candidates:
        ref = item.data.source_reference
        if ref in earlier:
            results[item.index] = _replay(earlier[ref][0], item.digest, earlier[ref][1])
        elif ref in new:
            repeats.append(item)
        else:
            new[ref] = item

    bodies: dict[str, dict] = {}
    if new:
        try:
            with transaction.atomic():
                bodies = _write(client, list(new.values()), now=now, offences=offences)
        except IntegrityError:
            # Someone else took one of these references: answer each race one by one.
            for item in new.values():
                try:
                    outcome = submit_referral(
                        client, item.payload, item.data, source=item.data.source, now=now
                    )
                except IdempotencyConflict as exc:
                    results[item.index] = _conflict(str(exc))
                    continue
                bodies[item.data.source_reference] = outcome.body
                results[item.index] = ItemResult(201 if outcome.created else 200, outcome.body)
    for ref, item in new.items():
        results.setdefault(item.index, ItemResult(201, bodies[ref]))
    for item in repeats:
        first = new[item.data.source_reference]
        results[item.index] = _replay(
            first.digest, item.digest, bodies.get(first.data.source_reference)
        )
    return results


def _replay(stored_digest: str, digest: str, body: dict | None) -> ItemResult:
    if stored_digest != digest or body is None:
        return _conflict(
            "This source_reference was already used for a different referral; "
            "send a new source_reference for a new one."
        )
    return ItemResult(200, body)


def _conflict(detail: str) -> ItemResult:
    return ItemResult(409, errors=[{"pointer": "/source_reference", "detail": detail}])


def _write(client: ApiClient, items: list[Item], *, now: dt.datetime, offences) -> dict[str, dict]:
    force = client.force
    # Items are received in order: a microsecond apart, so that a person referred twice
    # in one batch is a repeat victim on the second referral, as if sent one by one.
    received = {item.index: now + dt.timedelta(microseconds=n) for n, item in enumerate(items)}
    people = _people(force, items, received, now)
    crimes = _crimes(force, items, offences)

    referrals, ivnas = [], []
    for item in items:
        data = item.data
        referrals.append(
            Referral(
                force=force,
                source=data.source,
                source_reference=data.source_reference,
                consent_basis=data.consent_basis,
                consent_recorded_on=data.consent_recorded_on,
                received_at=received[item.index],
                person=people[item.index],
                crime=crimes[data.crime.reference] if data.crime else None,
                referrer=data.referrer,
                confidential_from_police=data.source == ReferralSource.SELF_REFERRAL,
                api_client=client,
                request_hash=item.digest,
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
    seen_in_batch: dict[int, int] = {}
    for item, referral, ivna, reference in zip(items, referrals, ivnas, numbers, strict=True):
        person_id = referral.person.pk
        earlier = earlier_counts.get(person_id, 0) + seen_in_batch.get(person_id, 0)
        seen_in_batch[person_id] = seen_in_batch.get(person_id, 0) + 1
        opening = plan_case_opening(
            referral=referral,
            facts=triage_facts_for(referral, earlier_referrals=earlier, ivna=ivna),
            safe_contact=item.data.safe_contact.as_case_fields(
                domestic_abuse=item.data.ivna.domestic_abuse
            ),
            reference=reference,
            now=referral.received_at,
        )
        # The answer is known before the insert, so it is stored with the referral.
        referral.case = opening.case
        referral.response_body = referral_body(referral)
        openings.append(opening)

    Referral.objects.bulk_create(referrals)
    for referral, ivna in zip(referrals, ivnas, strict=True):
        ivna.referral = referral
    Ivna.objects.bulk_create(ivnas)
    Case.objects.bulk_create([o.case for o in openings])
    CaseEvent.objects.bulk_create([event for o in openings for event in o.events])
    return {r.source_reference: r.response_body for r in referrals}


def _people(force, items: list[Item], received, now: dt.datetime) -> dict[int, Person]:
    """Each item's person: linked by name and date of birth, created otherwise."""
    by_item: dict[int, Person] = {}
    keyed: dict[str, Item] = {}
    unkeyed: list[Item] = []
    for item in items:
        p = item.data.person
        key = person_match_key(p.given_name, p.family_name, p.date_of_birth)
        if key:
            keyed.setdefault(key, item)
        else:
            unkeyed.append(item)

    def on(item: Item) -> dt.date:
        return item.data.crime.reported_on if item.data.crime else local_date(received[item.index])

    if keyed:
        Person.objects.bulk_create(
            [
                Person(force=force, match_key=key, **person_fields(item.data.person, on(item)))
                for key, item in keyed.items()
            ],
            ignore_conflicts=True,
        )
        found = {
            p.match_key: p
            for p in Person.objects.select_for_update()
            .filter(force=force, match_key__in=list(keyed))
            .order_by("pk")
        }
        changed: dict[int, Person] = {}
        for item in items:
            p = item.data.person
            key = person_match_key(p.given_name, p.family_name, p.date_of_birth)
            if not key:
                continue
            person = found[key]
            by_item[item.index] = person
            if apply_newer_details(person, p, on=on(item)):
                person.updated_at = now
                changed[person.pk] = person
        if changed:
            Person.objects.bulk_update(list(changed.values()), [*UPDATABLE_FIELDS, "updated_at"])
    created = Person.objects.bulk_create(
        [Person(force=force, match_key="", **person_fields(i.data.person, on(i))) for i in unkeyed]
    )
    for item, person in zip(unkeyed, created, strict=True):
        by_item[item.index] = person
    return by_item


def _crimes(force, items: list[Item], offences) -> dict[str, CrimeReport]:
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
