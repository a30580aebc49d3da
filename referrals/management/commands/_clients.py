from django.core.management.base import CommandError

from referrals.models import ApiClient


def api_client_named(name: str) -> ApiClient:
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        raise CommandError(f"No API client named {name!r}.")
    return client
