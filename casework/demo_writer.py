"""Writes the demo's planned referrals and cases in bulk (see ``casework.demo``).

Rows go in through ``casework.demo_rows`` (ids drawn from each table's sequence, then
5,000 rows a statement as one JSON parameter), inside the caller's transaction; the ids
link each table to the next. ``updated_at`` is an ``auto_now`` field that ``bulk_create``
would stamp with the wall clock: each row is given its own from the seeded timeline and
written with it, rather than updated afterwards. The timelines, the largest table and one
nothing refers to, go in with a single COPY instead (``_copy_events``).

Letters and emails sent before the as-of moment are written as ``letters.sending`` would
have left them (channel, template version, content, cost, Message-ID), with two
exceptions for speed: no PDF is made (``pdf`` stays blank: rendering the 7,500 or so
postal letters of 25,000 victims at ~0.1 s each would take about ten times as long as the
rest of the seeding), and no email is sent. Each day's postal letters are in that day's
print run, so that the live print run never reaches back for a historic letter, whose PDF
it would not find; a run's manifest counts one page per letter, as the templates' letters
are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from psycopg.types.json import Jsonb

from assessments.models import Dvna, DvnaNeed, Ivna, OutcomeScores
from casework.demo_rows import assign_ids, insert_rows, write_rows, write_tables
from casework.demo_staff import delete_seeded_staff
from casework.models import (
    Case,
    CaseAccess,
    CaseEvent,
    CaseEventKind,
    CaseState,
    ContactAttempt,
    ContactOutcome,
)
from casework.plan_models import (
    CarePlan,
    CicaClaim,
    OnwardReferral,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from casework.retention import review_date
from casework.services import allocate_case_numbers, restart_case_numbers
from casework.volunteer_models import VolunteerAssignment, VolunteerContact
from hub.calendar import LONDON, local_date
from hub.sql import build
from letters.models import Channel, Letter, LetterStatus, LetterTemplate, PrintRun, Purpose
from letters.planning import new_letter
from letters.rendering import (
    PLACEHOLDER,
    LetterContent,
    TemplateProblem,
    check_placeholders,
    split_paragraphs,
)
from letters.sending import letter_values, message_id, recipient
from referrals.models import (
    ConsentBasis,
    CourtResult,
    CrimeReport,
    Person,
    Referral,
    ReferralSource,
)

PRINT_RUN_AT = dt.time(16, 30)  # the daily print run (settings.CELERY_BEAT_SCHEDULE)
_CONTENT_FIELDS = tuple(f.name for f in dataclasses.fields(LetterContent))


class _Event(NamedTuple):
    """One ``CaseEvent`` row, in its columns' order (see ``_copy_events``)."""

    case_id: int
    kind: str
    at: dt.datetime
    actor_id: int | None = None
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    detail: dict | None = None  # written as {}


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
        cases = self._cases(people, referrals)
        ivnas = [
            build(
                Ivna,
                referral_id=referral.pk,
                created_at=plan.received_at,
                updated_at=plan.received_at,
                **plan.ivna,
            )
            for plan, referral in zip(self.plans, referrals, strict=True)
        ]
        named = Case.named_staff.through
        write_tables(
            (Ivna, ivnas),
            (
                named,
                [
                    build(named, case_id=case.pk, user_id=plan.vcc.pk)
                    for plan, case in zip(self.plans, cases, strict=True)
                    if plan.restricted
                ],
            ),
        )
        calls = self._calls(cases)
        letters = self._letters(cases, people, referrals, crimes)
        self._timelines(cases, calls, letters)
        self.dvnas = self._assessments(cases)
        self.cases = cases

    def _people(self) -> list[Person]:
        planner = self.planner
        people = [
            build(
                Person,
                force=self.force,
                created_at=first_seen,
                updated_at=max(referred),
                **person.fields,
            )
            for person, first_seen, referred in zip(
                planner.persons, planner.person_first_seen, planner.person_referrals, strict=True
            )
        ]
        return write_rows(Person, people)

    def _crimes(self) -> list[CrimeReport]:
        crimes = [
            build(
                CrimeReport,
                force=self.force,
                updated_at=crime["created_at"],
                **{k: v for k, v in crime.items() if k[0] != "_"},
            )
            for crime in self.planner.crimes
        ]
        return write_rows(CrimeReport, crimes)

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
                build(
                    Referral,
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
                    updated_at=plan.received_at,
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    api_client=self.api_client if plan.source in from_police else None,
                )
            )
        return write_rows(Referral, referrals)

    def _cases(self, people, referrals) -> list[Case]:
        references = _references([plan.received_at for plan in self.plans])
        cases = []
        for plan, referral, reference in zip(self.plans, referrals, references, strict=True):
            realised, result = plan.realised, plan.result
            cases.append(
                build(
                    Case,
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
                    updated_at=self._last_change(plan),
                    **plan.safe_contact,
                )
            )
            case = cases[-1]
            if realised.closed_at:
                # The review date closing would have set (it needs the victim's birth date).
                case.person = people[plan.person]
                case.retention_review_on = review_date(
                    case, closed_on=local_date(realised.closed_at)
                )
        return write_rows(Case, cases)

    def _calls(self, cases) -> list[list[ContactAttempt]]:
        """Each case's calls as recorded (returned, by case) and, for a case still awaiting
        contact, its one planned call."""
        rows, recorded = [], []
        for plan, case in zip(self.plans, cases, strict=True):
            realised = plan.realised
            made = [
                build(
                    ContactAttempt,
                    case_id=case.pk,
                    episode=case.episode,
                    number=call.number,
                    band=call.window.band,
                    window_start=call.window.start,
                    window_end=call.window.end,
                    late=call.late,
                    planned_at=call.planned_at,
                    outcome=call.outcome,
                    recorded_at=call.at,
                    recorded_by_id=plan.vcc.pk,
                )
                for call in realised.calls
            ]
            rows += made
            recorded.append(made)
            call = realised.next_call
            if call is not None:
                rows.append(
                    build(
                        ContactAttempt,
                        case_id=case.pk,
                        episode=case.episode,
                        number=call.number,
                        band=call.window.band,
                        window_start=call.window.start,
                        window_end=call.window.end,
                        late=call.late,
                        planned_at=call.planned_at,
                    )
                )
        write_rows(ContactAttempt, rows)
        return recorded

    def _letters(self, cases, people, referrals, crimes) -> list[list[Letter]]:
        """Each case's letters and emails sent (returned, by case) and those still to go."""
        wordings = {purpose: _Wording(t) for purpose, t in _first_templates().items()}
        rows, sent = [], []
        for plan, case, referral in zip(self.plans, cases, referrals, strict=True):
            realised = plan.realised
            if realised.letters_sent:
                # What the letter says comes from the case's person, crime, force and VCC:
                # given here from memory rather than fetched case by case.
                case.person = people[plan.person]
                referral.crime = crimes[plan.crime] if plan.crime is not None else None
                case.referral = referral
                if case.responsible_id:
                    case.responsible = plan.vcc
            mine = []
            for written in realised.letters_sent:
                letter = new_letter(
                    case, purpose=written.purpose, trigger=written.trigger, due_at=written.due_at
                )
                wording = wordings[written.purpose]
                content = wording.content(letter, now=written.sent_at)
                letter.status = LetterStatus.SENT
                letter.attempts = 1
                letter.enqueued_at = letter.claimed_at = letter.sent_at = written.sent_at
                letter.channel = written.channel
                letter.template = wording.template
                letter.content = _content_json(content)
                letter.cost_pence = settings.LETTER_COST_PENCE[written.channel]
                letter.created_at = written.due_at
                mine.append(letter)
            for written in realised.letters_due:
                letter = new_letter(
                    case, purpose=written.purpose, trigger=written.trigger, due_at=written.due_at
                )
                letter.created_at = written.due_at
                rows.append(letter)
            rows += mine
            sent.append(mine)
        # What needs the letters' ids (an email's Message-ID, a postal letter's print run)
        # is set before they are written.
        assign_ids((Letter, rows))
        runs = self._print_runs([letter for mine in sent for letter in mine])
        for letter in rows:
            letter.updated_at = letter.sent_at or letter.due_at
            if letter.channel == Channel.EMAIL:
                letter.message_id = message_id(letter)
            letter.print_run_id = runs.get(letter.pk)
        insert_rows((Letter, rows))
        return sent

    def _print_runs(self, sent: list[Letter]) -> dict[int, int]:
        """Each day's run of the postal letters made that day; the run of each letter."""
        by_day: dict[dt.date, list[Letter]] = {}
        for letter in sent:
            if letter.channel == Channel.POST:
                by_day.setdefault(local_date(letter.sent_at), []).append(letter)
        runs, members = [], []
        for day in sorted(by_day):
            letters = sorted(by_day[day], key=lambda letter: (letter.sent_at, letter.pk))
            manifest = [
                {
                    "letter": letter.pk,
                    "case": letter.case.reference,
                    "purpose": str(letter.purpose),
                    # One page, and its blank back: each letter starts on a fresh sheet.
                    "first_page": 2 * index + 1,
                    "pages": 1,
                    "large_print": letter.content["large_print"],
                }
                for index, letter in enumerate(letters)
            ]
            made = max(
                dt.datetime.combine(day, PRINT_RUN_AT, tzinfo=LONDON),
                letters[-1].sent_at + dt.timedelta(minutes=5),
            )
            runs.append(
                build(
                    PrintRun,
                    force=self.force,
                    date=day,
                    manifest=manifest,
                    created_at=made,
                    updated_at=made,
                )
            )
            members.append(letters)
        write_rows(PrintRun, runs)
        return {
            letter.pk: run.pk
            for run, letters in zip(runs, members, strict=True)
            for letter in letters
        }

    def _timelines(self, cases, calls, letters) -> None:
        events = []
        for plan, case, made, sent in zip(self.plans, cases, calls, letters, strict=True):
            events += self._timeline(plan, case.pk, made, sent)
        _copy_events(events)

    def _timeline(self, plan, case_id: int, calls, letters) -> list[_Event]:
        vcc_id = plan.vcc.pk
        events = [
            _Event(
                case_id,
                CaseEventKind.REFERRAL_RECEIVED,
                plan.received_at,
                actor_id=vcc_id if plan.staff_entered else None,
                detail={"source": plan.source},
            ),
            _Event(
                case_id,
                CaseEventKind.TRIAGED,
                plan.received_at,
                reason=" ".join(plan.result.reasons),
                detail={"priority": plan.result.priority},
            ),
        ]
        # As casework.contact writes them: a call's event before the change it brings about,
        # a letter's before the change its sending brings about (the sort below is stable).
        for attempt in calls:
            outcome = ContactOutcome(attempt.outcome)
            events.append(
                _Event(
                    case_id,
                    CaseEventKind.CONTACT_ATTEMPT,
                    attempt.recorded_at,
                    actor_id=vcc_id,
                    reason=f"Call {attempt.number}: {outcome.label}.",
                    detail={
                        "attempt": attempt.pk,
                        "number": attempt.number,
                        "outcome": outcome.value,
                    },
                )
            )
        for letter in letters:
            how = "by email" if letter.channel == Channel.EMAIL else "by post"
            events.append(
                _Event(
                    case_id,
                    CaseEventKind.LETTER,
                    letter.sent_at,
                    reason=f"{Purpose(letter.purpose).label} sent {how}.",
                    detail={
                        "letter": letter.pk,
                        "purpose": str(letter.purpose),
                        "channel": str(letter.channel),
                    },
                )
            )
        state = CaseState.NEW
        for step in plan.realised.steps:
            events.append(
                _Event(
                    case_id,
                    CaseEventKind.TRANSITION,
                    step.at,
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
                _Event(
                    case_id,
                    CaseEventKind.ALLOCATED,
                    plan.allocated_at,
                    actor_id=self.manager_id,
                    reason=f"Allocated to {plan.vcc.display_name}.",
                    detail={"to": plan.vcc.username},
                )
            )
        # Stable: events at the same moment keep the order they happened in.
        return sorted(events, key=lambda e: e.at)

    def _assessments(self, cases) -> dict[int, Dvna]:
        dvnas, scores, indexes = [], [], []
        for index, (plan, case) in enumerate(zip(self.plans, cases, strict=True)):
            vcc_id = plan.vcc.pk
            if plan.realised.dvna:
                indexes.append(index)
                started, completed = plan.realised.dvna
                dvnas.append(
                    build(
                        Dvna,
                        case_id=case.pk,
                        started_at=started,
                        started_by_id=vcc_id,
                        completed_at=completed,
                        completed_by_id=vcc_id if completed else None,
                        created_at=started,
                        updated_at=completed or started,
                    )
                )
            scores += [
                build(
                    OutcomeScores,
                    case_id=case.pk,
                    stage=s.stage,
                    health=s.health,
                    coping=s.coping,
                    safety=s.safety,
                    empowerment=s.empowerment,
                    recorded_at=s.at,
                    recorded_by_id=vcc_id,
                    created_at=s.at,
                    updated_at=s.at,
                )
                for s in plan.realised.scores
            ]
        dvnas = write_rows(Dvna, dvnas)
        scores = write_rows(OutcomeScores, scores)
        return dict(zip(indexes, dvnas, strict=True))

    @staticmethod
    def _last_change(plan) -> dt.datetime:
        moments = [plan.received_at, *(s.at for s in plan.realised.steps)]
        if plan.allocated:
            moments.append(plan.allocated_at)
        return max(moments)


# Every case and intake table, each before the tables its rows refer to: what the cascade
# from cases, referrals and people reaches.
CASE_DATA = (
    Letter,
    PrintRun,
    ContactAttempt,
    CaseEvent,
    CourtResult,
    VolunteerContact,
    VolunteerAssignment,
    PlanAction,
    PlanReview,
    PlanGoal,
    CarePlan,
    OnwardReferral,
    CicaClaim,
    DvnaNeed,
    OutcomeScores,
    Dvna,
    CaseAccess,
    Case.named_staff.through,
    Case,
    Ivna,
    Referral,
    CrimeReport,
    Person,
)


def clear_case_data() -> None:
    """Delete every case and intake record and the seeded staff (never a superuser); the
    audit log, which outlives what it speaks of, is left as it is."""
    # A DELETE of each whole table rather than Django's collector, which fetched the ids
    # of every row to delete their dependents by id (some 20 s for 25,000 victims). No
    # receiver listens for these models' deletion. Not TRUNCATE: the application's
    # database role may not (``grant_app_role``).
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in CASE_DATA:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
        # The foreign keys are checked now rather than at commit, so that a row kept
        # elsewhere that refers to one of these (a subject access request's person)
        # stops the deletion here, as PROTECT did, before anything is seeded.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    # With no case left, the new demo's references start again at VH-YYYY-000001.
    restart_case_numbers()
    delete_seeded_staff()


def _copy_events(events: list[_Event]) -> None:
    """Write the timelines with COPY rather than ``bulk_create``: at some 170,000 rows for
    25,000 victims they are by far the largest table, nothing refers to their rows (so no
    ids are needed back) and they have no ``auto_now`` field; COPY writes them about six
    times faster, which pays for the calls and letters the demo writes besides."""
    table = CaseEvent._meta.db_table
    columns = ", ".join(CaseEvent._meta.get_field(name).column for name in _Event._fields)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for event in events:
            copy.write_row((*event[:-1], Jsonb(event.detail or {})))


def _first_templates() -> dict[str, LetterTemplate]:
    """Version 1 of each letter's English words (a data migration's), which a year of
    letters was made from whatever administrators have changed since."""
    purposes = [Purpose.INFORMATION, Purpose.UNABLE_TO_CONTACT]
    found = {
        t.purpose: t
        for t in LetterTemplate.objects.filter(purpose__in=purposes, language="en", version=1)
    }
    if len(found) < len(purposes):
        raise ValueError("No letter templates in the database: run the migrations first.")
    return found


class _Wording:
    """One template version's words, checked and split at their placeholders once.

    ``content`` is what ``letters.sending.letter_content`` makes of them for a letter (the
    tests hold the two to the same result); it fills the split words rather than checking
    and parsing the same words again for each of some 20,000 letters, which took a tenth
    of the seeding's time.
    """

    def __init__(self, template: LetterTemplate):
        texts = [template.subject, *split_paragraphs(template.body)]
        problems = [problem for text in texts for problem in check_placeholders(text)]
        if problems:
            raise TemplateProblem(problems)
        self.template = template
        self._subject, *self._paragraphs = [PLACEHOLDER.split(text) for text in texts]

    def content(self, letter: Letter, *, now: dt.datetime) -> LetterContent:
        case = letter.case
        values = letter_values(letter, case, now=now)
        to = recipient(case)
        paragraphs = [_fill(parts, values) for parts in self._paragraphs]
        return LetterContent(
            hub_name=values["hub_name"],
            hub_phone=values["hub_phone"],
            hub_email=values["hub_email"],
            hub_hours=values["hub_hours"],
            recipient_name=to["name"],
            address_lines=tuple(to["address"]),
            postcode=to["postcode"],
            date=local_date(now),
            reference=case.reference,
            vcc_name=values["vcc_name"],
            subject=_fill(self._subject, values),
            paragraphs=tuple(p for p in paragraphs if p),
            large_print=case.large_print,
            language=self.template.language,
        )


def _fill(parts: list[str], values: dict[str, str]) -> str:
    """Words split by ``PLACEHOLDER`` (text, name, text, …) with the names' values put in."""
    return "".join(str(values[part]) if i % 2 else part for i, part in enumerate(parts))


def _content_json(content: LetterContent) -> dict:
    """``content.to_json()``, without the deep copies of ``dataclasses.asdict`` that made it
    a tenth of the time spent on each letter."""
    data = {name: getattr(content, name) for name in _CONTENT_FIELDS}
    data["date"] = content.date.isoformat()
    data["address_lines"] = list(content.address_lines)
    data["paragraphs"] = list(content.paragraphs)
    return data


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
