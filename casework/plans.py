"""Writes of the cope and recovery plan, onward referrals and CICA help.

The plan is agreed once the needs assessment is complete, and changes while the victim
is supported. Each change is on the case's timeline and in the audit log; an onward
referral passes the victim's details to a service, so it is logged as a disclosure.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from assessments.models import Dvna
from casework.models import (
    Case,
    CaseEventKind,
    CaseState,
    NeedCategory,
    Service,
)
from casework.plan_models import (
    LIVE_ONWARD,
    CarePlan,
    CicaClaim,
    CicaStatus,
    GoalStatus,
    OnwardReferral,
    OnwardStatus,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from casework.services import log_case_event
from hub.audit import AuditAction
from hub.errors import PlanRefused

# Nothing heard from a service for this long and the referral is chased.
CHASE_AFTER = dt.timedelta(days=14)

# What an onward referral may pass to a service; the co-ordinator chooses as little as
# will do, with the victim's consent.
SHAREABLE = {
    "name": "Name",
    "contact_details": "Phone, email and address",
    "safe_contact": "Safe-contact instructions",
    "date_of_birth": "Date of birth",
    "crime": "The crime: offence and date",
    "needs": "The needs found in the assessment",
}


def _planning_allowed(case: Case) -> None:
    if case.state == CaseState.SUPPORT:
        return
    if (
        case.state == CaseState.ASSESSMENT
        and Dvna.objects.filter(
            case=case, episode=case.episode, completed_at__isnull=False
        ).exists()
    ):
        return
    raise PlanRefused(
        "The plan is agreed once the needs assessment is complete, and changed while the "
        f"victim is supported; this case is {case.get_state_display().lower()}."
    )


def _log(case: Case, reason: str, *, by, now, fields, object_type="care_plan", object_id=None):
    log_case_event(
        case,
        kind=CaseEventKind.PLAN,
        reason=reason,
        by=by,
        now=now,
        audit_action=AuditAction.ALTERATION,
        object_type=object_type,
        object_id=object_id,
        fields=fields,
    )


def plan_for(case: Case, *, by, now: dt.datetime) -> CarePlan:
    """The plan of the case's current episode, made when first needed."""
    plan = CarePlan.objects.filter(case=case, episode=case.episode).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return CarePlan.objects.create(case=case, episode=case.episode, created_by=by)
    except IntegrityError:
        return CarePlan.objects.get(case=case, episode=case.episode)


def add_goal(case: Case, *, need: str, description: str, by, now: dt.datetime) -> PlanGoal:
    """Add a goal for one need; the plan exists from its first goal."""
    _planning_allowed(case)
    description = description.strip()
    if need not in NeedCategory.values:
        raise PlanRefused("Choose the need the goal is for.")
    if not description:
        raise PlanRefused("Say what the victim wants to achieve.")
    with transaction.atomic():
        plan = plan_for(case, by=by, now=now)
        goal = PlanGoal.objects.create(plan=plan, need=need, description=description)
        _log(
            case,
            f"Goal added ({NeedCategory(need).label}): {description}",
            by=by,
            now=now,
            fields=["goal"],
            object_id=plan.pk,
        )
    return goal


def set_goal_status(goal: PlanGoal, *, status: str, by, now: dt.datetime) -> PlanGoal:
    """Mark a goal achieved or no longer wanted (or open again)."""
    case = goal.plan.case
    _planning_allowed(case)
    if status not in GoalStatus.values:
        raise PlanRefused("Choose what became of the goal.")
    with transaction.atomic():
        PlanGoal.objects.filter(pk=goal.pk).update(status=status, updated_at=now)
        goal.status = status
        _log(
            case,
            f"Goal {GoalStatus(status).label.lower()}: {goal.description}",
            by=by,
            now=now,
            fields=["goal.status"],
            object_id=goal.plan_id,
        )
    return goal


def add_action(
    goal: PlanGoal, *, description: str, owner=None, owner_other: str = "", due_on, by, now
) -> PlanAction:
    """Add a step towards a goal, owned by a member of staff or volunteer, or by someone
    named in words (the victim, a service), with the date it is due."""
    case = goal.plan.case
    _planning_allowed(case)
    description, owner_other = description.strip(), owner_other.strip()
    if not description:
        raise PlanRefused("Say what is to be done.")
    if (owner is None) == (not owner_other):
        raise PlanRefused("Say who will do it: a member of the team, or someone else by name.")
    if due_on is None:
        raise PlanRefused("Give the date it is due.")
    with transaction.atomic():
        action = PlanAction.objects.create(
            goal=goal, description=description, owner=owner, owner_other=owner_other, due_on=due_on
        )
        _log(
            case,
            f"Action for {action.owner_name}, due {due_on:%-d %B %Y}: {description}",
            by=by,
            now=now,
            fields=["action"],
            object_id=goal.plan_id,
        )
    return action


def complete_action(action: PlanAction, *, by, now: dt.datetime) -> PlanAction:
    """Mark an action done; doing so twice changes nothing."""
    case = action.goal.plan.case
    with transaction.atomic():
        if not PlanAction.objects.filter(pk=action.pk, done_at__isnull=True).update(
            done_at=now, done_by=by, updated_at=now
        ):
            return action
        action.done_at, action.done_by = now, by
        _log(
            case,
            f"Action done: {action.description}",
            by=by,
            now=now,
            fields=["action.done_at"],
            object_id=action.goal.plan_id,
        )
    return action


def schedule_review(case: Case, *, due_on: dt.date, by, now: dt.datetime) -> PlanReview:
    """Schedule a review of the plan with the victim; it appears on the co-ordinator's work."""
    _planning_allowed(case)
    if due_on < now.date():
        raise PlanRefused("A review is scheduled for today or later.")
    with transaction.atomic():
        plan = plan_for(case, by=by, now=now)
        review = PlanReview.objects.create(plan=plan, due_on=due_on)
        _log(
            case,
            f"Review scheduled for {due_on:%-d %B %Y}.",
            by=by,
            now=now,
            fields=["review"],
            object_id=plan.pk,
        )
    return review


def record_review(
    review: PlanReview, *, note: str, by, now: dt.datetime, next_on: dt.date | None = None
) -> PlanReview:
    """Record that the plan was reviewed with the victim, and schedule the next one."""
    case = review.plan.case
    _planning_allowed(case)
    note = note.strip()
    if not note:
        raise PlanRefused("Say what the review found.")
    with transaction.atomic():
        if not PlanReview.objects.filter(pk=review.pk, done_at__isnull=True).update(
            done_at=now, done_by=by, note=note, updated_at=now
        ):
            raise PlanRefused("This review has already been recorded.")
        review.done_at, review.done_by, review.note = now, by, note
        _log(
            case,
            f"Plan reviewed: {note}",
            by=by,
            now=now,
            fields=["review.note"],
            object_id=review.plan_id,
        )
        if next_on is not None:
            schedule_review(case, due_on=next_on, by=by, now=now)
    return review


def set_exit_strategy(
    case: Case, *, text: str, agreed_on: dt.date | None, by, now: dt.datetime
) -> CarePlan:
    """Record how support will end, and when the victim agreed it."""
    _planning_allowed(case)
    text = text.strip()
    if not text:
        raise PlanRefused("Describe the exit strategy.")
    with transaction.atomic():
        plan = plan_for(case, by=by, now=now)
        CarePlan.objects.filter(pk=plan.pk).update(
            exit_strategy=text, exit_agreed_on=agreed_on, updated_at=now
        )
        plan.exit_strategy, plan.exit_agreed_on = text, agreed_on
        agreed = f" Agreed with the victim on {agreed_on:%-d %B %Y}." if agreed_on else ""
        _log(
            case,
            f"Exit strategy: {text}{agreed}",
            by=by,
            now=now,
            fields=["exit_strategy"],
            object_id=plan.pk,
        )
    return plan


# Onward referrals.


def refer_onward(
    case: Case, *, service: Service, reason: str, shared: list[str], by, now: dt.datetime
) -> OnwardReferral:
    """Refer the victim to a service of the directory, passing only the chosen details;
    a disclosure to the service, on the audit log with what was passed. One live referral
    to a service at a time."""
    _planning_allowed(case)
    reason = reason.strip()
    if service.force_id != case.force_id or not service.is_active:
        raise PlanRefused("Choose a service of this force's directory.")
    if not reason:
        raise PlanRefused("Say why the victim is referred.")
    unknown = [s for s in shared if s not in SHAREABLE]
    if unknown or not shared:
        raise PlanRefused("Choose what is passed to the service.")
    try:
        with transaction.atomic():
            referral = OnwardReferral.objects.create(
                case=case,
                episode=case.episode,
                service=service,
                reason=reason,
                shared=sorted(shared),
                sent_at=now,
                sent_by=by,
                status_at=now,
            )
            log_case_event(
                case,
                kind=CaseEventKind.ONWARD_REFERRAL,
                reason=f"Referred to {service.name}: {reason}",
                by=by,
                now=now,
                detail={"referral": referral.pk, "service": service.pk, "shared": sorted(shared)},
                audit_action=AuditAction.DISCLOSURE,
                object_type="onward_referral",
                object_id=referral.pk,
                fields=sorted(shared),
                audit_reason=reason,
                recipient=f"{service.name} ({service.organisation})",
            )
    except IntegrityError as exc:
        raise PlanRefused(f"The victim is already referred to {service.name}.") from exc
    return referral


def update_onward_referral(
    referral: OnwardReferral, *, status: str, note: str, by, now: dt.datetime
) -> OnwardReferral:
    """Record the service's answer (accepted or declined), then that it is done."""
    case = referral.case
    if status not in referral.next_statuses:
        allowed = ", ".join(OnwardStatus(s).label.lower() for s in referral.next_statuses)
        raise PlanRefused(
            f"A referral that is {referral.get_status_display().lower()} can become: "
            f"{allowed or 'nothing more'}."
        )
    with transaction.atomic():
        if not OnwardReferral.objects.filter(pk=referral.pk, status=referral.status).update(
            status=status, status_at=now, note=note.strip(), updated_at=now
        ):
            raise PlanRefused("Someone else changed this referral: reload the page.")
        referral.status, referral.status_at, referral.note = status, now, note.strip()
        detail = f" {note.strip()}" if note.strip() else ""
        log_case_event(
            case,
            kind=CaseEventKind.ONWARD_REFERRAL,
            reason=f"{referral.service.name}: {OnwardStatus(status).label.lower()}.{detail}",
            by=by,
            now=now,
            detail={"referral": referral.pk, "status": status},
            audit_action=AuditAction.ALTERATION,
            object_type="onward_referral",
            object_id=referral.pk,
            fields=["status"],
        )
    return referral


def chase_onward_referrals(*, now: dt.datetime) -> int:
    """Put each onward referral that has heard nothing for 14 days on its case's timeline
    to be chased, once in each 14 days; running it again changes nothing."""
    quiet = now - CHASE_AFTER
    chased = 0
    with transaction.atomic():
        due = (
            OnwardReferral.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("service", "case")
            .filter(status__in=LIVE_ONWARD, status_at__lte=quiet)
            .exclude(chased_at__gt=quiet)
        )
        for referral in due:
            log_case_event(
                referral.case,
                kind=CaseEventKind.FLAGGED,
                reason=(
                    f"Nothing heard from {referral.service.name} since "
                    f"{referral.status_at:%-d %B %Y} ({referral.get_status_display().lower()}): "
                    "chase the referral."
                ),
                by=None,
                now=now,
                detail={"referral": referral.pk, "chase": True},
            )
            referral.chased_at = now
            referral.save(update_fields=["chased_at", "updated_at"])
            chased += 1
    return chased


# CICA.


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cica_deadline(
    *, occurred_on: dt.date, reported_on: dt.date, date_of_birth: dt.date | None
) -> tuple[dt.date, str]:
    """The last day a CICA application may be made, and the rule in words (the 2012
    scheme): two years from the incident; for a victim under 18 at the time, before their
    20th birthday if the crime was reported before they were 18, otherwise two years from
    the first report."""
    if date_of_birth is not None and occurred_on < _add_years(date_of_birth, 18):
        if reported_on < _add_years(date_of_birth, 18):
            twentieth = _add_years(date_of_birth, 20)
            return (
                twentieth - dt.timedelta(days=1),
                "Under 18 at the time and reported before 18: before their 20th birthday.",
            )
        return (
            _add_years(reported_on, 2),
            "Under 18 at the time, reported at 18 or over: two years from the report.",
        )
    rule = "Two years from the incident."
    if date_of_birth is None:
        rule += " The victim's age is not known: check whether they were under 18."
    return _add_years(occurred_on, 2), rule


def start_cica_help(case: Case, *, by, now: dt.datetime) -> CicaClaim:
    """Record that the victim was told about CICA, with their application's deadline."""
    _planning_allowed(case)
    crime = case.referral.crime
    deadline, rule = cica_deadline(
        occurred_on=crime.occurred_on or crime.reported_on,
        reported_on=crime.reported_on,
        date_of_birth=case.person.date_of_birth,
    )
    if deadline < now.date():
        rule += " The deadline has passed: CICA may still accept a late application in "
        rule += "exceptional circumstances."
    try:
        with transaction.atomic():
            claim = CicaClaim.objects.create(case=case, deadline=deadline, deadline_rule=rule)
            _log(
                case,
                f"Told about CICA: apply by {deadline:%-d %B %Y}. {rule}",
                by=by,
                now=now,
                fields=["cica"],
                object_type="cica",
                object_id=case.pk,
            )
    except IntegrityError as exc:
        raise PlanRefused("CICA help is already recorded on this case.") from exc
    return claim


def update_cica_help(
    claim: CicaClaim, *, status: str, submitted_on: dt.date | None, note: str, by, now
) -> CicaClaim:
    """Track the application: helping, submitted (with the date), decided or not pursued."""
    _planning_allowed(claim.case)
    if status not in CicaStatus.values:
        raise PlanRefused("Choose where the application stands.")
    if status == CicaStatus.SUBMITTED and submitted_on is None:
        raise PlanRefused("Give the date the application was submitted.")
    with transaction.atomic():
        claim.status = status
        claim.submitted_on = submitted_on or claim.submitted_on
        claim.note = note.strip() or claim.note
        claim.save(update_fields=["status", "submitted_on", "note", "updated_at"])
        _log(
            claim.case,
            f"CICA: {CicaStatus(status).label.lower()}." + (f" {note.strip()}" if note else ""),
            by=by,
            now=now,
            fields=["cica.status"],
            object_type="cica",
            object_id=claim.case_id,
        )
    return claim


def erase_plan_text(case: Case) -> list[str]:
    """Blank the plan's words (goals, actions, reviews, the exit strategy), the reasons and
    notes of onward referrals and the CICA note, keeping their needs, dates, owners,
    statuses and services for the reports; returns the names of the fields erased. For
    ``casework.retention`` only."""
    PlanGoal.objects.filter(plan__case=case).update(description="")
    PlanAction.objects.filter(goal__plan__case=case).update(description="", owner_other="")
    PlanReview.objects.filter(plan__case=case).update(note="")
    CarePlan.objects.filter(case=case).update(exit_strategy="")
    OnwardReferral.objects.filter(case=case).update(reason="", note="")
    CicaClaim.objects.filter(case=case).update(note="")
    return [
        "plan.goals",
        "plan.actions",
        "plan.reviews",
        "plan.exit_strategy",
        "onward_referrals.reason",
        "cica.note",
    ]
