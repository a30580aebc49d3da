"""Seeing a restricted case: asking a manager, the manager's answer, and each use.

A restricted case (a member of staff as the victim, a high-profile case) is shown only to
the staff named on it. Anyone else in a case role sees a stub that says the case exists,
and may ask a manager for access with a reason; a manager of the force grants it for a
limited time (24 hours unless they say otherwise) or refuses it. The request, the answer
and every time the case is opened under a grant go on the case's timeline, where the
named staff see who looked and why.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.models import AccessStatus, Case, CaseAccess, CaseEvent, CaseEventKind
from hub import audit
from hub.audit import AuditAction
from hub.calendar import LONDON
from hub.errors import DomainError
from hub.roles import Role

DEFAULT_GRANT_HOURS = 24
MAX_GRANT_HOURS = 24 * 7


def request_case_access(case: Case, *, by, reason: str, now: dt.datetime) -> CaseAccess:
    """Ask a manager to see ``case``; a second request while one waits is refused."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why you need to see this case.")
    if not case.restricted:
        raise DomainError(f"{case.reference} is not restricted: open it directly.")
    if Case.objects.visible_to(by).filter(pk=case.pk).exists():
        raise DomainError(f"You can already see {case.reference}.")
    try:
        with transaction.atomic():
            access = CaseAccess.objects.create(
                case=case, requested_by=by, reason=reason, requested_at=now
            )
            _log(case, by, now, f"{by.display_name} asked to see the case: {reason}")
    except IntegrityError as exc:
        raise DomainError("You have already asked; a manager will answer.") from exc
    return access


def grant_case_access(
    access: CaseAccess, *, by, now: dt.datetime, hours: int = DEFAULT_GRANT_HOURS, note: str = ""
) -> CaseAccess:
    """A manager of the case's force lets the requester see it for ``hours``."""
    if not 1 <= hours <= MAX_GRANT_HOURS:
        raise DomainError(f"Grant access for between 1 and {MAX_GRANT_HOURS} hours.")
    expires = now + dt.timedelta(hours=hours)
    with transaction.atomic():
        access = _decide(
            access, by=by, now=now, status=AccessStatus.GRANTED, note=note, expires=expires
        )
        until = timezone.localtime(expires, LONDON)
        _log(
            access.case,
            by,
            now,
            f"{by.display_name} let {access.requested_by.display_name} see the case until "
            f"{until:%H:%M on %d %B %Y}." + (f" {note}" if note else ""),
        )
        audit.for_case(
            AuditAction.DISCLOSURE,
            access.case,
            by=by,
            fields=["case"],
            recipient=access.requested_by.get_username(),
            reason=access.reason,
            at=now,
        )
    return access


def refuse_case_access(access: CaseAccess, *, by, now: dt.datetime, note: str = "") -> CaseAccess:
    """A manager of the case's force refuses the request."""
    with transaction.atomic():
        access = _decide(access, by=by, now=now, status=AccessStatus.REFUSED, note=note)
        _log(
            access.case,
            by,
            now,
            f"{by.display_name} refused {access.requested_by.display_name} access."
            + (f" {note}" if note else ""),
        )
    return access


def record_restricted_view(case: Case, *, by, now: dt.datetime) -> None:
    """Log one opening of a restricted case under a grant (the named staff's own views
    are their work and not logged here)."""
    _log(case, by, now, f"{by.display_name} opened the case under a manager's grant.")


def viewing_under_grant(case: Case, user) -> bool:
    """Whether ``user`` sees ``case`` only because of a grant (not named on it)."""
    if not case.restricted:
        return False
    if case.responsible_id == user.pk:
        return False
    return not case.named_staff.filter(pk=user.pk).exists()


def _decide(access: CaseAccess, *, by, now, status, note, expires=None) -> CaseAccess:
    if not (by.has_role(Role.MANAGER) and by.force_id == access.case.force_id):
        raise DomainError("Only a manager of the case's force can answer this request.")
    if by.pk == access.requested_by_id:
        raise DomainError("Another manager must answer your own request.")
    # A conditional update: two managers answering at once, only the first counts.
    updated = CaseAccess.objects.filter(pk=access.pk, status=AccessStatus.PENDING).update(
        status=status, decided_by=by, decided_at=now, decision_note=note, expires_at=expires
    )
    if not updated:
        raise DomainError("This request has already been answered.")
    access.refresh_from_db()
    return access


def _log(case: Case, actor, now: dt.datetime, reason: str) -> None:
    CaseEvent.objects.create(
        case=case, kind=CaseEventKind.ACCESS, at=now, actor=actor, reason=reason
    )
