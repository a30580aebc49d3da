"""Subject access requests: prepared from a case page, reviewed and released by a
manager, then downloaded as the person's PDF and the file's JSON."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework.models import SubjectAccessRequest
from casework.subject_access import (
    SECTIONS,
    prepare_subject_access,
    record_processing,
    release_subject_access,
    released_content,
    released_pdf,
)
from casework.views.cases import visible_case
from hub.audit import AuditAction
from hub.errors import DomainError
from hub.roles import Role


class ReceivedForm(forms.Form):
    received_on = forms.DateField(
        error_messages={
            "required": "Give the date the request was received.",
            "invalid": "Give the date as YYYY-MM-DD.",
        }
    )


def _request_for_manager(request, pk) -> SubjectAccessRequest:
    """Only a manager of the force sees a request's content (it spans restricted cases)."""
    found = (
        SubjectAccessRequest.objects.filter(pk=pk, force_id=request.user.force_id)
        .select_related("person", "force", "prepared_by", "reviewed_by")
        .first()
    )
    if found is None or not request.user.has_role(Role.MANAGER):
        raise Http404("No such request.")
    return found


@login_required
@require_POST
def case_prepare_subject_access(request, reference):
    case = visible_case(request, reference)
    form = ReceivedForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("case-detail", reference=case.reference)
    try:
        prepare_subject_access(
            case.person,
            received_on=form.cleaned_data["received_on"],
            by=request.user,
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The subject access request is prepared: a manager reviews it.")
    return redirect("case-detail", reference=case.reference)


@login_required
@require_GET
def subject_access_detail(request, pk):
    """The compiled content, item by item, for a manager to review (or as released)."""
    found = _request_for_manager(request, pk)
    record_processing(AuditAction.CONSULTATION, found, by=request.user)
    sections = [
        (
            SECTIONS[name],
            [{**item, "held_back": found.withheld.get(item["id"], "")} for item in items],
        )
        for name, items in found.content.items()
    ]
    return render(
        request,
        "casework/subject_access.html",
        {
            "sar": found,
            "sections": sections,
            "can_release": request.user.pk != found.prepared_by_id,
        },
    )


@login_required
@require_POST
def subject_access_release(request, pk):
    found = _request_for_manager(request, pk)
    withheld = {
        item_id: request.POST.get(f"reason-{item_id}", "")
        for item_id in request.POST.getlist("withhold")
    }
    try:
        release_subject_access(found, withheld=withheld, by=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Released: the PDF and the JSON can now be downloaded.")
    return redirect("subject-access-detail", pk=found.pk)


def _download(request, pk, kind: str) -> HttpResponse:
    found = _request_for_manager(request, pk)
    try:
        body = (
            released_pdf(found)
            if kind == "pdf"
            else json.dumps(released_content(found), indent=2, ensure_ascii=False).encode()
        )
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    record_processing(AuditAction.CONSULTATION, found, by=request.user, fields=[f"export_{kind}"])
    content_type = "application/pdf" if kind == "pdf" else "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="subject-access-{found.pk}.{kind}"'
    return response


@login_required
@require_GET
def subject_access_pdf(request, pk):
    return _download(request, pk, "pdf")


@login_required
@require_GET
def subject_access_json(request, pk):
    return _download(request, pk, "json")
