"""The fast path through the referral serializers accepts only what they accept, with the
very same validated data; everything else is left to them, so errors are DRF's own."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from hub.api import flatten_errors
from hub.calendar import LONDON
from referrals.api.fast_validation import compile_serializer
from referrals.api.fields import StrictSerializer
from referrals.api.serializers import (
    BatchRequestSerializer,
    ReferralRequestSerializer,
    batch_items,
    validate_referrals,
)
from tests.referrals.api_payloads import DELETE, referral_payload
from tests.referrals.test_api_properties import EXAMPLE_PATHS, json_values

TODAY = dt.datetime.now(tz=LONDON).date()

# Values near the edges of the fields' rules, besides JSON of every shape.
EDGE_VALUES = [
    "",
    " ",
    "  padded  ",
    "x" * 41,
    "x" * 4001,
    "nul\x00",
    "lone \ud800 surrogate",
    "Zoë",
    "2026-02-30",
    "2026-2-3",
    "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0660",  # Arabic-Indic digits
    (TODAY + dt.timedelta(days=1)).isoformat(),
    TODAY.isoformat(),
    "2010-06-01",
    "1984-03-02",
    "mon-fri",
    "sat",
    "09:00",
    "12:00",
    "24:00",
    "PE1 1AA",
    "pe11aa",
    "07700 900123",
    "amira@example.org",
    "not an email",
    "adt",
    "consent",
    "letter",
    "high",
    "bereaved",
    True,
    False,
    None,
    0,
    1.5,
    [],
    {},
    ["vulnerable", "vulnerable"],
    ["vulnerable"] * 6,
    [{"days": "sat", "from": "10:00", "to": "11:00"}],
    [{"days": "mon", "from": "11:00", "to": "10:00"}],
    {"line1": "2 Low Road", "town": "Ely", "postcode": "CB7 4AA"},
    {"name": "Sam Khan", "relationship": "mother", "phone": "07700 900456"},
    {"name": "Sam Khan", "relationship": "mother"},
    # Each length limit of the serializers, and one past it.
    *(
        "x" * n
        for limit in (5, 7, 10, 12, 16, 40, 60, 80, 100, 120, 200, 254)
        for n in (limit, limit + 1)
    ),
    *("x" * n for n in (2000, 2001, 4000, 4001)),
    "a@" + "b" * 250 + ".org",
]

# Optional fields the example leaves out, and fields no referral has.
EXTRA_PATHS = [
    ("victim", "parent_guardian"),
    ("victim", "business_contact_name"),
    ("victim", "address", "line2"),
    ("victim", "safe_contact", "sms"),
    ("victim", "safe_contact", "interpreter"),
    ("victim", "safe_contact", "communication_needs"),
    ("crime", "officer_in_case", "unknown"),
    ("victim", "nickname"),
    ("unknown",),
]

values = st.sampled_from(EDGE_VALUES) | json_values | st.just(DELETE)
changes = st.lists(
    st.tuples(st.sampled_from(EXAMPLE_PATHS + EXTRA_PATHS), values), min_size=0, max_size=4
)


def changed(body, path, value):
    node = body
    for key in path[:-1]:
        if not isinstance(node, dict | list):
            return body
        if isinstance(node, list):
            if not isinstance(key, int) or key >= len(node):
                return body
        elif key not in node:
            node[key] = {}
        node = node[key]
    if isinstance(node, dict):
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(value)
    elif isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = copy.deepcopy(value)
    return body


def drf_outcome(serializer, body):
    try:
        return serializer.run_validation(body), None
    except serializers.ValidationError as exc:
        return None, flatten_errors(exc.detail)


@pytest.fixture(scope="module")
def referral_serializer():
    return ReferralRequestSerializer()


def test_every_edge_value_in_every_field_is_judged_as_drf_judges_it(referral_serializer):
    # given the example with one field changed to each edge value (or dropped)
    check = compile_serializer(referral_serializer)
    accepted = 0
    for path in EXAMPLE_PATHS + EXTRA_PATHS:
        for value in [*EDGE_VALUES, DELETE]:
            body = changed(referral_payload(), path, value)
            fast = check(body)
            data, errors = drf_outcome(referral_serializer, body)
            # then the fast path accepts nothing DRF refuses, and gives DRF's data
            if fast is not None:
                accepted += 1
                assert errors is None, (path, value, errors)
                assert repr(fast) == repr(data), (path, value)
            elif errors is None:
                # a body DRF accepts is left to DRF only for values the fast path
                # cannot vouch for (none, for these)
                pytest.fail(f"valid body not taken by the fast path: {path} = {value!r}")
    assert accepted > 300


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=changes)
def test_the_fast_path_accepts_only_what_drf_accepts_with_the_same_data(referral_serializer, edits):
    # given the contract's example with up to four fields changed, dropped or added
    body = referral_payload()
    for path, value in edits:
        body = changed(body, path, value)
    # when both validate it
    fast = compile_serializer(referral_serializer)(body)
    data, errors = drf_outcome(referral_serializer, body)
    # then the fast path accepts nothing DRF refuses, and gives DRF's data (key order too)
    if fast is not None:
        assert errors is None
        assert repr(fast) == repr(data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=changes)
def test_validate_referrals_answers_as_drf_alone_errors_and_all(referral_serializer, edits):
    body = referral_payload()
    for path, value in edits:
        body = changed(body, path, value)
    ((index, data, errors),) = validate_referrals([body])
    expected_data, expected_errors = drf_outcome(referral_serializer, body)
    assert index == 0
    assert repr(data) == repr(expected_data)
    # the same pointers and words, in the same order
    assert (flatten_errors(errors) if errors is not None else None) == expected_errors


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"victim__phone": DELETE, "victim__email": DELETE},
        {"victim__address": DELETE, "victim__safe_contact": DELETE},
        {"crime__occurred_on": None, "consent__recorded_on": None, "ivna__dash_risk": "high"},
        {"victim__date_of_birth": None, "victim__preferred_language": "pl"},
        {
            "victim__date_of_birth": "2012-05-01",
            "victim__parent_guardian": {
                "name": "Sam Khan",
                "relationship": "mother",
                "address": {
                    "line1": "1 High Street",
                    "town": "Peterborough",
                    "postcode": "PE1 1AA",
                },
            },
        },
        {"victim__is_business": True, "victim__business_contact_name": "A Manager"},
        {"crime__officer_in_case": DELETE, "ivna__enhanced_entitlement": []},
        {"victim__given_name": "  Amira  ", "ivna__notes": ""},
    ],
)
def test_valid_referrals_take_the_fast_path(referral_serializer, changes):
    body = referral_payload(**changes)
    fast = compile_serializer(referral_serializer)(body)
    assert fast is not None
    assert repr(fast) == repr(drf_outcome(referral_serializer, body)[0])


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"victim__address__postcode": "NOT A POSTCODE"}, "/victim/address/postcode"),
        ({"crime__reported_on": DELETE}, "/crime/reported_on"),
        ({"victim__nickname": "Ami"}, "/victim/nickname"),
        (
            {"victim__safe_contact__safe_times": [{"days": "mon"}]},
            "/victim/safe_contact/safe_times/0/from",
        ),
        ({"ivna__enhanced_entitlement": ["nope"]}, "/ivna/enhanced_entitlement/0"),
    ],
)
def test_invalid_referrals_are_left_to_drf(referral_serializer, changes, pointer):
    body = referral_payload(**changes)
    assert compile_serializer(referral_serializer)(body) is None
    ((_, _, errors),) = validate_referrals([body])
    assert pointer in {e["pointer"] for e in flatten_errors(errors)}
    assert flatten_errors(errors) == drf_outcome(referral_serializer, body)[1]


class Unusual(StrictSerializer):
    # A field class the fast path does not know is checked by the field itself.
    code = serializers.RegexField(r"^[A-Z]{2}$")
    count = serializers.IntegerField(required=False)


@pytest.mark.parametrize(
    "body", [{"code": "AB"}, {"code": "AB", "count": "3"}, {"code": "ab"}, {"count": 1}, []]
)
def test_fields_of_other_kinds_are_checked_by_drf(body):
    serializer = Unusual()
    fast = compile_serializer(serializer)(body)
    data, errors = drf_outcome(serializer, body)
    assert fast == data
    assert (fast is None) == (errors is not None)


@pytest.mark.parametrize(
    "body",
    [
        {"referrals": [{}]},
        {"referrals": [referral_payload(), 3, "x", []]},
        {"referrals": []},
        {"referrals": [None]},
        {"referrals": [{}, None]},
        {"referrals": [{}] * 500},
        {"referrals": [{}] * 501},
        {"referrals": [{}], "extra": 1},
        {"referrals": "x"},
        {"referrals": None},
        {},
        [],
        None,
        "referrals",
    ],
)
def test_a_batch_is_taken_apart_as_its_serializer_would(body):
    shape = BatchRequestSerializer(data=body)
    if shape.is_valid():
        assert batch_items(body) == shape.validated_data["referrals"]
    else:
        with pytest.raises(serializers.ValidationError) as raised:
            batch_items(body)
        assert flatten_errors(raised.value.detail) == flatten_errors(shape.errors)
