"""``python manage.py export_services [--force CODE] [--output FILE]``: a force's services
directory as Open Referral UK JSON (see ``casework.open_referral`` for the mapping). A
refuge's address is never in it."""

from pathlib import Path

from django.core.management.base import BaseCommand

from casework.management.commands._directory import force_for
from casework.open_referral import dumps, export_services


class Command(BaseCommand):
    help = "Write a force's services directory as Open Referral UK JSON."

    def add_arguments(self, parser):
        parser.add_argument("--force", help="the force's code (needed if there are several)")
        parser.add_argument("--output", help="the file to write (default: standard output)")

    def handle(self, *args, force=None, output=None, **options):
        document = export_services(force_for(force))
        text = dumps(document)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {document['totalElements']} services to {output}.")
        else:
            self.stdout.write(text, ending="")
