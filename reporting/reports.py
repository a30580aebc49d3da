"""The commissioner's report: every measure for a period as tidy CSV or as a PDF, with
no personal data (counts only: no names, addresses, dates of birth or free text; not
even staff names), and the monthly runs stored once each."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from hub.calendar import LONDON, WorkingCalendar
from hub.models import Force
from reporting.figures import Figures, compute
from reporting.measures import MEASURES, Period
from reporting.models import ReportFormat, ReportRun

CSV_HEADER = ["measure", "breakdown", "value"]
# Breakdowns keyed by a database id are written by their name: an id means nothing to
# the commissioner's analysts.
_BY_LABEL = frozenset({"service"})


def _cell(value) -> str:
    return "" if value is None else str(value)


def csv_rows(figures: Figures) -> list[list[str]]:
    """One row per figure of the period: a measure's total has breakdown ``all``."""
    rows = [CSV_HEADER]
    for measure in MEASURES:
        figure = figures.figures[measure.id]
        rows.append([measure.id, "all", _cell(figure.value)])
        for name, split in figure.breakdowns.items():
            for key, label, value, _ in split:
                rows.append(
                    [measure.id, f"{name}:{label if name in _BY_LABEL else key}", _cell(value)]
                )
    for outcome in figures.outcomes:
        measure = f"outcome_change_{outcome['outcome']}"
        for part in ("improved", "same", "worse", "mean_change"):
            rows.append([measure, part, _cell(outcome[part])])
    return rows


def report_csv(force: Force, period: Period, *, now: dt.datetime) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(csv_rows(compute(force.pk, period, now=now)))
    return out.getvalue().encode()


def report_context(force: Force, figures: Figures) -> dict:
    sections: dict[str, list] = {}
    for measure in MEASURES:
        sections.setdefault(measure.section, []).append((measure, figures.figures[measure.id]))
    return {"force": force, "figures": figures, "sections": sections}


def report_pdf(force: Force, period: Period, *, now: dt.datetime) -> bytes:
    # WeasyPrint is imported by letters.rendering alone (STYLE.md).
    from letters.rendering import html_to_pdf

    context = report_context(force, compute(force.pk, period, now=now))
    html = render_to_string("reporting/commissioner_report.html", context)
    return html_to_pdf(html, stylesheets=("letters/report.css",))


RENDERERS = {ReportFormat.CSV: report_csv, ReportFormat.PDF: report_pdf}


def first_working_day_of_month(day: dt.date) -> bool:
    """Whether ``day`` is the month's first working day (weekends and bank holidays of
    England and Wales are not)."""
    if not WorkingCalendar.is_working_day(day):
        return False
    return not any(
        WorkingCalendar.is_working_day(day.replace(day=earlier)) for earlier in range(1, day.day)
    )


def store_report_run(force: Force, period: Period, fmt: str, *, now: dt.datetime) -> bool:
    """Produce and keep the force's report for the period in one format, once: False
    when it is already there (made by an earlier run, or by another worker meanwhile)."""
    found = ReportRun.objects.filter(
        force=force, period_from=period.first, period_to=period.last, format=fmt
    )
    if found.exists():
        return False
    content = RENDERERS[fmt](force, period, now=now)
    run = ReportRun(
        force=force, period_from=period.first, period_to=period.last, format=fmt, created_at=now
    )
    try:
        with transaction.atomic():
            run.file.save(run.filename, ContentFile(content), save=False)
            run.save()
    except IntegrityError:
        # Another worker stored it first: its file stands, this one's copy goes.
        run.file.delete(save=False)
        return False
    return True


def monthly_reports(*, now: dt.datetime) -> int:
    """On the first working day of a month, last month's report of every force, in PDF
    and CSV; on any other day nothing. How many reports were made."""
    today = now.astimezone(LONDON).date()
    if not first_working_day_of_month(today):
        return 0
    period = Period.last_full_month(today)
    made = 0
    for force in Force.objects.order_by("code"):
        for fmt in ReportFormat.values:
            made += store_report_run(force, period, fmt, now=now)
    return made
