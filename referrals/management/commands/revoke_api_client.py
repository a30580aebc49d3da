from django.core.management.base import BaseCommand
from django.utils import timezone

from referrals.management.commands._clients import api_client_named
from referrals.services import revoke_api_client


class Command(BaseCommand):
    help = "Revoke an API client's token: its requests get 401 from now on."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        client = api_client_named(name)
        revoke_api_client(client, now=timezone.now())
        self.stdout.write(f"Revoked API client {client.name!r}.")
