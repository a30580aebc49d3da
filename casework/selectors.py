"""Reads of cases for the staff pages."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.models import AccessStatus, Case, CaseAccess, ContactOutcome


def work_queue(user) -> QuerySet[Case]:
    """The signed-in member of staff's open cases, most urgent deadline first."""
    return (
        Case.objects.visible_to(user)
        .open()
        .filter(responsible=user)
        .select_related("person")
        .order_by("first_contact_due", "information_due", "priority", "opened_at")
    )


def unallocated_queue(user) -> QuerySet[Case]:
    """Open cases of the user's force that no VCC holds yet, most urgent first."""
    return (
        Case.objects.visible_to(user)
        .open()
        .filter(responsible__isnull=True)
        .select_related("person")
        .order_by("priority", "first_contact_due", "information_due", "opened_at")
    )


def case_for_page(user, reference: str) -> Case | None:
    """The case with what its page shows at hand, if ``user`` may see it."""
    return (
        Case.objects.visible_to(user)
        .select_related("person", "force", "responsible", "referral__crime")
        .filter(reference=reference)
        .first()
    )


def case_page(case: Case) -> dict:
    """What the case page shows: the case, its safe-contact warnings, the planned call,
    the calls made, letters and emails, and the timeline, newest first."""
    events = list(case.events.select_related("actor").order_by("-at", "-id"))
    attempts = list(case.attempts.select_related("recorded_by").order_by("window_start", "id"))
    return {
        "case": case,
        "warnings": safe_contact_warnings(case),
        "planned_call": next((a for a in attempts if a.is_planned), None),
        "calls": [a for a in attempts if not a.is_planned],
        "letters": list(case.letters.order_by("-due_at", "-id")),
        "events": events,
        "outcomes": ContactOutcome.choices,
    }


def safe_contact_warnings(case: Case) -> list[str]:
    """What must not be missed before contacting the victim, in words."""
    warnings = []
    if case.lives_with_suspect:
        warnings.append("Lives with the suspect: no post, no voicemail.")
    if not case.may_leave_voicemail and not case.lives_with_suspect:
        warnings.append("Do not leave a voicemail.")
    if not case.may_post and not case.lives_with_suspect:
        warnings.append("Do not send post.")
    if not case.may_email:
        warnings.append("Do not email.")
    if case.interpreter:
        warnings.append(f"Interpreter needed: {case.interpreter}.")
    if case.person.kind == "child":
        warnings.append("A child: contact the parent or guardian.")
    if case.communication_needs:
        warnings.append(f"Communication needs: {case.communication_needs}")
    if case.attention:
        warnings.append(f"Needs a co-ordinator: {case.attention}")
    return warnings


def pending_access(case: Case, user) -> CaseAccess | None:
    return CaseAccess.objects.filter(
        case=case, requested_by=user, status=AccessStatus.PENDING
    ).first()


def access_requests_for(manager) -> dict:
    """Requests to see restricted cases of the manager's force: those waiting, and the
    last answered."""
    base = CaseAccess.objects.filter(case__force_id=manager.force_id).select_related(
        "case", "requested_by", "decided_by"
    )
    return {
        "waiting": list(base.filter(status=AccessStatus.PENDING).order_by("requested_at")),
        "answered": list(base.exclude(status=AccessStatus.PENDING).order_by("-decided_at")[:50]),
    }


def access_request_for(manager, pk: int) -> CaseAccess | None:
    return (
        CaseAccess.objects.filter(case__force_id=manager.force_id, pk=pk)
        .select_related("case", "requested_by")
        .first()
    )
