"""The case page and what is done from it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework import selectors
from casework.access import (
    record_restricted_view,
    viewing_under_grant,
)
from casework.contact import record_contact_attempt
from casework.forms import AccessRequestForm, RecordCallForm
from casework.models import Case
from hub import audit
from hub.audit import AuditAction
from hub.errors import DomainError

# What the case page shows of the victim, for the audit log's consultation rows.
CASE_PAGE_FIELDS = ["name", "date_of_birth", "contact_details", "safe_contact", "crime", "timeline"]


def reachable_case(request, reference: str) -> Case:
    """The case, if the user may at least see its stub; otherwise 404, as if none existed."""
    case = Case.objects.reachable_by(request.user).filter(reference=reference).first()
    if case is None:
        raise Http404("No such case.")
    return case


def visible_case(request, reference: str) -> Case:
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
        stub = reachable_case(request, reference)
        return render(
            request,
            "casework/case_stub.html",
            {
                "case": stub,
                "pending": selectors.pending_access(stub, request.user),
                "form": AccessRequestForm(),
            },
        )
    now = timezone.now()
    if viewing_under_grant(case, request.user):
        record_restricted_view(case, by=request.user, now=now)
    audit.for_case(AuditAction.CONSULTATION, case, by=request.user, fields=CASE_PAGE_FIELDS, at=now)
    return render(request, "casework/case_detail.html", selectors.case_page(case, request.user))


@login_required
@require_POST
def case_record_call(request, reference):
    """Record the planned call's outcome; the next step plans itself."""
    case = visible_case(request, reference)
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
    context = selectors.case_page(case, request.user)
    context["call_form"] = form
    return render(request, "casework/case_detail.html", context, status=400)


@login_required
@require_GET
def case_letter_pdf(request, reference, pk):
    """The PDF of a letter posted to the victim, for staff who may see the case."""
    case = visible_case(request, reference)
    letter = case.letters.filter(pk=pk).exclude(pdf="").first()
    if letter is None:
        raise Http404("No such letter.")
    try:
        file = letter.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The letter's PDF is missing.") from exc
    audit.for_case(
        AuditAction.CONSULTATION,
        case,
        by=request.user,
        object_type="letter",
        object_id=letter.pk,
        fields=["letter_pdf"],
    )
    response = FileResponse(
        file,
        content_type="application/pdf",
        filename=f"{case.reference}-{letter.purpose}-{letter.pk}.pdf",
    )
    # A victim's letter: kept out of shared caches and the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response
