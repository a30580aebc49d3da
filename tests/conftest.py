"""Test-suite wiring: real PostgreSQL (DATABASE_URL or the embedded one) and real Redis."""

from __future__ import annotations

import os

import pytest
import redis
from django.test import Client

from referrals.people import forget_offence_table
from tests import factories

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def pytest_sessionstart(session):
    # The suite needs a real Redis; it fails loudly rather than skipping anything.
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.exit(
            f"Redis is not reachable at {REDIS_URL} ({exc}). Start Redis or set REDIS_URL; "
            "the suite does not run without it.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _static_from_sources(settings):
    # Production settings serve collected, hashed files; the suite serves them from their
    # sources instead of running collectstatic first (the Docker image does that).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # Found when asked for, not scanned up front: a scan of every static file (about
    # 1,500) each time a test client builds its handler cost half a second a client.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fresh_offence_table():
    # Each process keeps the offence table for a minute; a test's rolled-back offence
    # types must not outlive it.
    forget_offence_table()
    yield
    forget_offence_table()


class HttpsClient(Client):
    """A browser on HTTPS, as staff use the Hub in production (where http redirects)."""

    def generic(self, method, path, *args, secure=True, **kwargs):
        return super().generic(method, path, *args, secure=True, **kwargs)


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def force(db):
    return factories.ForceFactory()


@pytest.fixture
def vcc(force):
    return factories.UserFactory(force=force, role="VCC", username="vcc-alice")


@pytest.fixture
def manager(force):
    return factories.UserFactory(force=force, role="Manager", username="manager-carol")


@pytest.fixture
def teammate(force):
    return factories.UserFactory(force=force, role="VCC", username="vcc-bob")


def sign_in(client, user):
    """Sign ``user`` in the whole way, password and second factor, as a browser would end up."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def as_user(user) -> HttpsClient:
    """A new browser with ``user`` signed in."""
    return sign_in(HttpsClient(), user)
