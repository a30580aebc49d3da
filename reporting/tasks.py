"""Beat's jobs: the dashboard's figures folded every minute, and the commissioner's
monthly reports, made once each."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.utils import timezone

from reporting import rollup
from reporting.reports import monthly_reports

log = structlog.get_logger(__name__)


@shared_task(acks_late=True)
def commissioner_report_task() -> int:
    """Last month's report of each force, on the month's first working day only; a
    second run (or a run the same day after a restart) finds them made and does nothing."""
    made = monthly_reports(now=timezone.now())
    if made:
        log.info("commissioner reports made", count=made)
    return made


@shared_task
def refresh_figures_task() -> int:
    """Fold the days whose cases changed since the last run, so that a dashboard finds
    little or nothing left to fold. A run still going (a rebuild) is left to finish;
    a lost run loses nothing, as the stale days wait in the database for the next."""
    folded = rollup.refresh(wait=False)
    if folded:
        log.info("figures folded", days=folded)
    return folded
