"""Celery tasks for letters: doorbells for rows in PostgreSQL, safe to deliver twice."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.utils import timezone

from hub.calendar import local_date
from letters.printing import make_print_runs
from letters.sending import ring_due_letters, send_letter

log = structlog.get_logger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_letter_task(letter_id: int) -> str:
    """Send one letter; a repeat, or a letter not yet due, does nothing."""
    outcome = send_letter(letter_id)
    log.info("letter", letter=letter_id, outcome=outcome)
    return outcome


@shared_task(acks_late=True)
def sweep_letters_task() -> int:
    """Enqueue every due letter (and each one a lost worker left), by id."""
    ids = ring_due_letters(now=timezone.now())
    for letter_id in ids:
        send_letter_task.delay(letter_id)
    if ids:
        log.info("letters enqueued", count=len(ids))
    return len(ids)


@shared_task(acks_late=True)
def print_run_task() -> int:
    """Merge today's postal letters into each force's print run."""
    runs = make_print_runs(local_date(timezone.now()))
    return sum(len(run.manifest) for run in runs)
