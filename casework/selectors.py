"""Reads of cases for the staff pages."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.models import Case


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
