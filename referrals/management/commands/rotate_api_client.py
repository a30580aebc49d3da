from django.core.management.base import BaseCommand, CommandError

from referrals.models import ApiClient
from referrals.services import rotate_api_client_token


class Command(BaseCommand):
    help = "Give an API client a new token; the old one stops working. Printed on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"No API client named {name!r}.")
        token = rotate_api_client_token(client)
        self.stdout.write(f"New token for {client.name!r}; the old one no longer works.")
        self.stdout.write(token)
