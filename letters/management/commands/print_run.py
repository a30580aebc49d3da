"""``manage.py print_run --date YYYY-MM-DD``: the day's print runs, with their manifests."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hub.calendar import local_date
from letters.models import PrintRun
from letters.printing import make_print_runs


class Command(BaseCommand):
    help = "Merge the day's postal letters of each force into one PDF for the post room."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today, London time)")

    def handle(self, *args, date=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else local_date(timezone.now())
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from exc
        made = make_print_runs(day)
        if not made:
            self.stdout.write(f"No postal letters waiting for {day:%-d %B %Y}.")
        # Every run of the day: the post room sees what each holds.
        runs = PrintRun.objects.filter(date=day).select_related("force")
        for run in runs.order_by("force__code", "number"):
            pages = sum(item["pages"] for item in run.manifest)
            fresh = " (new)" if run in made else ""
            self.stdout.write(
                f"{run.force.code} {day} run {run.number}{fresh}: {len(run.manifest)} letters, "
                f"{pages} pages: {run.pdf.path}"
            )
            for item in run.manifest:
                self.stdout.write(
                    f"  {item['case']}  {item['purpose']:<18} pages {item['first_page']}"
                    f"-{item['first_page'] + item['pages'] - 1}"
                )
