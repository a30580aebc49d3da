"""Reads for managers: the audit log of their force, filtered, as a page or a CSV file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from casework.models import Case
from hub.calendar import LONDON
from hub.models import AuditEvent, User

PAGE_ROWS = 100
CSV_COLUMNS = [
    "time_utc",
    "actor",
    "action",
    "object_type",
    "object_id",
    "case_reference",
    "fields",
    "reason",
    "recipient",
    "request_id",
]


@dataclass(frozen=True)
class AuditFilters:
    case: Case | None = None
    member: User | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def describe(self) -> str:
        """In words, for the reason of the audit row that an export itself leaves."""
        parts = []
        if self.case:
            parts.append(f"case {self.case.reference}")
        if self.member:
            parts.append(f"member of staff {self.member.get_username()}")
        if self.action:
            parts.append(f"action {self.action}")
        if self.date_from:
            parts.append(f"from {self.date_from:%Y-%m-%d}")
        if self.date_to:
            parts.append(f"to {self.date_to:%Y-%m-%d}")
        return "Audit log of " + (", ".join(parts) if parts else "the whole force")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON)


def audit_rows(manager, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit rows of the manager's force (its cases, or its staff's acts), newest first."""
    force_cases = Case.objects.filter(force_id=manager.force_id).values("pk")
    rows = AuditEvent.objects.filter(
        Q(case_id__in=force_cases) | Q(actor__force_id=manager.force_id)
    )
    if filters.case:
        rows = rows.filter(case_id=filters.case.pk)
    if filters.member:
        rows = rows.filter(actor=filters.member)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.date_from:
        rows = rows.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return rows.order_by("-at", "-id")


def case_references(events) -> dict[int, str]:
    """The references of the cases the rows speak of, in one query."""
    ids = {event.case_id for event in events if event.case_id}
    return dict(Case.objects.filter(pk__in=ids).values_list("pk", "reference")) if ids else {}


def staff_of(manager) -> QuerySet[User]:
    return User.objects.filter(force_id=manager.force_id).order_by("username")


def csv_rows(rows: QuerySet[AuditEvent], *, batch: int = 2_000) -> Iterator[list[str]]:
    """Every row, oldest first, a batch at a time (keyset), with the case references."""
    yield CSV_COLUMNS
    last = None
    ordered = rows.order_by("id")
    while True:
        chunk = list((ordered.filter(id__gt=last) if last else ordered)[:batch])
        if not chunk:
            return
        references = case_references(chunk)
        for event in chunk:
            yield [
                event.at.astimezone(dt.UTC).isoformat(),
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                references.get(event.case_id, ""),
                " ".join(event.fields),
                event.reason,
                event.recipient,
                event.request_id,
            ]
        last = chunk[-1].id
