"""Signing staff in: password, then a one-time code from an authenticator app (TOTP).

A member of staff without an authenticator yet sets one up on first sign-in, scanning a
QR code drawn here (no outside service), and confirms it with a first code.
"""

from __future__ import annotations

import base64
import time

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.middleware import SIGNED_IN_AT

DEVICE_NAME = "Authenticator app"


def note_sign_in(sender, request, user, **kwargs):
    """Receiver for ``user_logged_in``: the 12-hour limit counts from here."""
    request.session[SIGNED_IN_AT] = time.time()


class SignInView(auth_views.LoginView):
    """Step one: username and password (locked out after repeated failures)."""

    template_name = "registration/sign_in.html"
    redirect_authenticated_user = False

    def get_success_url(self):
        return f"{reverse('verify')}?next={self.get_redirect_url() or reverse('my-work')}"


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label="Code from your authenticator app",
        error_messages={"invalid": "Enter the 6-digit code from your authenticator app."},
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("my-work")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Step two: the code from the member of staff's confirmed authenticator."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('set-up-authenticator')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        device = next((d for d in devices if d.verify_token(code)), None)
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", "That code is not right, or has expired. Try the current one.")
    return render(request, "registration/verify.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def set_up_authenticator(request):
    """First sign-in: add an authenticator app and confirm it with its first code."""
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return redirect(f"{reverse('verify')}?next={_next(request)}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next(request))
        form.add_error("code", "That code is not right. Check the app shows the Victims' Hub.")
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code to scan")
    return render(
        request,
        "registration/set_up_authenticator.html",
        {"form": form, "next": _next(request), "secret": secret, "qr": qr},
    )
