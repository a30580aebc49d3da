"""Fold again the days whose cases changed; with ``--all``, every day of every case."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from reporting import rollup


class Command(BaseCommand):
    help = (
        "Fold the dashboard's figures for the days whose cases changed (beat does this every "
        "minute). --all folds every day again: after a measure's definition changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="fold every day with cases")

    def handle(self, *args, all, **options):
        started = time.monotonic()
        if all:
            rollup.mark_all()
        days = rollup.refresh()
        took = time.monotonic() - started
        self.stdout.write(f"Folded {days} day(s) in {took:.1f} s.")
