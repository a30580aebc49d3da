"""Headers every response carries, and logs that keep personal data out."""

import logging

import pytest

from hub.logging import REDACTED, mask, redact
from tests.conftest import sign_in


def test_pages_carry_a_strict_content_security_policy_with_a_nonce(client, vcc):
    sign_in(client, vcc)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/sign-in/", "/api/v1/referrals/abc/"])
def test_personal_pages_and_the_api_are_never_cached(client, vcc, path):
    sign_in(client, vcc)
    cache_control = client.get(path)["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_static_files_stay_cacheable(client, db):
    response = client.get("/static/hub/hub.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "text",
    [
        "Called amira@example.org back",
        "Phone 07700 900123 unreachable",
        "Phone +44 7700 900123 unreachable",
        "Lives at PE1 1AA",
        "token vh_demo-cambridgeshire-crime-recording",
    ],
)
def test_personal_data_in_messages_is_masked(text):
    assert REDACTED in mask(text)


def test_personal_fields_are_redacted_and_others_kept():
    event = redact(
        None, "info", {"event": "referral", "email": "a@b.org", "case": "VH-2026-000001"}
    )
    assert event == {"event": "referral", "email": REDACTED, "case": "VH-2026-000001"}


def test_the_configured_logging_writes_json_without_personal_data(capsys):
    from logging.config import dictConfig

    from hub.logging import logging_config

    dictConfig(logging_config(level="INFO", json=True))
    logging.getLogger("hub.test").warning("Could not reach amira@example.org on 07700 900123")
    err = capsys.readouterr().err
    assert '"level": "warning"' in err
    assert "amira" not in err
    assert "07700" not in err
