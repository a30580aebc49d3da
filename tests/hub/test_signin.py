"""Signing in: password, then a code from an authenticator app; lockout; session limits."""

from __future__ import annotations

import base64
import io
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.middleware import SIGNED_IN_AT
from tests.conftest import sign_in

PASSWORD = "a long enough password"


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


@pytest.fixture
def staff(vcc):
    vcc.set_password(PASSWORD)
    vcc.save()
    return vcc


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)


def password_step(client, user, password=PASSWORD, next_url="/"):
    return client.post(
        f"{reverse('login')}?next={next_url}", {"username": user.username, "password": password}
    )


def test_a_password_alone_leads_to_the_code_step_not_to_any_page(client, staff, device):
    response = password_step(client, staff)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("verify"))
    # a staff page is still out of reach until the code is given
    page = client.get(reverse("my-work"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("verify"))


def test_the_right_code_completes_the_sign_in_and_returns_to_the_page_asked_for(
    client, staff, device
):
    password_step(client, staff, next_url="/")
    response = client.post(reverse("verify"), {"code": code_for(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef", ""])
def test_a_wrong_code_is_refused_with_a_clear_message(client, staff, device, code):
    password_step(client, staff)
    response = client.post(reverse("verify"), {"code": code})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_code_cannot_be_used_twice(client, staff, device):
    password_step(client, staff)
    code = code_for(device)
    client.post(reverse("verify"), {"code": code})
    other = type(client)()
    password_step(other, staff)
    response = other.post(reverse("verify"), {"code": code})
    assert response.status_code == 200


def test_first_sign_in_sets_up_an_authenticator_with_a_qr_code(client, staff):
    response = password_step(client, staff)
    page = client.get(response["Location"], follow=True)
    body = page.content.decode()
    assert page.redirect_chain[-1][0].startswith(reverse("set-up-authenticator"))
    assert "<svg" in body
    # the key drawn in the QR code is also written out, and confirming it signs in
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post(reverse("set-up-authenticator"), {"code": code_for(device), "next": "/"})
    assert response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed


def test_repeated_failures_lock_the_account_from_that_address(client, staff, device):
    for _ in range(5):
        password_step(client, staff, password="wrong password")
    # now even the right password is refused
    response = password_step(client, staff)
    assert response.status_code == 429
    assert "Sign-in is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_schema_and_static_files_need_no_second_factor(client, staff, device):
    password_step(client, staff)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/static/hub/hub.css").status_code == 200


def test_the_django_admin_signs_in_through_the_hub(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sessions_end_after_30_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_sessions_end_12_hours_after_sign_in_however_active(client, vcc):
    sign_in(client, vcc)
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_disabling_an_account_ends_its_sessions(client, vcc):
    sign_in(client, vcc)
    vcc.is_active = False
    vcc.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_demo_sign_ins_use_the_published_authenticator_key(db, settings):
    from django.core.management import call_command

    from hub.demo import DEMO_TOTP_SECRET
    from hub.models import User

    settings.DEMO_MODE = True
    call_command("seed_demo", "--victims", "20", "--as-of", "2026-11-23", stdout=io.StringIO())
    device = TOTPDevice.objects.get(user=User.objects.get(username="vcc"))
    assert device.confirmed
    assert base64.b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET


def test_outside_demo_mode_no_seeded_account_has_an_authenticator(db):
    from django.core.management import call_command

    call_command("seed_demo", "--victims", "20", "--as-of", "2026-11-23", stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()
