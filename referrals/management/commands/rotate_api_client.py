from django.core.management.base import BaseCommand

from referrals.management.commands._clients import api_client_named
from referrals.services import rotate_api_client_token


class Command(BaseCommand):
    help = "Give an API client a new token; the old one stops working. Printed on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        client = api_client_named(name)
        token = rotate_api_client_token(client)
        self.stdout.write(f"New token for {client.name!r}; the old one no longer works.")
        self.stdout.write(token)
