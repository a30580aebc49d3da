"""The manager's audit log: who looked at a case, what a member of staff looked at, when;
filtered, and exported as CSV. Looking at the log and exporting it are logged too."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casework.models import Case
from hub import audit
from hub.audit import AuditAction
from hub.roles import Role
from reporting import selectors
from reporting.forms import AuditFilterForm


def _manager(request) -> None:
    if not request.user.has_role(Role.MANAGER):
        raise Http404("No such page.")


def _filters(request, form: AuditFilterForm) -> selectors.AuditFilters | None:
    """The filters asked for, or None where one names a case or person not of the force."""
    data = form.cleaned_data
    case = member = None
    if data.get("case"):
        # Any case of the force, restricted or not: who looked at it is a manager's to know.
        case = Case.objects.reachable_by(request.user).filter(reference=data["case"]).first()
        if case is None:
            form.add_error("case", "No case of this force has that reference.")
            return None
    if data.get("member"):
        member = selectors.staff_of(request.user).filter(username=data["member"]).first()
        if member is None:
            form.add_error("member", "No member of this force's staff has that username.")
            return None
    return selectors.AuditFilters(
        case=case,
        member=member,
        action=data.get("action") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def _record(request, filters, *, action, fields, recipient="") -> None:
    audit.record(
        action,
        by=request.user,
        object_type="audit_log",
        case_id=filters.case.pk if filters.case else None,
        person_id=filters.case.person_id if filters.case else None,
        fields=fields,
        reason=filters.describe(),
        recipient=recipient,
    )


@login_required
@require_GET
def audit_log(request):
    """The newest rows matching the filters (a page of them), with the cases' references."""
    _manager(request)
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilters()
    if form.is_bound:
        filters = _filters(request, form) if form.is_valid() else None
    context = {"form": form, "staff": selectors.staff_of(request.user), "filters": filters}
    if filters is not None:
        events = list(selectors.audit_rows(request.user, filters)[: selectors.PAGE_ROWS])
        references = selectors.case_references(events)
        for event in events:
            event.case_reference = references.get(event.case_id, "")
        _record(request, filters, action=AuditAction.CONSULTATION, fields=["audit_log"])
        context.update(
            events=events,
            limit=selectors.PAGE_ROWS,
            query=request.GET.urlencode(),
        )
    return render(request, "reporting/audit_log.html", context, status=200 if filters else 400)


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def audit_export(request):
    """Every row matching the filters as CSV: a disclosure to the manager, logged as such."""
    _manager(request)
    form = AuditFilterForm(request.GET)
    filters = _filters(request, form) if form.is_valid() else None
    if filters is None:
        return render(
            request,
            "reporting/audit_log.html",
            {"form": form, "staff": selectors.staff_of(request.user)},
            status=400,
        )
    _record(
        request,
        filters,
        action=AuditAction.DISCLOSURE,
        fields=selectors.CSV_COLUMNS,
        recipient=request.user.get_username(),
    )
    writer = csv.writer(_Echo())
    rows = selectors.csv_rows(selectors.audit_rows(request.user, filters))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
