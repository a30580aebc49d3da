"""Reads of the cope and recovery plan, and the plan's work due on my work."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet

from assessments.models import Dvna, NeedLevel
from casework import plans
from casework.models import Case, CaseState, Service
from casework.plan_forms import (
    ActionForm,
    CicaForm,
    ExitStrategyForm,
    GoalForm,
    OnwardReferralForm,
    RecordReviewForm,
    ReviewForm,
)
from casework.plan_models import (
    LIVE_ONWARD,
    CarePlan,
    CicaClaim,
    GoalStatus,
    OnwardReferral,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from casework.volunteer_models import VolunteerAssignment
from hub.calendar import local_date
from hub.models import User
from hub.roles import CASE_ROLES

# How far ahead my work lists the plan's reviews and actions.
DUE_SOON = dt.timedelta(days=7)


def directory_for(case: Case) -> QuerySet[Service]:
    return Service.objects.filter(force_id=case.force_id).active().order_by("name")


def action_owners(case: Case, user) -> list:
    """Who an action can be given to: the force's case staff and the case's volunteers."""
    staff = (
        User.objects.filter(
            force_id=case.force_id, is_active=True, groups__name__in=list(CASE_ROLES)
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
    volunteers = User.objects.filter(
        volunteer__assignments__case=case, volunteer__assignments__ended_at__isnull=True
    )
    return list(staff) + [v for v in volunteers if v not in staff]


def plan_page(case: Case, user) -> dict:
    """Everything the plan page shows and the forms it offers."""
    now = dt.datetime.now(dt.UTC)
    plan = (
        CarePlan.objects.filter(case=case, episode=case.episode)
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=PlanGoal.objects.prefetch_related(
                    Prefetch(
                        "actions", queryset=PlanAction.objects.select_related("owner", "done_by")
                    )
                ),
            ),
            Prefetch("reviews", queryset=PlanReview.objects.select_related("done_by")),
        )
        .first()
    )
    dvna = (
        Dvna.objects.filter(case=case, episode=case.episode, completed_at__isnull=False)
        .order_by("-completed_at")
        .prefetch_related("needs")
        .first()
    )
    needs = [n for n in dvna.needs.all() if n.level != NeedLevel.NONE] if dvna is not None else []
    goals = {g.need for g in plan.goals.all()} if plan else set()
    services = list(directory_for(case))
    people = action_owners(case, user)
    editable = case.state == CaseState.SUPPORT or (
        case.state == CaseState.ASSESSMENT and dvna is not None
    )
    return {
        "case": case,
        "plan": plan,
        "dvna": dvna,
        "needs": needs,
        # The assessed needs that have no goal yet.
        "suggested_goals": [
            n.get_category_display() for n in needs if n.is_planned and n.category not in goals
        ]
        if editable
        else [],
        "goal_status_choices": GoalStatus.choices,
        "editable": editable,
        "onward": list(
            OnwardReferral.objects.filter(case=case, episode=case.episode).select_related(
                "service", "sent_by"
            )
        ),
        "quiet_since": now - plans.CHASE_AFTER,
        "cica": CicaClaim.objects.filter(case=case).first(),
        "assignments": list(
            VolunteerAssignment.objects.filter(case=case).select_related("volunteer__user")
        ),
        "today": local_date(now),
        "goal_form": GoalForm(),
        "action_form": ActionForm(people=people),
        "review_form": ReviewForm(),
        "record_review_form": RecordReviewForm(),
        "exit_form": ExitStrategyForm(
            initial={"text": plan.exit_strategy, "agreed_on": plan.exit_agreed_on} if plan else None
        ),
        "onward_form": OnwardReferralForm(services=services),
        "cica_form": CicaForm(),
    }


def plan_work_due(cases: QuerySet[Case], member, *, now: dt.datetime) -> dict:
    """The plan's work for my work: reviews due within a week on the member's cases, the
    actions they own due within a week, and onward referrals quiet for 14 days."""
    soon = local_date(now) + DUE_SOON
    open_case = Q(plan__case__state__in=[CaseState.ASSESSMENT, CaseState.SUPPORT])
    reviews = (
        PlanReview.objects.filter(
            open_case, done_at__isnull=True, due_on__lte=soon, plan__case__in=cases
        )
        .select_related("plan__case__person")
        .order_by("due_on")[:10]
    )
    actions = (
        PlanAction.objects.filter(
            done_at__isnull=True,
            due_on__lte=soon,
            owner=member,
            goal__plan__case__state__in=[CaseState.ASSESSMENT, CaseState.SUPPORT],
        )
        .select_related("goal__plan__case__person")
        .order_by("due_on")[:10]
    )
    chase = (
        OnwardReferral.objects.filter(
            status__in=LIVE_ONWARD, status_at__lte=now - plans.CHASE_AFTER, case__in=cases
        )
        .select_related("service", "case__person")
        .order_by("status_at")[:10]
    )
    return {"reviews": list(reviews), "actions": list(actions), "chase": list(chase)}
