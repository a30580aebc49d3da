"""``python manage.py verify_audit``: walk the audit log's hash chain from its start.

Exits 0 when every sealed event is as it was sealed and none older than a day is
unsealed; otherwise prints the first bad row and exits 1. ``--seal`` seals what is
committed and unsealed first (what beat does every minute).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hub.audit import seal_audit_events, verify_chain
from hub.models import AuditSeal


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit 1 naming the first altered or removed row."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="seal unsealed events first")

    def handle(self, *args, seal=False, **options):
        now = timezone.now()
        if seal:
            seal_audit_events(now=now)
        problems = verify_chain(now=now)
        if problems:
            raise CommandError(f"The audit log has been tampered with: {problems[0]}.")
        self.stdout.write(f"The audit log is intact: {AuditSeal.objects.count():,} sealed events.")
