from django.core.management.base import BaseCommand, CommandError

from referrals.services import create_api_client


class Command(BaseCommand):
    help = "Create an API client for a force. Its token is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument(
            "name", help="A name for the integrating system, e.g. 'Athena crime recording'."
        )
        parser.add_argument(
            "--force", required=True, dest="force_code", help="The force's code, e.g. CAMBS."
        )
        parser.add_argument(
            "--rate", type=int, default=None, help="Requests a second (default 50)."
        )

    def handle(self, *args, name, force_code, rate, **options):
        try:
            client, token = create_api_client(
                name=name, force_code=force_code, rate_per_second=rate
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Created API client {client.name!r} for {client.force.code}. "
            "Store this token now: it is not shown again and only its hash is kept."
        )
        self.stdout.write(token)
