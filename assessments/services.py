"""Writes to assessments."""

from __future__ import annotations

from assessments.models import Ivna


def record_ivnas(ivnas: list[Ivna]) -> list[Ivna]:
    """Keep the IVNAs exactly as police recorded them, with their (saved) referrals."""
    return Ivna.objects.bulk_create(ivnas)
