"""API clients: made, rotated and revoked by command; only a hash of the token is kept."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from referrals.models import ApiClient, hash_token


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_prints_the_token_alone_on_the_last_line_and_stores_its_hash(force):
    lines = run("create_api_client", "Athena crime recording", "--force", "CAMBS")
    token = lines[-1]
    assert token.startswith("vh_")
    assert " " not in token
    client = ApiClient.objects.get(name="Athena crime recording")
    assert client.token_hash == hash_token(token)
    assert client.force == force
    assert client.rate_per_second == 50


def test_create_refuses_an_unknown_force_or_a_taken_name(force):
    with pytest.raises(CommandError, match="No force"):
        run("create_api_client", "X", "--force", "NOPE")
    run("create_api_client", "X", "--force", "CAMBS")
    with pytest.raises(CommandError, match="already exists"):
        run("create_api_client", "X", "--force", "CAMBS")


def test_rotate_gives_a_new_token_and_revoke_stops_it(force):
    first = run("create_api_client", "Witness care", "--force", "CAMBS", "--rate", "10")[-1]
    second = run("rotate_api_client", "Witness care")[-1]
    client = ApiClient.objects.get(name="Witness care")
    assert second != first
    assert client.token_hash == hash_token(second)
    assert client.rate_per_second == 10
    run("revoke_api_client", "Witness care")
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert not ApiClient.objects.active().filter(pk=client.pk).exists()


def test_rotate_and_revoke_refuse_unknown_clients(db):
    for command in ("rotate_api_client", "revoke_api_client"):
        with pytest.raises(CommandError, match="No API client"):
            run(command, "Nobody")
