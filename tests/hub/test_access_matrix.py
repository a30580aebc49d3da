"""Every URL, requested as every kind of principal, answers as hub.access says."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hub.access import ANONYMOUS, API_CLIENT, MATRIX, PRINCIPALS, SIGN_IN
from hub.roles import Role
from tests.conftest import HttpsClient, sign_in
from tests.factories import UserFactory, api_client_with_token


def url_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            )
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:*" if namespace else pattern.name


def test_every_url_has_a_row_in_the_access_matrix():
    missing = sorted({name for name in url_names() if name not in MATRIX}, key=str)
    assert not missing, f"URLs without a row in hub/access.py: {missing}"


def test_every_row_names_every_principal():
    for name, row in MATRIX.items():
        assert set(row.expect) == set(PRINCIPALS), name


def client_for(principal: str, force) -> Client:
    if principal == API_CLIENT:
        _, token = api_client_with_token(force, name="matrix client", rate_per_second=100_000)
        return HttpsClient(headers={"Authorization": f"Bearer {token}"})
    client = HttpsClient()
    if principal != ANONYMOUS:
        user = UserFactory(
            force=force,
            role=principal,
            username=f"matrix-{principal.lower()}",
            is_staff=principal == "Administrator",
        )
        sign_in(client, user)
    return client


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("name", list(MATRIX), ids=str)
def test_each_principal_gets_what_the_matrix_says(name, principal, force):
    row = MATRIX[name]
    client = client_for(principal, force)
    if row.method == "POST":
        response = client.post(
            row.path, json.dumps(row.body or {}), content_type="application/json"
        )
    else:
        response = client.get(row.path)
    expected = row.expect[principal]
    assert response.status_code == expected, (name, principal, response.status_code)
    if name == "my-work" and principal == Role.VOLUNTEER.value:
        # A volunteer's work is their assignments.
        assert response["Location"] == "/assignments/"
    elif expected == SIGN_IN and name not in ("logout", None, "admin:*", "set-up-authenticator"):
        assert response["Location"].startswith("/sign-in/")
