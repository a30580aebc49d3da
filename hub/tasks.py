"""Celery tasks of the Hub itself: sealing the audit log; and the audit log's request id
for work done in a task."""

from __future__ import annotations

import structlog
from celery import shared_task
from celery.signals import task_postrun, task_prerun
from django.utils import timezone

from hub.audit import bind_request_id, seal_audit_events, unbind_request_id

log = structlog.get_logger(__name__)
_TOKENS: dict[str, object] = {}


@task_prerun.connect
def _task_request_id(task_id=None, **kwargs) -> None:
    """Audit rows written by a task carry the task's id as their request id."""
    _TOKENS[task_id] = bind_request_id(f"task:{task_id}")


@task_postrun.connect
def _end_task_request_id(task_id=None, **kwargs) -> None:
    token = _TOKENS.pop(task_id, None)
    if token is not None:
        unbind_request_id(token)


@shared_task(acks_late=True)
def seal_audit_task() -> int:
    """Seal what has been committed to the audit log since the last run."""
    sealed = seal_audit_events(now=timezone.now())
    if sealed:
        log.info("audit log sealed", count=sealed)
    return sealed
