from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from referrals.models import ApiClient
from referrals.services import revoke_api_client


class Command(BaseCommand):
    help = "Revoke an API client's token: its requests get 401 from now on."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"No API client named {name!r}.")
        revoke_api_client(client, now=timezone.now())
        self.stdout.write(f"Revoked API client {client.name!r}.")
