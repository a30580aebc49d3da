"""The commissioner's report for a period, as PDF or CSV, to a file or standard output."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hub.models import Force
from reporting.measures import Period
from reporting.reports import RENDERERS


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Write the commissioner's report (no personal data) for referrals received in a period."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--format", choices=sorted(RENDERERS), default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--force", help="the force's code (needed when there are several)")

    def handle(self, *args, date_from, date_to, format, output, force, **options):
        first, last = _day(date_from), _day(date_to)
        if first > last:
            raise CommandError("--to must be on or after --from.")
        forces = Force.objects.filter(code=force) if force else Force.objects.all()
        found = list(forces[:2])
        if not found:
            raise CommandError(f"No force has the code {force!r}." if force else "No forces.")
        if len(found) > 1:
            codes = ", ".join(Force.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"Name the force with --force: one of {codes}.")
        content = RENDERERS[format](found[0], Period(first, last), now=timezone.now())
        if output:
            with open(output, "wb") as file:
                file.write(content)
            self.stderr.write(f"Wrote {output} ({len(content)} bytes).")
        elif format == "csv":
            self.stdout.write(content.decode(), ending="")
        else:
            self.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
