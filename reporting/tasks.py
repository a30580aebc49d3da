"""Beat's monthly job: the commissioner's reports, made once each."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.utils import timezone

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
