"""``seed_demo``: a year of realistic, reproducible referrals and cases for the demo.

    manage.py seed_demo --victims 25000 --seed 1 [--as-of 2026-11-23] [--replace | --if-empty]

The data depends only on the number of victims, the seed and the as-of date (today in
Europe/London unless given). See ``casework.demo`` for what is built and how.
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from casework.demo import case_data_exists, clear_case_data, seed_demo
from casework.models import Case
from hub.calendar import LONDON


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Seed demo referrals, cases and staff, deterministically from --victims, --seed, --as-of."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--victims", type=int, default=25000, help="Referrals to create.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random generator.")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="The day the data stands at (YYYY-MM-DD); default today in Europe/London.",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--replace",
            action="store_true",
            help="Delete all case data and the seeded staff first (superusers are kept).",
        )
        existing.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any case exists."
        )

    def handle(self, *args, victims, seed, as_of, replace, if_empty, **options):
        if victims < 1:
            raise CommandError("--victims must be at least 1.")
        as_of = as_of or dt.datetime.now(tz=LONDON).date()
        if if_empty and case_data_exists():
            self.stdout.write(
                f"{Case.objects.count()} cases already exist: --if-empty, so nothing was seeded."
            )
            return
        if not replace and case_data_exists():
            raise CommandError(
                "Cases already exist. Use --replace to delete all case data and seed afresh, "
                "or --if-empty to leave it as it is."
            )
        try:
            with transaction.atomic():
                if replace:
                    clear_case_data()
                result = seed_demo(
                    victims=victims, seed=seed, as_of=as_of, demo_mode=settings.DEMO_MODE
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
