"""Reads of the services directory for the staff pages: a force's services found by need,
area and words.

A refuge's address never leaves the database for these pages: every read defers the
``address`` column and selects ``shown_address`` instead, which is empty where
``hide_address`` is set. A template that reached for ``address`` would cost a query per
service, which the pinned query counts of the directory's tests would catch.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Case as Case_
from django.db.models import CharField, F, Func, Q, QuerySet, Value, When

from casework.models import Service

PAGE_SIZE = 25
MAX_TEXT = 100
MAX_WORDS = 6
_TEXT_FIELDS = ("name", "organisation", "description")


@dataclass(frozen=True)
class DirectoryFilters:
    """What the directory is narrowed to; empty values mean "any"."""

    need: str = ""
    area: str = ""
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.need or self.area or self.text)


def without_hidden_addresses(services: QuerySet) -> QuerySet:
    """``services`` without their ``address`` column, with ``shown_address`` instead: the
    address, or empty for a refuge."""
    return services.defer("address").annotate(
        shown_address=Case_(
            When(hide_address=True, then=Value("")),
            default=F("address"),
            output_field=CharField(),
        )
    )


def words(text: str) -> list[str]:
    """The words of a free-text search, as many as are looked for."""
    return " ".join(text.split())[:MAX_TEXT].split()[:MAX_WORDS]


def find_services(user, filters: DirectoryFilters) -> QuerySet:
    """The active services of the user's force that meet a need, serve an area (a
    force-wide service serves every area) and contain every word given in their name,
    organisation or description; by name."""
    services = Service.objects.visible_to(user).active()
    if filters.need:
        services = services.filter(needs__contains=[filters.need])
    if filters.area:
        services = services.filter(Q(areas__contains=[filters.area]) | Q(areas=[]))
    for word in words(filters.text):
        services = services.filter(
            reduce(
                operator.or_,
                (Q(**{f"{field}__icontains": word}) for field in _TEXT_FIELDS),
            )
        )
    return without_hidden_addresses(services).order_by("name", "pk")


def areas_served(user) -> list[str]:
    """The areas the force's active services name, in order, for the area filter."""
    unnested = Func(F("areas"), function="unnest", output_field=CharField())
    return list(
        Service.objects.visible_to(user)
        .active()
        .annotate(area=unnested)
        .values_list("area", flat=True)
        .distinct()
        .order_by("area")
    )


def service_for_page(user, pk: int) -> Service | None:
    """One of the force's services, active or not (an old link still explains itself), or
    None where the user may not see it."""
    return without_hidden_addresses(Service.objects.visible_to(user)).filter(pk=pk).first()
