"""The audit log (Data Protection Act 2018, s.62): every act of processing personal data.

Each collection, alteration, consultation, disclosure, combination and erasure is an
``AuditEvent`` row written *in the transaction of the act*: an act rolled back leaves no
row, and a committed act always has one. Rows name the fields concerned, never their
values. Rows are sealed into a hash chain after commit (``seal_audit_events``, from beat),
and ``verify_audit`` walks the chain.

Actors: a member of staff (``User``), an API client (any object with ``audit_label``), or
``None`` for the Hub itself (a task). The request id comes from ``RequestIdMiddleware``, or
from the task being run (``request_context``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from hub.models import AuditAction, AuditEvent, AuditSeal, User
from hub.sql import build

__all__ = ["AuditAction", "audit_event", "record", "record_many"]

HUB_ACTOR = "the Hub"
_REQUEST_ID = contextvars.ContextVar("hub_request_id", default="")
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Unsealed events older than this are reported by ``verify_audit``: no transaction lasts
# so long, so such an event was written around the chain, not merely committed late.
SEAL_HORIZON = dt.timedelta(days=1)
SEAL_LOOKBACK = 2 * SEAL_HORIZON
# One sealer at a time (a transaction-scoped advisory lock); a number of the Hub's own.
_SEAL_LOCK = 7_262_001


def current_request_id() -> str:
    return _REQUEST_ID.get()


def bind_request_id(request_id: str) -> contextvars.Token:
    """Audit rows written from now on carry ``request_id``, until ``unbind_request_id``."""
    return _REQUEST_ID.set(request_id[:64])


def unbind_request_id(token: contextvars.Token) -> None:
    _REQUEST_ID.reset(token)


@contextlib.contextmanager
def request_context(request_id: str) -> Iterator[None]:
    """Audit rows written inside carry ``request_id`` (a task's id, a command's name)."""
    token = bind_request_id(request_id)
    try:
        yield
    finally:
        unbind_request_id(token)


class RequestIdMiddleware:
    """Gives each request an id, from a well-formed ``X-Request-ID`` (the proxy's) or a new
    one, for the audit log and the logs; the response carries it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        with request_context(request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def actor_fields(actor) -> dict:
    """The ``actor`` and ``actor_label`` of a row for a user, an API client or the Hub."""
    if actor is None:
        return {"actor": None, "actor_label": HUB_ACTOR}
    if isinstance(actor, User):
        label = actor.get_username()
        return {"actor": actor if actor.pk else None, "actor_label": label}
    return {"actor": None, "actor_label": actor.audit_label}


def audit_event(
    action: AuditAction | str,
    *,
    by,
    object_type: str,
    object_id: object = "",
    case_id: int | None = None,
    person_id: int | None = None,
    fields: Iterable[str] = (),
    reason: str = "",
    recipient: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """An unsaved row, for writers that insert many rows of several tables together."""
    return build(
        AuditEvent,
        at=at or timezone.now(),
        action=AuditAction(action),
        object_type=object_type,
        object_id=str(object_id or ""),
        case_id=case_id,
        person_id=person_id,
        fields=sorted(set(fields)),
        reason=reason,
        recipient=recipient,
        request_id=current_request_id(),
        **actor_fields(by),
    )


def record(action: AuditAction | str, **kwargs) -> AuditEvent:
    """Write one audit row in the current transaction (see ``audit_event``)."""
    event = audit_event(action, **kwargs)
    event.save(force_insert=True)
    return event


def record_many(events: list[AuditEvent]) -> None:
    """Write audit rows made by ``audit_event`` in one statement."""
    if events:
        AuditEvent.objects.bulk_create(events)


def about_case(
    action: AuditAction | str,
    case,
    *,
    by,
    fields=(),
    object_type: str = "case",
    object_id: object = None,
    **kwargs,
) -> AuditEvent:
    """An unsaved audit row about a case, or about one of its objects (a letter, its
    referral) named by ``object_type`` and ``object_id``."""
    return audit_event(
        action,
        by=by,
        object_type=object_type,
        object_id=case.pk if object_id is None else object_id,
        case_id=case.pk,
        person_id=case.person_id,
        fields=fields,
        **kwargs,
    )


def for_case(action: AuditAction | str, case, **kwargs) -> AuditEvent:
    """An audit row about a case (see ``about_case``), in the current transaction."""
    event = about_case(action, case, **kwargs)
    event.save(force_insert=True)
    return event


# The hash chain.


def canonical(event: AuditEvent) -> bytes:
    """The bytes of an event that its seal covers: every column, in a fixed form."""
    values = {
        "id": event.pk,
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "action": event.action,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "person_id": event.person_id,
        "fields": list(event.fields),
        "reason": event.reason,
        "recipient": event.recipient,
        "request_id": event.request_id,
    }
    return json.dumps(values, sort_keys=True, separators=(",", ":")).encode()


def chain_digest(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(event)).hexdigest()


GENESIS = "0" * 64


def seal_audit_events(*, now: dt.datetime, limit: int = 10_000) -> int:
    """Seal the committed events not sealed yet, oldest id first, into the chain; returns
    how many. One sealer at a time; running it again with nothing new changes nothing."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])
        head = AuditSeal.objects.order_by("-position").first()
        position, digest = (head.position, head.digest) if head else (0, GENESIS)
        # Events commit out of id order (ids are drawn before commit), so the chain's
        # order is the order of sealing, and what is unsealed is looked for by time.
        pending = list(
            AuditEvent.objects.filter(at__gte=now - SEAL_LOOKBACK)
            .exclude(pk__in=AuditSeal.objects.values("event_id"))
            .order_by("pk")[:limit]
        )
        seals = []
        for event in pending:
            position += 1
            digest = chain_digest(digest, event)
            seals.append(
                AuditSeal(position=position, event_id=event.pk, digest=digest, sealed_at=now)
            )
        AuditSeal.objects.bulk_create(seals)
    return len(seals)


@dataclass(frozen=True)
class Problem:
    position: int | None
    event_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"seal {self.position}" if self.position is not None else "unsealed"
        return f"{where}, event {self.event_id}: {self.what}"


def verify_chain(*, now: dt.datetime, batch: int = 5_000) -> list[Problem]:
    """Walk the chain from its start: the first problem found (an altered, removed or
    unsealed old event, or a broken chain), or none."""
    expected, digest = 1, GENESIS
    last_position = 0
    while True:
        seals = list(
            AuditSeal.objects.filter(position__gt=last_position).order_by("position")[:batch]
        )
        if not seals:
            break
        events = AuditEvent.objects.in_bulk([s.event_id for s in seals])
        for seal in seals:
            if seal.position != expected:
                return [Problem(expected, None, f"seal {expected} is missing")]
            event = events.get(seal.event_id)
            if event is None:
                return [Problem(seal.position, seal.event_id, "the event has been removed")]
            digest = chain_digest(digest, event)
            if digest != seal.digest:
                return [Problem(seal.position, seal.event_id, "the event has been altered")]
            expected += 1
        last_position = seals[-1].position
    stale = (
        AuditEvent.objects.filter(at__lt=now - SEAL_HORIZON)
        .exclude(pk__in=AuditSeal.objects.values("event_id"))
        .order_by("pk")
        .first()
    )
    if stale is not None:
        return [Problem(None, stale.pk, "an old event was never sealed")]
    return []
