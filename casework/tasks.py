"""Celery tasks for cases: periodic sweeps over rows in PostgreSQL, safe to run twice."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.utils import timezone

from casework.contact import close_unanswered_cases
from casework.plans import chase_onward_referrals
from casework.retention import list_retention_reviews

log = structlog.get_logger(__name__)


@shared_task(acks_late=True)
def close_unanswered_cases_task() -> int:
    """Close as no contact the cases 14 days past their unable-to-contact letter."""
    closed = close_unanswered_cases(now=timezone.now())
    if closed:
        log.info("closed without reply", count=len(closed))
    return len(closed)


@shared_task(acks_late=True)
def list_retention_reviews_task() -> int:
    """Put each retention review that has come due on its case's timeline, once."""
    listed = list_retention_reviews(now=timezone.now())
    if listed:
        log.info("retention reviews due", count=listed)
    return listed


@shared_task(acks_late=True)
def chase_onward_referrals_task() -> int:
    """Put each onward referral that has heard nothing for 14 days up to be chased, once."""
    chased = chase_onward_referrals(now=timezone.now())
    if chased:
        log.info("onward referrals to chase", count=chased)
    return chased
