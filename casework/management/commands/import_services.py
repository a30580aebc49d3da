"""``python manage.py import_services FILE [--force CODE]``: create or update a force's
services from Open Referral UK JSON, matched by id (see ``casework.open_referral``). On
any problem nothing is changed, and each problem is named by item and field."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.management.commands._directory import force_for
from casework.open_referral import OpenReferralError, import_services, read_document


class Command(BaseCommand):
    help = "Create or update a force's services directory from Open Referral UK JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the Open Referral UK JSON to read")
        parser.add_argument("--force", help="the force's code (needed if there are several)")

    def handle(self, *args, file, force=None, **options):
        target = force_for(force)
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        try:
            result = import_services(read_document(text), force=target)
        except OpenReferralError as exc:
            listed = "\n".join(f"- {problem}" for problem in exc.problems)
            raise CommandError(
                f"{file} was not imported; nothing was changed. "
                f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}:\n{listed}"
            ) from None
        self.stdout.write(
            f"Imported {file} into {target.code}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
