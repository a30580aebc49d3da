"""Sign-in rules every staff page obeys: the second factor and the session's limits."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

SIGNED_IN_AT = "hub_signed_in_at"

# Pages reachable without a second factor: signing in itself, the token-authenticated API
# (and its schema and reference pages), static files and the health check.
EXEMPT_PREFIXES = ("/sign-in/", "/sign-out/", "/api/", "/static/", "/assets/", "/healthz/")


class SessionLimitsMiddleware:
    """Ends a session 12 hours after sign-in, however active (idle expiry is the cookie's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # The path first: asking the session's user whether it is authenticated loads it,
        # which an API request (its user is its token's client) never needs.
        if not request.path.startswith("/api/") and user is not None and user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "You have been signed out: please sign in again.")
                return redirect(
                    f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """Every staff page needs the session verified with a one-time code (django-otp)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            # The path first, as above: an exempt request's user is not loaded.
            not request.path.startswith(EXEMPT_PREFIXES)
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
        ):
            return redirect(f"{reverse('verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing the Hub generates is kept by browsers or proxies: pages and API answers carry
    personal data. (Static files are answered before this, by whitenoise, and cached.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
