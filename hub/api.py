"""What every API endpoint shares: problem+json errors, bearer tokens, per-client throttling.

Errors follow RFC 9457 (``application/problem+json``) with ``type``, ``title``, ``status``
and ``detail``; validation errors add ``errors``, a list of ``{"pointer", "detail"}`` with
RFC 6901 JSON pointers into the request body.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import BaseThrottle

PROBLEM_TYPE = "urn:victims-hub:problem:{}"


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"
    format = "problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This source_reference was already used with a different body."
    default_code = "conflict"


class RuleRefused(exceptions.APIException):
    """A well-formed request that one of the Hub's rules refuses (422)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "A rule of the Hub refuses this request."
    default_code = "consent-required"

    def __init__(self, detail: str, *, code: str = "consent-required", pointer: str = ""):
        super().__init__(detail, code)
        self.problem_code = code
        self.pointer = pointer


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload-too-large"


TITLES = {
    400: ("validation", "Your request is not valid"),
    401: ("unauthorized", "A valid bearer token is required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with an earlier request"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Send JSON (Content-Type: application/json)"),
    422: ("consent-required", "Refused by a rule of the Hub"),
    429: ("too-many-requests", "Too many requests"),
}


def json_pointer(*parts: object) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped) if parts else ""


def flatten_errors(detail, path: tuple = ()) -> list[dict]:
    """DRF's nested error structure as a flat list of JSON-pointer errors."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            sub = path if key in ("non_field_errors",) else (*path, key)
            out += flatten_errors(value, sub)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"pointer": json_pointer(*path), "detail": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item in ({}, [], None):
                continue
            out += flatten_errors(item, (*path, index))
        return out
    return [{"pointer": json_pointer(*path), "detail": str(detail)}]


def problem(status_code: int, detail: str, *, code: str | None = None, **extra) -> dict:
    slug, title = TITLES.get(status_code, ("error", "Error"))
    return {
        "type": PROBLEM_TYPE.format(code or slug),
        "title": title,
        "status": status_code,
        "detail": detail,
        **extra,
    }


def problem_exception_handler(exc, context):
    """Every API error as problem+json; anything unexpected stays a 500 for the logs."""
    # Imported here: DRF's settings import this module while rest_framework.views loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        body = problem(400, f"{len(errors)} field(s) are not valid.", errors=errors)
    elif isinstance(exc, exceptions.ParseError):
        body = problem(
            400,
            f"The body is not valid JSON: {exc.detail}",
            errors=[{"pointer": "", "detail": "The body is not valid JSON."}],
        )
    elif isinstance(exc, RuleRefused):
        extra = (
            {"errors": [{"pointer": exc.pointer, "detail": str(exc.detail)}]} if exc.pointer else {}
        )
        body = problem(422, str(exc.detail), code=exc.problem_code, **extra)
    else:
        body = problem(code, str(getattr(exc, "detail", "")) or TITLES.get(code, ("", ""))[1])
    if code == 401:
        response["WWW-Authenticate"] = "Bearer"
    response.data = body
    response.content_type = "application/problem+json"
    return response


# A worker keeps each token's client (and its force) this long, so that a busy client's
# requests do not all begin with the same look-up: a round trip and the ORM's work, more
# than a tenth of a single referral's time. A change to a client or a force (revoking or
# rotating a token, a force's settings) forgets them in the process that made it at once,
# and every other worker stops accepting a revoked or rotated token within this bound.
CLIENT_CACHE_SECONDS = 2.0
_clients: dict[str, tuple[float, object]] = {}


def forget_api_clients(**_) -> None:
    """Look every token up afresh (on any change to an API client or a force)."""
    _clients.clear()


def _client_for(token_hash: str):
    from referrals.models import ApiClient

    now = time.monotonic()
    cached = _clients.get(token_hash)
    if cached is not None and now - cached[0] < CLIENT_CACHE_SECONDS:
        return cached[1]
    client = (
        ApiClient.objects.active().select_related("force").filter(token_hash=token_hash).first()
    )
    if client is None:
        _clients.pop(token_hash, None)
    else:
        _clients[token_hash] = (now, client)
    return client


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` for API clients; tokens are looked up by hash."""

    def authenticate(self, request):
        from referrals.models import hash_token

        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != b"bearer" or len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        client = _client_for(hash_token(token))
        if client is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or has been revoked.")
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > dt.timedelta(minutes=1):
            type(client).objects.filter(pk=client.pk).update(last_used_at=now)
            # The kept client knows it, so the next requests do not write it again.
            client.last_used_at = now
        return (client, client)

    def authenticate_header(self, request):
        return "Bearer"


class IsApiClient(BasePermission):
    def has_permission(self, request, view):
        from referrals.models import ApiClient

        return isinstance(request.user, ApiClient)


@functools.cache
def _redis():
    """One Redis client per process (the cache backend builds a new one per call)."""
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def count_in_window(key: str, *, expires_in: int) -> int:
    """Add one to ``key``'s count and return it: in Redis, one round trip (INCR, then
    EXPIRE in the same pipeline, so the key never outlives its window); without Redis
    (a development machine), in the local cache."""
    if settings.REDIS_URL:
        with _redis().pipeline(transaction=True) as pipe:
            count, _ = pipe.incr(key).expire(key, expires_in).execute()
        return count
    cache.add(key, 0, timeout=expires_in)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=expires_in)
        return 1


class ApiClientRateThrottle(BaseThrottle):
    """Requests a second per API client, counted in the shared cache (Redis in production).

    Keyed on the authenticated client, never on a header a caller could forge. A
    fixed one-second window counted with an atomic ``incr``.
    """

    def allow_request(self, request, view):
        client = request.user
        rate = getattr(client, "rate_per_second", None)
        if not rate:
            return True
        now = time.time()
        window = math.floor(now)
        count = count_in_window(f"api-rate:{client.pk}:{window}", expires_in=3)
        self._wait = max(1, math.ceil(window + 1 - now))
        return count <= rate

    def wait(self):
        return getattr(self, "_wait", 1)


class IsApiClientOrStaff(BasePermission):
    """The OpenAPI document: an API client's token, or a signed-in member of staff."""

    def has_permission(self, request, view):
        from referrals.models import ApiClient

        user = request.user
        return isinstance(user, ApiClient) or bool(
            user and user.is_authenticated and user.is_active
        )
