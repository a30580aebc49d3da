"""Writing referrals: one set-based path for every way in.

Single API referrals, ADT batches and staff-entered referrals all end here. The rows are
built in memory first (people linked by name and date of birth, crimes reused, triage,
case numbers, the case and its first timeline events, the API's answer) and then written
in a few statements for each part of a batch (``WRITE_PART`` referrals): the referrals,
IVNAs, cases and their timelines, built by their own apps' functions
(``plan_case_opening``), are written together in one statement (``hub.sql``). The
caller's transaction holds it together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
from hub.sql import IdPool, Pipeline, Upsert, build, mark_saved
from letters.models import Letter
from referrals.inputs import ReferralInput
from referrals.models import (
    CrimeReport,
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

    A large batch goes a part (``WRITE_PART`` referrals) at a time, in one ``Pipeline``:
    every part's people and crimes are sent first (PostgreSQL writes the first while the
    rest are made); then each part is planned and its rows sent without waiting, so
    PostgreSQL writes one part while the next is planned rather than each waiting for the
    other. A referral, or a batch of one part, takes two round trips: its people and
    crimes, and the ids drawn; then its rows (and one more between them to count the
    earlier referrals of a victim the Hub knows).
    """
    offences = offence_table()
    received = [now + dt.timedelta(microseconds=n) for n in range(len(items))]
    year = now.astimezone(LONDON).year
    pool = IdPool(
        {model: most * len(items) for model, most in MOST_A_REFERRAL.items()},
        also=case_numbers_sql(year, len(items)),
    )
    people = _People(force, items, received, now)
    crimes = _Crimes(force, items, offences)
    parts = [slice(start, start + WRITE_PART) for start in range(0, len(items), WRITE_PART)]
    in_parts = len(parts) > 1
    opening = _Opening(
        force=force,
        now=now,
        by=by,
        api_client=api_client,
        answer=answer,
        crimes=crimes.by_reference,
        new_people=people.new,
        earlier_counts=people.earlier_counts,
        pool=pool,
    )
    written: list[list[tuple[type, list]]] = []
    with Pipeline() as pipeline:
        sent = []
        for n, part in enumerate(parts):
            sent.append((people.send(pipeline, part), crimes.send(pipeline, part)))
            if n == 0:
                drawn = pipeline.execute(*pool.statement())
        if in_parts:
            # Each part's foreign keys checked as it is written, while the next is
            # planned, rather than all at the commit.
            pipeline.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The first read waits for every part's people and crimes (psycopg reads the
        # results in order); PostgreSQL wrote the first ones while the rest were made.
        for part, (people_rows, crime_rows) in zip(parts, sent, strict=True):
            people.take(people_rows(), part)
            crimes.take(crime_rows())
        numbers = pool.fill(drawn()[0]) if parts else []
        people.count_earlier_referrals()
        for part in parts:
            rows = opening.plan(
                items[part],
                people.of[part],
                people.changes[part],
                received[part],
                case_references(year, numbers[part]),
            )
            pipeline.insert([objs for _, objs in rows])
            written.append(rows)
        if in_parts:
            # Back to the checks at commit for the rest of the transaction. (The schema
            # has no constraint that is deferrable but checked at once by default, which
            # this would defer too: Django's foreign keys are all deferred by default.)
            pipeline.execute("SET CONSTRAINTS ALL DEFERRED")
    people.save_changes()
    for rows in written:
        for _, objs in rows:
            mark_saved(objs)
    return [referral for rows in written for referral in rows[0][1]]


# Referrals planned and written together in a large batch (see ``write_referrals``).
WRITE_PART = 50


class _People:
    """Each item's person, linked by name and date of birth or created; the people new
    here, and the earlier referrals of those who are not."""

    def __init__(self, force, items, received, now: dt.datetime):
        self.force, self.now = force, now
        self.persons = [item.data.person for item in items]
        self.ons = [
            item.data.crime.reported_on if item.data.crime else local_date(at)
            for item, at in zip(items, received, strict=True)
        ]
        self.keys = [
            person_match_key(p.given_name, p.family_name, p.date_of_birth) for p in self.persons
        ]
        self.of: list[Person | None] = [None] * len(items)
        self.found: dict[str, Person] = {}
        self.new: set[int] = set()
        self.earlier_counts: dict[int, int] = {}
        self.changed: dict[int, Person] = {}
        # The details each item's referral brought up to date, for the audit log.
        self.changes: list[list[str]] = [[] for _ in items]
        self._first = {}
        for position, key in enumerate(self.keys):
            if key:
                self._first.setdefault(key, position)
        self._create_unkeyed()

    def _create_unkeyed(self) -> None:
        """People without a key to link by are new: created before the rest (rare)."""
        unkeyed = [n for n, key in enumerate(self.keys) if not key]
        if not unkeyed:
            return
        created = Person.objects.bulk_create(
            [
                build(
                    Person,
                    force=self.force,
                    match_key="",
                    **person_fields(self.persons[n], self.ons[n]),
                )
                for n in unkeyed
            ]
        )
        for position, person in zip(unkeyed, created, strict=True):
            self.of[position] = person
            self.new.add(person.pk)

    def send(self, pipeline: Pipeline, part: slice):
        """Send the insert-or-lock of the people first referred in ``part``; returns how
        to read it.

        On the unique (force, match_key): two referrals of the same new person arriving
        together create one person, the second waiting for the first."""
        positions = range(len(self.keys))[part]
        return pipeline.upsert(
            Upsert(
                [
                    build(
                        Person,
                        force=self.force,
                        match_key=self.keys[n],
                        **person_fields(self.persons[n], self.ons[n]),
                    )
                    for n in positions
                    if self.keys[n] and self._first[self.keys[n]] == n
                ],
                unique=["force", "match_key"],
                where="match_key <> ''",
            )
        )

    def take(self, stored, part: slice) -> None:
        """The people as stored, for the items of ``part`` (brought up to date by a newer
        referral)."""
        for person, inserted in stored:
            self.found[person.match_key] = person
            if inserted:
                self.new.add(person.pk)
        for position in range(len(self.keys))[part]:
            key = self.keys[position]
            if not key:
                continue
            person = self.of[position] = self.found[key]
            fields = apply_newer_details(person, self.persons[position], on=self.ons[position])
            if fields:
                person.updated_at = self.now
                self.changes[position] = sorted(fields)
                self.changed[person.pk] = person

    def count_earlier_referrals(self) -> None:
        """The referrals in the year before this one of each person linked here (a query
        only when someone was). A statement after the people's insert-or-lock: it sees a
        referral that a concurrent intake of the same person committed while the
        insert-or-lock waited for it."""
        linked = {person.pk for person in self.of if person is not None} - self.new
        if not linked:
            return
        since = self.now - dt.timedelta(days=REPEAT_WINDOW_DAYS)
        rows = (
            Referral.objects.filter(
                person_id__in=linked, received_at__gte=since, received_at__lt=self.now
            )
            .values("person_id")
            .annotate(n=Count("id"))
        )
        self.earlier_counts.update((row["person_id"], row["n"]) for row in rows)

    def save_changes(self) -> None:
        if self.changed:
            Person.objects.bulk_update(
                list(self.changed.values()), [*UPDATABLE_FIELDS, "updated_at"]
            )


class _Crimes:
    """The crime reports by reference: inserted, or the Hub's own reused as they stand."""

    def __init__(self, force, items, offences):
        self.force, self.offences = force, offences
        self.wanted: dict[str, object] = {}
        self.first: dict[str, int] = {}
        for position, item in enumerate(items):
            if item.data.crime:
                self.wanted.setdefault(item.data.crime.reference, item.data.crime)
                self.first.setdefault(item.data.crime.reference, position)
        self.count = len(items)
        self.by_reference: dict[str, CrimeReport] = {}

    def send(self, pipeline: Pipeline, part: slice):
        """Send the insert-or-lock of the crimes first reported in ``part``."""
        positions = range(self.count)[part]
        offences = self.offences
        return pipeline.upsert(
            Upsert(
                [
                    build(
                        CrimeReport,
                        force=self.force,
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
                    for reference, c in self.wanted.items()
                    if self.first[reference] in positions
                ],
                unique=["force", "reference"],
            )
        )

    def take(self, stored) -> None:
        by_id = offences_by_id(self.offences)
        for crime, _ in stored:
            # Known offence types are at hand; another one (added since the table was
            # read) is read when wanted.
            if (offence := by_id.get(crime.offence_id)) is not None:
                crime.offence = offence
            self.by_reference[crime.reference] = crime


@dataclass
class _Opening:
    """What opening the cases of a batch's referrals needs, a part of the batch at a time."""

    force: Force
    now: dt.datetime
    by: object
    api_client: object
    answer: object
    crimes: dict[str, CrimeReport]
    new_people: set[int]
    earlier_counts: dict[int, int]
    pool: IdPool
    seen: dict[int, int] = field(default_factory=dict)

    def plan(self, items, people, changes, received, references) -> list[tuple[type, list]]:
        """The rows of these referrals, their IVNAs and cases with the cases' timelines,
        first contact work and the audit log's rows, ids drawn and links made; in the order
        they are to be written (the referrals first)."""
        referrals, ivnas = [], []
        for item, person, at in zip(items, people, received, strict=True):
            data = item.data
            referrals.append(
                build(
                    Referral,
                    force=self.force,
                    source=data.source,
                    source_reference=data.source_reference,
                    consent_basis=data.consent_basis,
                    consent_recorded_on=data.consent_recorded_on,
                    received_at=at,
                    person=person,
                    crime=self.crimes[data.crime.reference] if data.crime else None,
                    referrer=data.referrer,
                    confidential_from_police=data.source == ReferralSource.SELF_REFERRAL,
                    api_client=self.api_client,
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

        openings = []
        seen = self.seen
        for item, referral, ivna in zip(items, referrals, ivnas, strict=True):
            person_id = referral.person.pk
            earlier = self.earlier_counts.get(person_id, 0) + seen.get(person_id, 0)
            seen[person_id] = seen.get(person_id, 0) + 1
            opening = plan_case_opening(
                referral=referral,
                facts=triage_facts_for(referral, earlier_referrals=earlier, ivna=ivna),
                safe_contact=item.data.safe_contact.as_case_fields(
                    domestic_abuse=item.data.ivna.domestic_abuse
                ),
                reference="",
                now=referral.received_at,
                by=self.by,
            )
            referral.case = opening.case
            openings.append(opening)

        # The ids and case numbers were drawn ahead (sequences: nothing stays locked).
        events = [event for o in openings for event in o.events]
        attempts = [attempt for o in openings for attempt in o.attempts]
        letters = [letter for o in openings for letter in o.letters]
        cases = [o.case for o in openings]
        rows = [(Referral, referrals), (Ivna, ivnas), (Case, cases), (CaseEvent, events)]
        # The contact work (the first call, or the information letter) is written with
        # the case, so a referral is never accepted without what happens next.
        rows += [(ContactAttempt, attempts), (Letter, letters)]
        # The audit log's rows go in the same statement: a referral is never stored unlogged.
        audited = _audit_rows(
            items, referrals, changes, self.new_people, self.by or self.api_client, self.now
        )
        rows += [(AuditEvent, [event for event, _ in audited])]
        ids = self.pool.take({model: len(objs) for model, objs in rows})
        for case, reference in zip(cases, references, strict=True):
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
            if self.answer is not None:
                # The answer is known before the insert, so it is stored with the referral.
                referral.response_body = self.answer(referral)
        return rows


def _audit_rows(
    items, referrals, changes, new_people: set[int], actor, now
) -> list[tuple[AuditEvent, Referral]]:
    """For each referral, its collection; for a person linked to an earlier referral, the
    combination, and the alteration of the details this referral brought up to date
    (``changes``, for each item). Each with its referral, whose ids (and its case's) are
    filled in once drawn."""
    rows = []
    for item, referral, changed in zip(items, referrals, changes, strict=True):
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
        if changed:
            alteration = audit_event(
                AuditAction.ALTERATION,
                object_type="person",
                object_id=person.pk,
                fields=changed,
                reason="Details brought up to date by a newer referral.",
                **about,
            )
            rows.append((alteration, referral))
    return rows
