from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework import selectors
from casework.access import (
    grant_case_access,
    record_restricted_view,
    refuse_case_access,
    request_case_access,
    viewing_under_grant,
)
from casework.contact import record_contact_attempt
from casework.forms import AccessDecisionForm, AccessRequestForm, RecordCallForm
from casework.models import Case
from hub.errors import DomainError
from hub.roles import Role

QUEUE_LIMIT = 50


@login_required
@require_GET
def my_work(request):
    """The signed-in member of staff's cases and the force's unallocated ones, by urgency."""
    mine = selectors.work_queue(request.user)
    unallocated = selectors.unallocated_queue(request.user)
    return render(
        request,
        "casework/my_work.html",
        {
            "mine": mine[:QUEUE_LIMIT],
            "mine_count": mine.count(),
            "unallocated": unallocated[:QUEUE_LIMIT],
            "unallocated_count": unallocated.count(),
        },
    )


def _reachable(request, reference: str) -> Case:
    """The case, if the user may at least see its stub; otherwise 404, as if none existed."""
    case = Case.objects.reachable_by(request.user).filter(reference=reference).first()
    if case is None:
        raise Http404("No such case.")
    return case


def _visible(request, reference: str) -> Case:
    case = selectors.case_for_page(request.user, reference)
    if case is None:
        raise Http404("No such case.")
    return case


@login_required
@require_GET
def case_detail(request, reference):
    """The case page; for a restricted case the user may not see, its stub."""
    case = selectors.case_for_page(request.user, reference)
    if case is None:
        stub = _reachable(request, reference)
        return render(
            request,
            "casework/case_stub.html",
            {
                "case": stub,
                "pending": selectors.pending_access(stub, request.user),
                "form": AccessRequestForm(),
            },
        )
    if viewing_under_grant(case, request.user):
        record_restricted_view(case, by=request.user, now=timezone.now())
    return render(request, "casework/case_detail.html", selectors.case_page(case))


@login_required
@require_POST
def case_record_call(request, reference):
    """Record the planned call's outcome; the next step plans itself."""
    case = _visible(request, reference)
    form = RecordCallForm(request.POST)
    if form.is_valid():
        try:
            record_contact_attempt(
                case,
                attempt_id=form.cleaned_data["attempt"],
                outcome=form.cleaned_data["outcome"],
                by=request.user,
                now=timezone.now(),
                note=form.cleaned_data["note"],
                call_back_at=form.cleaned_data["call_back"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Call recorded.")
        return redirect("case-detail", reference=case.reference)
    context = selectors.case_page(case)
    context["call_form"] = form
    return render(request, "casework/case_detail.html", context, status=400)


@login_required
@require_POST
def case_request_access(request, reference):
    """Ask a manager to see a restricted case, with a reason."""
    case = _reachable(request, reference)
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
