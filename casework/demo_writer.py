"""Writes the demo's planned referrals and cases in bulk (see ``casework.demo``).

``bulk_create`` in batches, one statement per batch, inside the caller's transaction; the
primary keys PostgreSQL returns link each table to the next. ``updated_at`` is an
``auto_now`` field that ``bulk_create`` would stamp with the wall clock, so it is set
afterwards from the seeded timeline, one ``UPDATE`` per table.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection

from assessments.models import Dvna, Ivna, OutcomeScores
from casework.demo_staff import delete_seeded_staff
from casework.models import Case, CaseEvent, CaseEventKind, CaseReferenceCounter, CaseState
from casework.services import allocate_case_numbers
from referrals.models import (
    ConsentBasis,
    CourtResult,
    CrimeReport,
    Person,
    Referral,
    ReferralSource,
)

BATCH_SIZE = 2000


class Writer:
    def __init__(self, force, staff, planner, api_client):
        self.force = force
        self.api_client = api_client
        self.manager_id = staff.manager.pk
        self.planner = planner
        self.plans = planner.plans

    def write(self) -> None:
        people = self._people()
        crimes = self._crimes()
        referrals = self._referrals(people, crimes)
        ivnas = Ivna.objects.bulk_create(
            [
                Ivna(referral_id=referral.pk, created_at=plan.received_at, **plan.ivna)
                for plan, referral in zip(self.plans, referrals, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        cases = self._cases(people, referrals)
        Case.named_staff.through.objects.bulk_create(
            [
                Case.named_staff.through(case_id=case.pk, user_id=plan.vcc.pk)
                for plan, case in zip(self.plans, cases, strict=True)
                if plan.restricted
            ],
            batch_size=BATCH_SIZE,
        )
        self._timelines(cases)
        self._assessments(cases)
        _set_updated_at(Person, people, [max(r) for r in self.planner.person_referrals])
        _set_updated_at(CrimeReport, crimes, [c["created_at"] for c in self.planner.crimes])
        received = [plan.received_at for plan in self.plans]
        _set_updated_at(Referral, referrals, received)
        _set_updated_at(Ivna, ivnas, received)
        _set_updated_at(Case, cases, [self._last_change(plan) for plan in self.plans])

    def _people(self) -> list[Person]:
        people = [
            Person(force=self.force, created_at=first_seen, **person.fields)
            for person, first_seen in zip(
                self.planner.persons, self.planner.person_first_seen, strict=True
            )
        ]
        return Person.objects.bulk_create(people, batch_size=BATCH_SIZE)

    def _crimes(self) -> list[CrimeReport]:
        crimes = [
            CrimeReport(force=self.force, **{k: v for k, v in crime.items() if k[0] != "_"})
            for crime in self.planner.crimes
        ]
        return CrimeReport.objects.bulk_create(crimes, batch_size=BATCH_SIZE)

    def _referrals(self, people, crimes) -> list[Referral]:
        # Public ids are drawn from the seed too (after all planning), so that two runs
        # give the same ids rather than fresh random UUIDs.
        rng = self.planner.rng
        from_police = {ReferralSource.POLICE_API, ReferralSource.ADT_BATCH}
        referrals = []
        for plan in self.plans:
            crime = crimes[plan.crime] if plan.crime is not None else None
            adt = plan.source == ReferralSource.ADT_BATCH
            consented_on = crime.reported_on if crime else plan.received_at.date()
            referrals.append(
                Referral(
                    force=self.force,
                    source=plan.source,
                    source_reference=plan.source_reference,
                    consent_basis=ConsentBasis.ADT if adt else ConsentBasis.CONSENT,
                    consent_recorded_on=None if adt else consented_on,
                    received_at=plan.received_at,
                    person_id=people[plan.person].pk,
                    crime_id=crime.pk if crime else None,
                    referrer=plan.referrer,
                    confidential_from_police=plan.source == ReferralSource.SELF_REFERRAL,
                    created_at=plan.received_at,
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    api_client=self.api_client if plan.source in from_police else None,
                )
            )
        return Referral.objects.bulk_create(referrals, batch_size=BATCH_SIZE)

    def _cases(self, people, referrals) -> list[Case]:
        references = _references([plan.received_at for plan in self.plans])
        cases = []
        for plan, referral, reference in zip(self.plans, referrals, references, strict=True):
            realised, result = plan.realised, plan.result
            cases.append(
                Case(
                    reference=reference,
                    force=self.force,
                    referral_id=referral.pk,
                    person_id=people[plan.person].pk,
                    # A new instance may be given its state: bulk seeding only (see demo.py).
                    state=realised.state,
                    closure_reason=realised.closure_reason,
                    priority=result.priority,
                    priority_reasons=result.reasons,
                    enhanced_police=plan.ivna["enhanced_entitlement"],
                    enhanced_derived=result.derived_groups,
                    domestic_abuse=plan.domestic_abuse,
                    first_contact_due=result.first_contact_due,
                    information_due=result.information_due,
                    responsible_id=plan.vcc.pk if plan.allocated else None,
                    restricted=plan.restricted,
                    opened_at=plan.received_at,
                    first_contact_at=realised.first_contact_at,
                    support_started_at=realised.support_started_at,
                    closed_at=realised.closed_at,
                    created_at=plan.received_at,
                    **plan.safe_contact,
                )
            )
        return Case.objects.bulk_create(cases, batch_size=BATCH_SIZE)

    def _timelines(self, cases) -> None:
        events = []
        for plan, case in zip(self.plans, cases, strict=True):
            events += self._timeline(plan, case.pk)
        CaseEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)

    def _timeline(self, plan, case_id: int) -> list[CaseEvent]:
        vcc_id = plan.vcc.pk
        events = [
            CaseEvent(
                case_id=case_id,
                kind=CaseEventKind.REFERRAL_RECEIVED,
                at=plan.received_at,
                actor_id=vcc_id if plan.staff_entered else None,
                detail={"source": plan.source},
            ),
            CaseEvent(
                case_id=case_id,
                kind=CaseEventKind.TRIAGED,
                at=plan.received_at,
                reason=" ".join(plan.result.reasons),
                detail={"priority": plan.result.priority},
            ),
        ]
        state = CaseState.NEW
        for step in plan.realised.steps:
            events.append(
                CaseEvent(
                    case_id=case_id,
                    kind=CaseEventKind.TRANSITION,
                    at=step.at,
                    actor_id=vcc_id if step.human else None,
                    from_state=state,
                    to_state=step.to_state,
                    reason=step.reason,
                    detail=step.detail,
                )
            )
            state = step.to_state
        if plan.allocated:
            events.append(
                CaseEvent(
                    case_id=case_id,
                    kind=CaseEventKind.ALLOCATED,
                    at=plan.allocated_at,
                    actor_id=self.manager_id,
                    reason=f"Allocated to {plan.vcc.display_name}.",
                    detail={"to": plan.vcc.username},
                )
            )
        # Stable: events at the same moment keep the order they happened in.
        return sorted(events, key=lambda e: e.at)

    def _assessments(self, cases) -> None:
        dvnas, scores = [], []
        for plan, case in zip(self.plans, cases, strict=True):
            vcc_id = plan.vcc.pk
            if plan.realised.dvna:
                started, completed = plan.realised.dvna
                dvnas.append(
                    Dvna(
                        case_id=case.pk,
                        started_at=started,
                        started_by_id=vcc_id,
                        completed_at=completed,
                        completed_by_id=vcc_id if completed else None,
                        created_at=started,
                    )
                )
            scores += [
                OutcomeScores(
                    case_id=case.pk,
                    stage=s.stage,
                    health=s.health,
                    coping=s.coping,
                    safety=s.safety,
                    empowerment=s.empowerment,
                    recorded_at=s.at,
                    recorded_by_id=vcc_id,
                    created_at=s.at,
                )
                for s in plan.realised.scores
            ]
        dvnas = Dvna.objects.bulk_create(dvnas, batch_size=BATCH_SIZE)
        scores = OutcomeScores.objects.bulk_create(scores, batch_size=BATCH_SIZE)
        _set_updated_at(Dvna, dvnas, [d.completed_at or d.started_at for d in dvnas])
        _set_updated_at(OutcomeScores, scores, [s.recorded_at for s in scores])

    @staticmethod
    def _last_change(plan) -> dt.datetime:
        moments = [plan.received_at, *(s.at for s in plan.realised.steps)]
        if plan.allocated:
            moments.append(plan.allocated_at)
        return max(moments)


def clear_case_data() -> None:
    """Delete every case and intake record and the seeded staff (never a superuser)."""
    CaseEvent.objects.all().delete()
    CourtResult.objects.all().delete()
    OutcomeScores.objects.all().delete()
    Dvna.objects.all().delete()
    Case.named_staff.through.objects.all().delete()
    Case.objects.all().delete()
    Ivna.objects.all().delete()
    Referral.objects.all().delete()
    CrimeReport.objects.all().delete()
    Person.objects.all().delete()
    CaseReferenceCounter.objects.all().delete()
    delete_seeded_staff()


def _references(opened: list[dt.datetime]) -> list[str]:
    """Case references in received order, one block per local year of opening."""
    by_year: dict[int, list[int]] = {}
    for index, moment in enumerate(opened):
        by_year.setdefault(moment.year, []).append(index)
    references = [""] * len(opened)
    for year in sorted(by_year):
        indexes = by_year[year]
        for index, reference in zip(
            indexes, allocate_case_numbers(year, len(indexes)), strict=True
        ):
            references[index] = reference
    return references


def _set_updated_at(model, rows, moments: list[dt.datetime]) -> None:
    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET updated_at = v.at "  # noqa: S608 - a model's own table
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE t.id = v.id",
            [[row.pk for row in rows], moments],
        )
