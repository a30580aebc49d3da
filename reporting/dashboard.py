"""The dashboard's pages: every measure for a period beside the one before, the cases
behind a figure, the headlines in the commissioner's form, and the reports to download.

Managers and the force's analysts see the figures; only managers may list the cases
behind them (analysts see aggregates, never people). Anyone else: 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casework.models import Case
from hub.calendar import LONDON
from hub.roles import Role
from reporting import reports
from reporting.figures import cases_behind, compute
from reporting.forms import PeriodForm
from reporting.measures import BY_ID, MEASURES, Period
from reporting.models import ReportFormat, ReportRun

CASES_PER_PAGE = 25
READERS = (Role.MANAGER, Role.ANALYST)


def _reader(request) -> bool:
    """Whether the user may list cases (a manager); 404 for anyone not a reader."""
    user = request.user
    if not user.force_id or not any(user.has_role(role) for role in READERS):
        raise Http404("No such page.")
    return user.has_role(Role.MANAGER)


def _period(request) -> tuple[PeriodForm, Period | None, str]:
    today = timezone.now().astimezone(LONDON).date()
    default = Period.last_full_month(today)
    data = request.GET.copy()
    data.setdefault("date_from", data.get("from", default.first.isoformat()))
    data.setdefault("date_to", data.get("to", default.last.isoformat()))
    form = PeriodForm(data)
    if not form.is_valid():
        return form, None, ""
    clean = form.cleaned_data
    return form, Period(clean["date_from"], clean["date_to"]), clean["area"]


def _query(period: Period, area: str) -> str:
    return urlencode(
        {"from": period.first.isoformat(), "to": period.last.isoformat(), "area": area}
    )


@login_required
@require_GET
def dashboard(request):
    """Every figure for the period, beside the period before it, with charts."""
    lists_cases = _reader(request)
    form, period, area = _period(request)
    context = {"form": form, "lists_cases": lists_cases, "measures": MEASURES}
    if period is None:
        return render(request, "reporting/dashboard.html", context, status=400)
    figures = compute(request.user.force_id, period, area, now=timezone.now(), fresh=False)
    sections: dict[str, list] = {}
    for measure in MEASURES:
        sections.setdefault(measure.section, []).append((measure, figures.figures[measure.id]))
    by_source = figures.figures["referrals_received"].breakdowns.get("source", [])
    by_category = figures.figures["referrals_received"].breakdowns.get("category", [])
    charts = {
        "source": {
            "labels": [r[1] for r in by_source],
            "current": [r[2] for r in by_source],
            "previous": [r[3] for r in by_source],
        },
        "category": {
            "labels": [r[1] for r in by_category],
            "current": [r[2] for r in by_category],
            "previous": [r[3] for r in by_category],
        },
        "outcomes": {
            "labels": [o["label"] for o in figures.outcomes],
            "improved": [o["improved"] for o in figures.outcomes],
            "same": [o["same"] for o in figures.outcomes],
            "worse": [o["worse"] for o in figures.outcomes],
        },
    }
    context.update(
        figures=figures,
        sections=sections,
        by_source=by_source,
        by_category=by_category,
        charts=charts,
        query=_query(period, area),
        runs=ReportRun.objects.filter(force_id=request.user.force_id)[:24],
        cap=settings.CASEWORKER_CAP,
    )
    return render(request, "reporting/dashboard.html", context)


@login_required
@require_GET
def dashboard_cases(request):
    """The cases behind one figure, 25 a page, through what the manager may see."""
    if not _reader(request):
        raise Http404("No such page.")
    form, period, area = _period(request)
    measure = BY_ID.get(request.GET.get("measure", ""))
    if period is None or measure is None or not measure.lists_cases:
        return render(
            request,
            "reporting/dashboard_cases.html",
            {"form": form, "problem": "Choose a figure on the dashboard to see its cases."},
            status=400,
        )
    breakdown = request.GET.get("breakdown", "")
    behind = cases_behind(
        request.user.force_id, measure, period, area, now=timezone.now(), breakdown=breakdown
    )
    cases = (
        Case.objects.visible_to(request.user)
        .filter(pk__in=behind.values("pk"))
        .select_related("referral")
        .order_by("referral__received_at", "pk")
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    context = {
        "measure": measure,
        "period": period,
        "area": area,
        "breakdown": breakdown,
        "page": page,
        "query": keep.urlencode(),
        "back": _query(period, area),
    }
    return render(request, "reporting/dashboard_cases.html", context)


@login_required
@require_GET
def headlines(request):
    """The period's headlines, in the form of the commissioner's annual appendix."""
    _reader(request)
    form, period, area = _period(request)
    context = {"form": form}
    if period is None:
        return render(request, "reporting/headlines.html", context, status=400)
    figures = compute(request.user.force_id, period, area, now=timezone.now(), fresh=False)
    context.update(
        figures=figures,
        value={m.id: figures.figures[m.id].value for m in MEASURES},
        services=figures.figures["onward_referrals"].breakdowns.get("service", []),
        query=_query(period, area),
    )
    return render(request, "reporting/headlines.html", context)


@login_required
@require_GET
def report_download(request, fmt: str):
    """The commissioner's report for the chosen period (the whole force): no personal
    data in it, so downloading it is not a disclosure to log."""
    _reader(request)
    form, period, _ = _period(request)
    if period is None or fmt not in ReportFormat.values:
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    force = request.user.force
    content = reports.RENDERERS[fmt](force, period, now=timezone.now())
    run = ReportRun(force=force, period_from=period.first, period_to=period.last, format=fmt)
    response = HttpResponse(
        content, content_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{run.filename}"'
    return response


@login_required
@require_GET
def report_run_download(request, pk: int):
    """A stored monthly report of the user's force."""
    _reader(request)
    run = get_object_or_404(ReportRun, pk=pk, force_id=request.user.force_id)
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=run.filename)
