"""A manager's retention reviews: the closed cases due for erasure, and those on hold."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework.models import Case
from casework.retention import erase_case, lift_legal_hold, place_legal_hold, reviews_due
from hub.calendar import local_date
from hub.errors import DomainError
from hub.roles import Role

LIST_LIMIT = 100


def _manager(request) -> None:
    if not request.user.has_role(Role.MANAGER):
        raise Http404("No such page.")


def _force_case(request, reference) -> Case:
    _manager(request)
    case = Case.objects.reachable_by(request.user).filter(reference=reference).first()
    if case is None:
        raise Http404("No such case.")
    return case


@login_required
@require_GET
def retention_reviews(request):
    """Due reviews, oldest first (erase, or hold), and the cases a legal hold keeps."""
    _manager(request)
    force_cases = Case.objects.reachable_by(request.user).select_related("referral__crime")
    due = reviews_due(local_date(timezone.now())) & force_cases
    return render(
        request,
        "casework/retention.html",
        {
            "due": list(due.order_by("retention_review_on", "pk")[:LIST_LIMIT]),
            "due_count": due.count(),
            "held": list(force_cases.filter(legal_hold=True).order_by("reference")[:LIST_LIMIT]),
            "limit": LIST_LIMIT,
        },
    )


def _act(request, reference, act, done: str):
    case = _force_case(request, reference)
    try:
        act(case)
    except DomainError as exc:
        messages.error(request, f"{case.reference}: {exc}")
    else:
        messages.success(request, f"{case.reference}: {done}")
    return redirect("retention-reviews")


@login_required
@require_POST
def retention_erase(request, reference):
    return _act(
        request,
        reference,
        lambda case: erase_case(case, by=request.user, now=timezone.now()),
        "personal data erased.",
    )


@login_required
@require_POST
def retention_hold(request, reference):
    reason = request.POST.get("reason", "")
    return _act(
        request,
        reference,
        lambda case: place_legal_hold(case, reason=reason, by=request.user, now=timezone.now()),
        "a legal hold keeps it.",
    )


@login_required
@require_POST
def retention_lift(request, reference):
    return _act(
        request,
        reference,
        lambda case: lift_legal_hold(case, by=request.user, now=timezone.now()),
        "the legal hold is lifted.",
    )
