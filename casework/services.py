"""Writes to cases. Every state change goes through exactly one function here.

Each function runs in ``transaction.atomic``: it locks the case row, refuses if the case
changed since the caller read it, calls the transition, saves the fields the transition
owns and writes the timeline event with the actor, all in one commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from casework.contact_plan import NoContactWindow, plan_attempt
from casework.models import (
    NOT_WRITTEN_TO,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseState,
    ClosureReason,
    ContactAttempt,
    Priority,
)
from casework.triage import OffenceFacts, TriageInput, triage
from hub import audit
from hub.audit import AuditAction
from hub.calendar import LONDON, local_date
from hub.errors import (
    AllocationRefused,
    CaseChanged,
    NoteRefused,
    PermissionRefused,
    TransitionRefused,
)
from hub.roles import CASE_ROLES, Role
from hub.sql import build
from letters.models import Purpose
from letters.planning import new_letter, plan_letter


def case_numbers_sql(year: int, count: int) -> tuple[str, list]:
    """The statement that draws ``count`` case numbers for ``year``, as one array.

    The numbers come from the year's own sequence (``casework_case_numbers``, migration
    ``0013``), so concurrent callers never share one and none waits for another's commit.
    """
    return ("SELECT casework_case_numbers(%s, %s)", [year, count])


def case_references(year: int, numbers: list[int]) -> list[str]:
    """``VH-YYYY-NNNNNN`` for each of ``numbers``."""
    return [f"VH-{year}-{n:06d}" for n in numbers]


def allocate_case_numbers(year: int, count: int = 1) -> list[str]:
    """Draw ``count`` ``VH-YYYY-NNNNNN`` references for ``year``, in increasing order (one
    caller's numbers run on unless another draws at the same moment)."""
    with connection.cursor() as cursor:
        cursor.execute(*case_numbers_sql(year, count))
        numbers = cursor.fetchone()[0]
    return case_references(year, numbers)


def restart_case_numbers() -> None:
    """Start every year's case numbers again at 1; refused (by the database) while any case
    exists. For a demo's data replaced as a whole."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT casework_restart_case_numbers()")


def triage_facts_for(referral, *, earlier_referrals: int, ivna=None) -> TriageInput:
    """The facts triage reads from a referral, its IVNA, its crime and its person."""
    ivna = ivna or referral.ivna
    crime = referral.crime
    offence = None
    age = None
    if crime is not None:
        if crime.offence is not None:
            offence = OffenceFacts(
                code=crime.offence.code,
                description=crime.offence.description,
                category=crime.offence.category,
                most_serious=crime.offence.most_serious,
            )
        age = referral.person.age_on(crime.reported_on)
    else:
        age = referral.person.age_on(referral.received_at.astimezone(LONDON).date())
    return TriageInput(
        needs_support=ivna.needs_support,
        received_at=referral.received_at,
        source=referral.source,
        police_groups=tuple(ivna.enhanced_entitlement),
        domestic_abuse=ivna.domestic_abuse,
        dash_risk=ivna.dash_risk,
        hate_crime=ivna.hate_crime,
        police_repeat_victim=ivna.repeat_victim,
        offence=offence,
        age_when_reported=age,
        earlier_referrals_in_window=earlier_referrals,
    )


@dataclass
class CaseOpening:
    """The rows that opening a case writes, built in memory; intake saves them together
    with the referral's own rows (``referrals.intake``)."""

    case: Case
    events: list[CaseEvent]
    attempts: list[ContactAttempt] = field(default_factory=list)
    letters: list = field(default_factory=list)


def plan_case_opening(
    *, referral, facts: TriageInput, safe_contact: dict, reference: str, now: dt.datetime, by=None
) -> CaseOpening:
    """Triage a referral and build its case and first timeline events, unsaved."""
    result = triage(facts, referral.force.calendar)
    case = build(
        Case,
        reference=reference,
        force=referral.force,
        referral=referral,
        person=referral.person,
        priority=result.priority,
        priority_reasons=result.reasons,
        enhanced_police=list(facts.police_groups),
        enhanced_derived=result.derived_groups,
        domestic_abuse=facts.domestic_abuse,
        first_contact_due=result.first_contact_due,
        information_due=result.information_due,
        opened_at=now,
        **safe_contact,
    )
    events = [
        build(
            CaseEvent,
            case=case,
            kind=CaseEventKind.REFERRAL_RECEIVED,
            at=referral.received_at,
            actor=by,
            detail={"source": referral.source},
        ),
        build(
            CaseEvent,
            case=case,
            kind=CaseEventKind.TRIAGED,
            at=now,
            reason=" ".join(result.reasons),
            detail={"priority": result.priority},
        ),
    ]
    opening = CaseOpening(case=case, events=events)
    if case.priority == Priority.P4:
        # No needs identified: the information letter or email goes within a working day;
        # the case moves on when it has gone.
        opening.letters.append(
            new_letter(case, purpose=Purpose.INFORMATION, trigger="referral", due_at=now)
        )
        return opening
    # Triaged with needs: the victim is to be phoned. A new case has no other writer,
    # so the transition is applied before the first save.
    case.await_contact()
    events.append(
        build(
            CaseEvent,
            case=case,
            kind=CaseEventKind.TRANSITION,
            at=now,
            from_state=CaseState.NEW,
            to_state=case.state,
            reason="Triaged with needs.",
        )
    )
    try:
        opening.attempts.append(first_attempt(case, now=now))
    except NoContactWindow as exc:
        case.attention = str(exc)
        events.append(flag_event(case, str(exc), now=now))
    return opening


def first_attempt(case: Case, *, now: dt.datetime) -> ContactAttempt:
    """The first call, unsaved: the earliest safe window, by the deadline where one allows."""
    slot = plan_attempt(
        case.force.calendar, case.safe_times, after=now, deadline=case.first_contact_due
    )
    return planned_call(case, slot, number=1, now=now)


def planned_call(case: Case, slot, *, number: int, now: dt.datetime) -> ContactAttempt:
    """An unsaved call planned in ``slot`` (a ``contact_plan.PlannedAttempt``)."""
    return build(
        ContactAttempt,
        case=case,
        episode=case.episode,
        number=number,
        band=slot.band,
        window_start=slot.start,
        window_end=slot.end,
        late=slot.late,
        planned_at=now,
    )


def flag_event(case: Case, reason: str, *, now: dt.datetime) -> CaseEvent:
    """The timeline entry for automatic contact stopping until a co-ordinator acts."""
    return CaseEvent(case=case, kind=CaseEventKind.FLAGGED, at=now, reason=reason)


def log_case_event(
    case: Case,
    *,
    kind: str,
    reason: str,
    by,
    now: dt.datetime,
    detail: dict | None = None,
    audit_action: str | None = None,
    object_type: str = "case",
    object_id=None,
    fields=(),
    audit_reason: str = "",
    **audit_fields,
) -> CaseEvent:
    """Put an entry on the case's timeline, in the caller's transaction; the one way other
    apps write to it. With ``audit_action``, the audit row of the same change goes with it
    (``object_type``/``object_id`` name what changed, ``fields`` which of its fields,
    ``audit_reason`` why, for the data protection officer)."""
    event = CaseEvent.objects.create(
        case=case, kind=kind, at=now, actor=by, reason=reason, detail=detail or {}
    )
    if audit_action is not None:
        audit.for_case(
            audit_action,
            case,
            by=by,
            object_type=object_type,
            object_id=object_id,
            fields=list(fields),
            reason=audit_reason,
            at=now,
            **audit_fields,
        )
    return event


def _refusal(case: Case, name: str) -> str:
    """Why ``name`` cannot happen now, in words for staff."""
    transitions = [t for t in case.get_all_state_transitions() if t.name == name]
    label = name.replace("_", " ")
    fitting = [t for t in transitions if t.source in (case.state, "*")]
    if not fitting:
        return f"A case in {case.get_state_display().lower()} cannot {label}."
    missing = {
        getattr(cond, "hint", cond.__name__)
        for t in fitting
        for cond in t.conditions
        if not cond(case)
    }
    return f"Cannot {label} yet: requires {' and '.join(sorted(missing))}."


def _change_state(
    case: Case,
    change: Callable[[Case], None],
    *,
    by,
    now: dt.datetime,
    reason: str = "",
    fields: Iterable[str] = (),
    name: str = "",
    then: Callable[[Case], None] | None = None,
) -> Case:
    with transaction.atomic():
        # Lock the row and compare with what the caller saw: a concurrent change is
        # reported, never silently overwritten.
        stored = Case.objects.select_for_update().values_list("state", flat=True).get(pk=case.pk)
        if stored != case.state:
            raise CaseChanged(
                f"{case.reference} was changed by someone else (it is now "
                f"{CaseState(stored).label.lower()}): reload it and try again."
            )
        from_state = case.state
        try:
            change(case)
        except TransitionNotAllowed as exc:
            raise TransitionRefused(_refusal(case, name)) from exc
        try:
            case.save(update_fields=["state", "updated_at", *fields])
        except ConcurrentTransition as exc:
            raise CaseChanged(f"{case.reference} was changed by someone else: reload it.") from exc
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.TRANSITION,
            at=now,
            actor=by,
            from_state=from_state,
            to_state=case.state,
            reason=reason,
        )
        audit.for_case(
            AuditAction.ALTERATION, case, by=by, fields=["state", *fields], reason=reason, at=now
        )
        if then is not None:
            then(case)  # what the change brings with it, in the same commit
    return case


def _drop_planned_calls(case: Case) -> None:
    # Once the victim is reached, or the case ends, no call is left in anyone's queue.
    case.attempts.filter(outcome="").delete()


def record_information_sent(case: Case, *, by=None, now: dt.datetime, reason: str = "") -> Case:
    """Mark the no-needs information letter or email as sent."""
    return _change_state(
        case, lambda c: c.send_information(), by=by, now=now, reason=reason, name="send_information"
    )


def record_contact_made(case: Case, *, by, now: dt.datetime, reason: str = "") -> Case:
    """Record that the Hub and the victim have spoken."""
    return _change_state(
        case,
        lambda c: c.make_contact(now=now),
        by=by,
        now=now,
        reason=reason,
        fields=["first_contact_at"],
        name="make_contact",
        then=_drop_planned_calls,
    )


def record_unable_to_contact(case: Case, *, by=None, now: dt.datetime, reason: str = "") -> Case:
    """Record that three attempts failed and the unable-to-contact letter or email went."""
    return _change_state(
        case,
        lambda c: c.mark_unable_to_contact(),
        by=by,
        now=now,
        reason=reason,
        name="mark_unable_to_contact",
    )


def start_assessment(case: Case, *, by, now: dt.datetime, reason: str = "") -> Case:
    """Move a case in contact to assessment (the DVNA)."""
    return _change_state(
        case, lambda c: c.start_assessment(), by=by, now=now, reason=reason, name="start_assessment"
    )


def start_support(case: Case, *, by, now: dt.datetime, reason: str = "") -> Case:
    """Move an assessed case into support; refused without a completed DVNA."""
    return _change_state(
        case,
        lambda c: c.start_support(now=now),
        by=by,
        now=now,
        reason=reason,
        fields=["support_started_at"],
        name="start_support",
    )


def begin_closure(case: Case, *, by, now: dt.datetime, reason: str = "") -> Case:
    """Move a case to closing; from contact or assessment only with "better informed" scored."""
    return _change_state(
        case, lambda c: c.begin_closure(), by=by, now=now, reason=reason, name="begin_closure"
    )


# Support given, a letter or email says so and how to come back: those who declined, could
# not be reached or were passed elsewhere have had their letter already, or get none.
CLOSING_LETTER_REASONS = frozenset(
    {ClosureReason.SUPPORT_COMPLETE, ClosureReason.SINGLE_CONTACT_SUPPORT}
)


def close_case(case: Case, *, reason: str, by, now: dt.datetime, note: str = "") -> Case:
    """Close a case with a closure reason allowed from its current state, and set when it
    is reviewed for erasure (``casework.retention``)."""
    from casework.retention import review_date

    def close(c: Case) -> None:
        c.close(reason=reason, now=now)
        c.retention_review_on = review_date(c, closed_on=local_date(now))

    def then(c: Case) -> None:
        from casework.volunteers import end_assignments_of

        _drop_planned_calls(c)
        end_assignments_of(c, by=by, now=now)
        if reason in CLOSING_LETTER_REASONS:
            plan_letter(c, purpose=Purpose.CLOSING, trigger=f"episode-{c.episode}", due_at=now)

    return _change_state(
        case,
        close,
        by=by,
        now=now,
        reason=note
        or str(dict(Case._meta.get_field("closure_reason").choices).get(reason, reason)),
        fields=["closure_reason", "closed_at", "retention_review_on"],
        name="close",
        then=then,
    )


def reopen_case(case: Case, *, by, now: dt.datetime, reason: str) -> Case:
    """Reopen a closed case for re-assessment; the reason is required."""
    if not reason.strip():
        raise TransitionRefused("Say why the case is being reopened.")
    if case.erased_at:
        raise TransitionRefused("This case's personal data was erased: refer the victim anew.")

    def reopen(c: Case) -> None:
        c.reopen()
        c.retention_review_on = None  # kept while open; a new date at the next closure

    return _change_state(
        case,
        reopen,
        by=by,
        now=now,
        reason=reason,
        fields=[
            "closure_reason",
            "closed_at",
            "support_started_at",
            "episode",
            "retention_review_on",
        ],
        name="reopen",
    )


COURT_UPDATE_WORKING_DAYS = {"enhanced": 1, "standard": 5}


def record_court_result(case: Case, *, court_result, now: dt.datetime) -> Case:
    """Put a court result on the case and set when the victim must be told of it.

    Victims' Code: the next working day for an enhanced-entitlement victim, five working
    days otherwise. An earlier outstanding deadline is kept.
    """
    days = COURT_UPDATE_WORKING_DAYS["enhanced" if case.enhanced_groups else "standard"]
    due = case.force.calendar.deadline(court_result.received_at, days)
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update()
            .only("victim_update_due", "closure_reason")
            .get(pk=case.pk)
        )
        if locked.victim_update_due is None or due < locked.victim_update_due:
            locked.victim_update_due = due
            Case.objects.filter(pk=case.pk).update(victim_update_due=due, updated_at=now)
        case.victim_update_due = locked.victim_update_due
        # The victim is told by letter or email, once for each court result.
        if locked.closure_reason not in NOT_WRITTEN_TO:
            plan_letter(
                case,
                purpose=Purpose.COURT_UPDATE,
                trigger=f"court-result-{court_result.pk}",
                due_at=now,
            )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.COURT_RESULT,
            at=now,
            reason=f"{court_result.court}, {court_result.hearing_date:%d %B %Y}: "
            f"{court_result.result}",
            detail={
                "court_result": court_result.pk,
                "next_hearing_date": court_result.next_hearing_date.isoformat()
                if court_result.next_hearing_date
                else None,
                "tell_victim_by": due.isoformat(),
            },
        )
        audit.for_case(
            AuditAction.ALTERATION,
            case,
            by=court_result.api_client,
            fields=["court_result", "victim_update_due"],
            at=now,
        )
    return case


def allocate_case(case: Case, *, to, by, now: dt.datetime) -> Case:
    """Give the case to a member of the force's case staff (or take it back to the
    unallocated queue with ``to=None``); only a manager of the case's force may."""
    if not by.has_role(Role.MANAGER) or by.force_id != case.force_id:
        raise PermissionRefused("Only a manager of the case's force allocates cases.")
    if to is not None and (
        to.force_id != case.force_id or not to.is_active or not (CASE_ROLES & to.role_names)
    ):
        raise AllocationRefused(f"{to.display_name} does not work on this force's cases.")
    with transaction.atomic():
        locked = Case.objects.select_for_update().only("responsible").get(pk=case.pk)
        before = locked.responsible_id
        if before == (to.pk if to else None):
            return case
        if locked.state == CaseState.CLOSED:
            raise AllocationRefused(f"{case.reference} is closed: reopen it first.")
        if to is not None and to.has_role(Role.CASEWORKER) and not to.has_role(Role.VCC):
            _check_caseworker_cap(to, case, now=now)
        Case.objects.filter(pk=case.pk).update(responsible=to, updated_at=now)
        case.responsible = to
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.ALLOCATED,
            at=now,
            actor=by,
            reason=f"Allocated to {to.display_name}." if to else "Returned to the queue.",
            detail={"from": before, "to": to.pk if to else None},
        )
        audit.for_case(AuditAction.ALTERATION, case, by=by, fields=["responsible"], at=now)
    return case


def caseworker_intake(user, *, now: dt.datetime, exclude_case=None) -> int:
    """How many cases were newly given to this member of staff in the last 12 months:
    what the caseworkers' cap counts (a case given back and again counts once)."""
    given = CaseEvent.objects.filter(
        kind=CaseEventKind.ALLOCATED, detail__to=user.pk, at__gt=now - dt.timedelta(days=365)
    )
    if exclude_case is not None:
        given = given.exclude(case_id=exclude_case.pk)
    return given.values("case_id").distinct().count()


def _check_caseworker_cap(to, case: Case, *, now: dt.datetime) -> None:
    # A caseworker takes complex cases at a sustainable pace: 120 new cases a year each.
    # Their user row is locked while counting, so two managers allocating two cases to
    # them at once cannot both take the last place.
    list(type(to).objects.select_for_update().filter(pk=to.pk).values_list("pk"))
    cap = settings.CASEWORKER_CAP
    taken = caseworker_intake(to, now=now, exclude_case=case)
    if taken >= cap:
        raise AllocationRefused(
            f"{to.display_name} has had {taken} new cases in the last 12 months, the cap for "
            f"a caseworker is {cap}: allocate {case.reference} to someone else."
        )


def add_case_note(case: Case, *, text: str, by, now: dt.datetime) -> CaseEvent:
    """Put a note on the case's timeline. Notes are never edited: a correction is a new
    note, so the timeline shows what was known when."""
    text = text.strip()
    if not text:
        raise NoteRefused("Write the note first.")
    with transaction.atomic():
        note = CaseEvent.objects.create(
            case=case, kind=CaseEventKind.NOTE, at=now, actor=by, reason=text
        )
        audit.for_case(AuditAction.ALTERATION, case, by=by, fields=["note"], at=now)
    return note
