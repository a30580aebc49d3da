"""Property-based tests: no request, however odd, makes the API fail with a 5xx.

Hypothesis mutates the contract's example anywhere in its tree and sends raw JSON of
every shape; schemathesis drives every documented operation from the served OpenAPI
document and checks each answer against it (status documented, body matching schema).
"""

from __future__ import annotations

import copy

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import api_client_with_token
from tests.referrals.api_payloads import referral_payload
from tests.referrals.test_api import BATCH, COURT, CREATE, Api

ACCEPTABLE = {200, 201, 207, 400, 404, 409, 413, 415, 422}

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from paths(value, (*prefix, index))


EXAMPLE_PATHS = [p for p in paths(referral_payload()) if p]


def mutate(path, value):
    body = copy.deepcopy(referral_payload())
    node = body
    for key in path[:-1]:
        node = node[key]
    if value is DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return body


DROP = object()


@pytest.fixture
def api(force):
    return Api(api_client_with_token(force, rate_per_second=100_000)[1])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(EXAMPLE_PATHS), value=json_values | st.just(DROP), reference=st.uuids())
def test_no_mutation_of_a_referral_makes_a_server_error(api, path, value, reference):
    body = mutate(path, value)
    if isinstance(body, dict) and path != ("source_reference",):
        body["source_reference"] = str(reference)
    response = api.post(CREATE, body)
    assert response.status_code in ACCEPTABLE, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=json_values)
def test_no_json_body_of_any_shape_makes_a_server_error(api, body):
    for path in (CREATE, BATCH, COURT):
        response = api.post(path, body)
        assert response.status_code in ACCEPTABLE, (path, response.content)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.lists(
        st.sampled_from(EXAMPLE_PATHS).flatmap(
            lambda p: st.tuples(st.just(p), json_values | st.just(DROP))
        ),
        max_size=6,
    ),
    seed=st.uuids(),
)
def test_no_batch_of_mutated_referrals_makes_a_server_error(api, items, seed):
    bodies = []
    for n, (path, value) in enumerate(items):
        body = mutate(path, value)
        if path != ("source_reference",):
            body["source_reference"] = f"{seed}-{n}"
        bodies.append(body)
    response = api.post(BATCH, {"referrals": bodies or [referral_payload()]})
    assert response.status_code in {207, 400}, response.content
    if response.status_code == 207:
        assert len(response.json()["results"]) == max(len(bodies), 1)


@pytest.fixture
def served_schema(force, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    _, token = api_client_with_token(force, name="schemathesis", rate_per_second=100_000)
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}
    # As Django's test client does: keep the test's connection (and its transaction) open
    # across requests made straight through the WSGI handler.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/", get_wsgi_application(), headers=headers
        )
        schema.test_headers = headers
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_served_schema(served_schema):
    # Every documented operation, driven from the document alone: no server errors, every
    # answer's status documented and its body matching the schema.
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) == 4
    for operation in operations:

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def keeps_to_schema(case):
            case.call_and_validate(
                headers=served_schema.test_headers,
                # Cross-field rules (a date before another, a contact route required) cannot
                # be said in JSON Schema, so schema-valid data may rightly get a 400.
                excluded_checks=[positive_data_acceptance],
            )

        keeps_to_schema()
