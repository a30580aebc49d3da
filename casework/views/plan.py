"""The cope and recovery plan page, and what is done from it: goals, actions, reviews,
the exit strategy, onward referrals and CICA help. One view per action, each calling one
service; a refusal comes back to the plan page saying why, and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework import plan_selectors as selectors
from casework import plans
from casework.plan_forms import (
    ActionForm,
    CicaForm,
    ExitStrategyForm,
    GoalForm,
    GoalStatusForm,
    OnwardReferralForm,
    OnwardStatusForm,
    RecordReviewForm,
    ReviewForm,
)
from casework.plan_models import CicaClaim, OnwardReferral, PlanAction, PlanGoal, PlanReview
from casework.views.cases import visible_case
from hub import audit
from hub.audit import AuditAction
from hub.errors import DomainError

PLAN_FIELDS = ["needs", "plan", "onward_referrals", "cica", "volunteers"]


@login_required
@require_GET
def case_plan(request, reference):
    """The plan: the assessed needs, goals with their actions, reviews, the exit
    strategy, onward referrals, CICA help and the volunteers supporting the victim."""
    case = visible_case(request, reference)
    audit.for_case(
        AuditAction.CONSULTATION, case, by=request.user, fields=PLAN_FIELDS, at=timezone.now()
    )
    return render(request, "casework/plan.html", selectors.plan_page(case, request.user))


def _act(request, case, form, do, done: str):
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            do(form.cleaned_data, by=request.user, now=timezone.now())
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
    return redirect("case-plan", reference=case.reference)


@login_required
@require_POST
def plan_add_goal(request, reference):
    case = visible_case(request, reference)
    return _act(
        request,
        case,
        GoalForm(request.POST),
        lambda d, **kw: plans.add_goal(case, need=d["need"], description=d["description"], **kw),
        "Goal added.",
    )


@login_required
@require_POST
def plan_goal_status(request, reference, pk):
    case = visible_case(request, reference)
    goal = get_object_or_404(PlanGoal, pk=pk, plan__case=case)
    return _act(
        request,
        case,
        GoalStatusForm(request.POST),
        lambda d, **kw: plans.set_goal_status(goal, status=d["status"], **kw),
        "Goal updated.",
    )


@login_required
@require_POST
def plan_add_action(request, reference, pk):
    case = visible_case(request, reference)
    goal = get_object_or_404(PlanGoal, pk=pk, plan__case=case)
    form = ActionForm(request.POST, people=selectors.action_owners(case, request.user))
    return _act(
        request,
        case,
        form,
        lambda d, **kw: plans.add_action(
            goal,
            description=d["description"],
            owner=d["owner_user"],
            owner_other=d["owner_other"],
            due_on=d["due_on"],
            **kw,
        ),
        "Action added.",
    )


@login_required
@require_POST
def plan_action_done(request, reference, pk):
    case = visible_case(request, reference)
    action = get_object_or_404(PlanAction, pk=pk, goal__plan__case=case)
    plans.complete_action(action, by=request.user, now=timezone.now())
    messages.success(request, "Action marked done.")
    return redirect("case-plan", reference=case.reference)


@login_required
@require_POST
def plan_schedule_review(request, reference):
    case = visible_case(request, reference)
    return _act(
        request,
        case,
        ReviewForm(request.POST),
        lambda d, **kw: plans.schedule_review(case, due_on=d["due_on"], **kw),
        "Review scheduled.",
    )


@login_required
@require_POST
def plan_record_review(request, reference, pk):
    case = visible_case(request, reference)
    review = get_object_or_404(PlanReview, pk=pk, plan__case=case)
    return _act(
        request,
        case,
        RecordReviewForm(request.POST),
        lambda d, **kw: plans.record_review(review, note=d["note"], next_on=d["next_on"], **kw),
        "Review recorded.",
    )


@login_required
@require_POST
def plan_exit_strategy(request, reference):
    case = visible_case(request, reference)
    return _act(
        request,
        case,
        ExitStrategyForm(request.POST),
        lambda d, **kw: plans.set_exit_strategy(
            case, text=d["text"], agreed_on=d["agreed_on"], **kw
        ),
        "Exit strategy saved.",
    )


@login_required
@require_POST
def plan_refer_onward(request, reference):
    case = visible_case(request, reference)
    form = OnwardReferralForm(request.POST, services=selectors.directory_for(case))
    return _act(
        request,
        case,
        form,
        lambda d, **kw: plans.refer_onward(
            case, service=d["service"], reason=d["reason"], shared=d["shared"], **kw
        ),
        "Onward referral sent.",
    )


@login_required
@require_POST
def plan_onward_status(request, reference, pk):
    case = visible_case(request, reference)
    referral = get_object_or_404(OnwardReferral.objects.select_related("service"), pk=pk, case=case)
    return _act(
        request,
        case,
        OnwardStatusForm(request.POST),
        lambda d, **kw: plans.update_onward_referral(
            referral, status=d["status"], note=d["note"], **kw
        ),
        "Onward referral updated.",
    )


@login_required
@require_POST
def plan_start_cica(request, reference):
    case = visible_case(request, reference)
    try:
        claim = plans.start_cica_help(case, by=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"CICA help recorded: apply by {claim.deadline:%-d %B %Y}.")
    return redirect("case-plan", reference=case.reference)


@login_required
@require_POST
def plan_update_cica(request, reference):
    case = visible_case(request, reference)
    claim = get_object_or_404(CicaClaim, case=case)
    return _act(
        request,
        case,
        CicaForm(request.POST),
        lambda d, **kw: plans.update_cica_help(
            claim, status=d["status"], submitted_on=d["submitted_on"], note=d["note"], **kw
        ),
        "CICA help updated.",
    )
