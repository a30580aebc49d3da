"""Celery tasks for letters: doorbells for rows in PostgreSQL, safe to deliver twice."""

from __future__ import annotations

import gc

import structlog
from celery import shared_task
from celery.signals import worker_process_init
from django.utils import timezone

from hub.calendar import local_date
from letters.printing import make_print_runs
from letters.rendering import warm_up
from letters.sending import ring_due_letters, send_letter

log = structlog.get_logger(__name__)


# Letters a message names. One message per letter costs a broker round trip each (about
# a millisecond): 100,000 due letters would take minutes to enqueue. Twenty letters take a
# worker a few seconds, far inside the task's time limit, and each is still claimed,
# sent and recorded on its own.
LETTERS_PER_TASK = 20


@worker_process_init.connect
def _warm_worker_process(**kwargs) -> None:
    """Each worker process loads the letter renderer once, before its first task, then
    freezes what is loaded out of the garbage collector's reach: every collection would
    otherwise walk Django's and WeasyPrint's long-lived objects again (about 3 of a
    letter's 55 ms)."""
    warm_up()
    gc.freeze()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_letters_task(letter_ids: list[int]) -> list[str]:
    """Send each letter named; one already sent, in flight or not yet due is left alone."""
    outcomes = []
    for letter_id in letter_ids:
        outcome = send_letter(letter_id)
        log.info("letter", letter=letter_id, outcome=outcome)
        outcomes.append(outcome)
    return outcomes


@shared_task(acks_late=True)
def sweep_letters_task() -> int:
    """Enqueue every due letter (and each one a lost worker left), by id."""
    ids = ring_due_letters(now=timezone.now())
    for start in range(0, len(ids), LETTERS_PER_TASK):
        send_letters_task.delay(ids[start : start + LETTERS_PER_TASK])
    if ids:
        log.info("letters enqueued", count=len(ids))
    return len(ids)


@shared_task(acks_late=True)
def print_run_task() -> int:
    """Merge today's postal letters into each force's print run."""
    runs = make_print_runs(local_date(timezone.now()))
    return sum(len(run.manifest) for run in runs)
