"""Restricted cases: asking to see one, and managers answering."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework import selectors
from casework.access import (
    grant_case_access,
    refuse_case_access,
    request_case_access,
)
from casework.forms import AccessDecisionForm, AccessRequestForm
from casework.views.cases import reachable_case
from hub.errors import DomainError
from hub.roles import Role


@login_required
@require_POST
def case_request_access(request, reference):
    """Ask a manager to see a restricted case, with a reason."""
    case = reachable_case(request, reference)
    form = AccessRequestForm(request.POST)
    if form.is_valid():
        try:
            request_case_access(
                case, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your request has gone to the managers.")
        return redirect("case-detail", reference=case.reference)
    context = {"case": case, "pending": None, "form": form}
    return render(request, "casework/case_stub.html", context, status=400)


def _manager(request) -> None:
    if not request.user.has_role(Role.MANAGER):
        raise Http404("No such page.")


@login_required
@require_GET
def access_requests(request):
    """Requests to see restricted cases of the manager's force, waiting and answered."""
    _manager(request)
    return render(
        request,
        "casework/access_requests.html",
        {**selectors.access_requests_for(request.user), "form": AccessDecisionForm()},
    )


def _decide(request, pk, decide):
    _manager(request)
    access = selectors.access_request_for(request.user, pk)
    if access is None:
        raise Http404("No such request.")
    form = AccessDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a number of hours between 1 and 168.")
        return redirect("access-requests")
    try:
        decide(access, form.cleaned_data)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("access-requests")


@login_required
@require_POST
def access_grant(request, pk):
    """Let the requester see the case for a while (24 hours unless the manager says)."""

    def grant(access, data):
        grant_case_access(
            access,
            by=request.user,
            now=timezone.now(),
            hours=data["hours"] or 24,
            note=data["note"],
        )
        messages.success(request, f"Access to {access.case.reference} granted.")

    return _decide(request, pk, grant)


@login_required
@require_POST
def access_refuse(request, pk):
    """Refuse a request to see a restricted case."""

    def refuse(access, data):
        refuse_case_access(access, by=request.user, now=timezone.now(), note=data["note"])
        messages.success(request, f"Access to {access.case.reference} refused.")

    return _decide(request, pk, refuse)
