"""Reads of cases for the staff pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models import Case as Case_
from django.db.models.functions import Least
from django.utils import timezone

from casework.models import (
    AccessStatus,
    Case,
    CaseAccess,
    CaseState,
    ContactAttempt,
    ContactOutcome,
    SubjectAccessRequest,
)
from hub.models import User
from hub.roles import CASE_ROLES, Role


@dataclass(frozen=True)
class QueueFilters:
    """What a queue is narrowed to; empty values mean "any"."""

    state: str = ""
    priority: int | None = None
    domestic_abuse: bool = False
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.state or self.priority or self.domestic_abuse or self.overdue)


def first_call_undone() -> Q:
    """Cases awaiting contact whose first call is still to be made: the Code's deadline
    is for that call, and is met once it is made, whatever its outcome."""
    called = ContactAttempt.objects.filter(case=OuterRef("pk")).exclude(outcome="")
    return Q(state=CaseState.AWAITING_CONTACT) & ~Q(Exists(called))


def overdue(now: dt.datetime, *, undone: Q | None = None) -> Q:
    """Cases past a Victims' Code deadline with the work it sets still undone: the first
    call (none made yet), the no-needs letter, or telling the victim of a court result.
    ``undone`` is ``first_call_undone()``, or a reference to it annotated already."""
    return (
        (undone or first_call_undone()) & Q(first_contact_due__lt=now)
        | Q(state=CaseState.NEW, information_due__lt=now)
        | Q(victim_update_due__lt=now)
    )


def queue(cases: QuerySet[Case], filters: QueueFilters, *, now: dt.datetime) -> QuerySet[Case]:
    """Open ``cases`` narrowed by ``filters``, by what is due first: the planned call (its
    window and ``due_at``, the earliest of it and the Victims' Code deadlines still ahead),
    then priority and age."""
    cases = cases.open().annotate(
        # A join, not a subquery per column: a case has one planned call at most (a
        # unique constraint), so the join never repeats a case.
        planned=FilteredRelation("attempts", condition=Q(attempts__outcome="")),
        call_from=F("planned__window_start"),
        call_until=F("planned__window_end"),
        call_number=F("planned__number"),
        first_call_pending=ExpressionWrapper(first_call_undone(), output_field=BooleanField()),
    )
    undone = Q(first_call_pending=True)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.domestic_abuse:
        cases = cases.filter(domestic_abuse=True)
    if filters.overdue:
        cases = cases.filter(overdue(now, undone=undone))
    return (
        cases.select_related("person")
        .annotate(
            # PostgreSQL's LEAST skips the empty ones.
            due_at=Least(
                "call_from",
                Case_(When(undone, then=F("first_contact_due"))),
                Case_(When(state=CaseState.NEW, then=F("information_due"))),
                "victim_update_due",
            ),
            is_overdue=ExpressionWrapper(overdue(now, undone=undone), output_field=BooleanField()),
        )
        .order_by(F("due_at").asc(nulls_last=True), "priority", "opened_at", "pk")
    )


def queue_counts(cases: QuerySet[Case], *, now: dt.datetime) -> dict[str, int]:
    """How many open cases, how many overdue, how many with a call to make now, and how
    many wait on a person (automatic contact stopped): one query."""
    planned_now = ContactAttempt.objects.filter(
        case=OuterRef("pk"), outcome="", window_start__lte=now
    )
    # Counted over the ids: ``visible_to`` is DISTINCT, which an aggregate would wrap in a
    # subquery that the EXISTS could no longer reach.
    counted = Case.objects.filter(pk__in=cases.open().values("pk"))
    return counted.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=overdue(now)),
        call_now=Count("pk", filter=Q(Exists(planned_now))),
        attention=Count("pk", filter=~Q(attention="")),
    )


def held_by(user, member) -> QuerySet[Case]:
    """The cases ``member`` is responsible for, as far as ``user`` may see them."""
    return Case.objects.visible_to(user).filter(responsible=member)


def unallocated(user) -> QuerySet[Case]:
    """Cases of the user's force that no one holds yet."""
    return Case.objects.visible_to(user).filter(responsible__isnull=True)


def team(manager, *, now: dt.datetime) -> list:
    """The manager's force's case staff, each with their open and overdue cases: two
    queries."""
    case_staff = Group.objects.filter(name__in=[str(role) for role in CASE_ROLES])
    members = list(
        User.objects.filter(
            force_id=manager.force_id,
            is_active=True,
            pk__in=User.groups.through.objects.filter(group__in=case_staff).values("user_id"),
        ).order_by("first_name", "last_name", "username")
    )
    # Both counts from one pass over the force's open cases (the partial index of open
    # cases): joining members to their cases read a year's closed cases too.
    loads = {
        row["responsible_id"]: row
        for row in Case.objects.open()
        .filter(force_id=manager.force_id, responsible__isnull=False)
        .values("responsible_id")
        .annotate(open=Count("pk"), late=Count("pk", filter=overdue(now)))
        .order_by()
    }
    for member in members:
        load = loads.get(member.pk, {})
        member.open_cases = load.get("open", 0)
        member.overdue_cases = load.get("late", 0)
    return members


def team_member(manager, pk: int):
    """A member of the manager's force's case staff, or None."""
    case_staff = [str(role) for role in CASE_ROLES]
    return (
        User.objects.filter(
            force_id=manager.force_id, is_active=True, pk=pk, groups__name__in=case_staff
        )
        .distinct()
        .first()
    )


def case_for_page(user, reference: str) -> Case | None:
    """The case with what its page shows at hand, if ``user`` may see it."""
    return (
        Case.objects.visible_to(user)
        .select_related("person", "force", "responsible", "referral__crime")
        .filter(reference=reference)
        .first()
    )


# What staff may do from the case page, by transition: the button's words, the view, and
# what it asks for. The other transitions are the Hub's own (triage, letters sent).
STAFF_ACTIONS = {
    "make_contact": ("Record contact with the victim", "case-contact-made", "note"),
    "start_assessment": ("Start the needs assessment", "case-start-assessment", "note"),
    "start_support": ("Start support", "case-start-support", "note"),
    "begin_closure": ("Begin closure", "case-begin-closure", "note"),
    "close": ("Close the case", "case-close", "closure"),
    "reopen": ("Reopen the case", "case-reopen", "reason"),
}


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: str
    url_name: str
    asks: str  # "note", "closure" or "reason"
    blocked: str = ""  # why it cannot be done yet, in words


def case_actions(case: Case) -> list[CaseAction]:
    """The status changes staff may make from where the case stands, each with what its
    guard still needs. While the Hub is phoning the victim, the call's outcome buttons
    record contact, so "record contact" is offered only after a letter or email."""
    actions = {}
    for transition in case.get_all_state_transitions():
        if transition.name not in STAFF_ACTIONS or transition.source not in (case.state, "*"):
            continue
        if transition.name == "make_contact" and case.state == CaseState.AWAITING_CONTACT:
            continue
        label, url_name, asks = STAFF_ACTIONS[transition.name]
        missing = [
            getattr(condition, "hint", condition.__name__)
            for condition in transition.conditions
            if not condition(case)
        ]
        blocked = f"Needs {' and '.join(missing)} first." if missing else ""
        # Of two ways to the same change (begin closure from support, or from contact
        # with "better informed" scored), the one that is open wins.
        if transition.name not in actions or not blocked:
            actions[transition.name] = CaseAction(transition.name, label, url_name, asks, blocked)
    return sorted(actions.values(), key=lambda a: list(STAFF_ACTIONS).index(a.name))


def case_page(case: Case, user) -> dict:
    """What the case page shows: the case, its safe-contact warnings, the planned call,
    the calls made, letters and emails, what staff may do next, and the timeline."""
    events = list(case.events.select_related("actor").order_by("-at", "-id"))
    attempts = list(case.attempts.select_related("recorded_by").order_by("window_start", "id"))
    can_allocate = user.has_role(Role.MANAGER)
    return {
        "case": case,
        "warnings": safe_contact_warnings(case),
        "planned_call": next((a for a in attempts if a.is_planned), None),
        "calls": [a for a in attempts if not a.is_planned],
        "letters": list(case.letters.order_by("-due_at", "-id")),
        "events": events,
        "outcomes": ContactOutcome.choices,
        "actions": case_actions(case),
        "closure_reasons": [(r.value, r.label) for r in case.allowed_closure_reasons()]
        if case.state != CaseState.CLOSED
        else [],
        "team": team(user, now=timezone.now()) if can_allocate else [],
        # A manager reviews the victim's subject access requests (they span all cases).
        "subject_access": list(
            SubjectAccessRequest.objects.filter(person_id=case.person_id).order_by("-pk")
        )
        if can_allocate
        else [],
        "can_allocate": can_allocate,
    }


def safe_contact_warnings(case: Case) -> list[str]:
    """What must not be missed before contacting the victim, in words."""
    warnings = []
    if case.lives_with_suspect:
        warnings.append("Lives with the suspect: no post, no voicemail.")
    if not case.may_leave_voicemail and not case.lives_with_suspect:
        warnings.append("Do not leave a voicemail.")
    if not case.may_post and not case.lives_with_suspect:
        warnings.append("Do not send post.")
    if not case.may_email:
        warnings.append("Do not email.")
    if case.interpreter:
        warnings.append(f"Interpreter needed: {case.interpreter}.")
    if case.person.kind == "child":
        warnings.append("A child: contact the parent or guardian.")
    if case.communication_needs:
        warnings.append(f"Communication needs: {case.communication_needs}")
    if case.attention:
        warnings.append(f"Needs a co-ordinator: {case.attention}")
    return warnings


def pending_access(case: Case, user) -> CaseAccess | None:
    return CaseAccess.objects.filter(
        case=case, requested_by=user, status=AccessStatus.PENDING
    ).first()


def access_requests_for(manager) -> dict:
    """Requests to see restricted cases of the manager's force: those waiting, and the
    last answered."""
    base = CaseAccess.objects.filter(case__force_id=manager.force_id).select_related(
        "case", "requested_by", "decided_by"
    )
    return {
        "waiting": list(base.filter(status=AccessStatus.PENDING).order_by("requested_at")),
        "answered": list(base.exclude(status=AccessStatus.PENDING).order_by("-decided_at")[:50]),
    }


def access_request_for(manager, pk: int) -> CaseAccess | None:
    return (
        CaseAccess.objects.filter(case__force_id=manager.force_id, pk=pk)
        .select_related("case", "requested_by")
        .first()
    )
