"""The ADT batch writes exactly what single referrals write, once, whatever the race."""

from __future__ import annotations

import gc
import threading

import pytest
from django.db import connection

import referrals.intake
from casework.models import Case, CaseEvent
from referrals.models import CrimeReport, Person, Referral
from tests.factories import ForceFactory, api_client_with_token
from tests.referrals.api_payloads import DELETE, referral_payload
from tests.referrals.test_api import BATCH, CREATE, Api

VARIED = [
    {},
    {
        "victim__date_of_birth": "2012-05-01",
        "victim__parent_guardian": {
            "name": "Sara Khan",
            "relationship": "mother",
            "phone": "07700 900456",
        },
    },
    {"ivna__domestic_abuse": True, "ivna__dash_risk": "medium", "victim__safe_contact": DELETE},
    {"ivna__needs_support": False},
    {"crime__offence_code": "19", "ivna__enhanced_entitlement": []},
    {"victim__date_of_birth": DELETE, "ivna__enhanced_entitlement": []},
    {"victim__is_business": True, "victim__business_contact_name": "Jo Bloggs"},
    {"ivna__hate_crime": True, "ivna__enhanced_entitlement": []},
]


NAMES = ["Alice", "Bilal", "Chen", "Dorota", "Ewa", "Farah", "Gareth", "Hana"]


def varied_payloads():
    bodies = []
    for n, changes in enumerate(VARIED):
        bodies.append(
            referral_payload(
                source_reference=f"REF-{n}",
                crime__reference=f"35/{n}/26",
                victim__given_name=NAMES[n],
                **{"consent__basis": "consent", **changes},
            )
        )
    return bodies


def canonical(force) -> list[tuple]:
    rows = []
    for case in Case.objects.filter(force=force).select_related("person", "referral__crime"):
        rows.append(
            (
                case.person.given_name,
                case.person.kind,
                case.state,
                case.priority,
                tuple(case.priority_reasons),
                tuple(case.enhanced_police),
                tuple(case.enhanced_derived),
                case.domestic_abuse,
                case.voicemail_ok,
                case.post_ok,
                case.first_contact_due is not None,
                case.information_due is not None,
                tuple(case.events.values_list("kind", "from_state", "to_state")),
                case.referral.crime.offence_id,
            )
        )
    return sorted(rows)


@pytest.mark.parametrize("part", [100, 3])
def test_a_batch_writes_the_same_cases_as_single_referrals(db, monkeypatch, part):
    # given the same referrals (people with and without a date of birth, children,
    # businesses, domestic abuse) sent singly to one force and as a batch to another, in
    # one part or in three
    monkeypatch.setattr(referrals.intake, "WRITE_PART", part)
    cambs, beds = ForceFactory(), ForceFactory(code="BEDS", name="Beds", hub_name="Beds Hub")
    single = Api(api_client_with_token(cambs, name="single")[1])
    batch = Api(api_client_with_token(beds, name="batch")[1])
    for body in varied_payloads():
        assert single.post(CREATE, body).status_code == 201
    response = batch.post(BATCH, {"referrals": varied_payloads()})
    assert [r["http_status"] for r in response.json()["results"]] == [201] * len(VARIED)
    # then the cases, their triage and their timelines are the same, apart from the source
    assert canonical(cambs) == canonical(beds)
    # and each case has a reference of its own, the one its answer gives
    references = list(Case.objects.filter(force=beds).values_list("reference", flat=True))
    answered = [r["referral"]["case_reference"] for r in response.json()["results"]]
    assert sorted(answered) == sorted(set(references))


def test_a_person_twice_in_one_batch_is_one_person_and_a_repeat_victim(api_pair):
    api, _ = api_pair
    items = [
        referral_payload(
            source_reference="A", crime__reference="35/1/26", ivna__enhanced_entitlement=[]
        ),
        referral_payload(
            source_reference="B", crime__reference="35/2/26", ivna__enhanced_entitlement=[]
        ),
    ]
    results = api.post(BATCH, {"referrals": items}).json()["results"]
    assert [r["referral"]["priority"] for r in results] == [3, 1]
    assert Person.objects.count() == 1


def test_a_batch_links_to_people_and_crimes_already_held(api_pair):
    api, _ = api_pair
    api.post(CREATE, referral_payload(source_reference="S", ivna__enhanced_entitlement=[]))
    item = referral_payload(
        source_reference="B", victim__phone="07700 900999", ivna__enhanced_entitlement=[]
    )
    result = api.post(BATCH, {"referrals": [item]}).json()["results"][0]
    assert result["referral"]["priority"] == 1  # repeat victim
    assert Person.objects.get().phone == "07700 900999"
    assert CrimeReport.objects.count() == 1


@pytest.mark.parametrize("part", [100, 20])
def test_batch_query_count_does_not_grow_with_its_size(
    api_pair, django_assert_max_num_queries, monkeypatch, part
):
    # in one part, or in three (a few statements a part: the statements, not the rows)
    monkeypatch.setattr(referrals.intake, "WRITE_PART", part)
    api, _ = api_pair
    items = [
        referral_payload(
            source_reference=f"Q{n}", crime__reference=f"35/{n}/26", victim__given_name=f"V{n}"
        )
        for n in range(60)
    ]
    with django_assert_max_num_queries(30):
        response = api.post(BATCH, {"referrals": items})
    assert {r["http_status"] for r in response.json()["results"]} == {201}
    # the collector, paused for the batch, runs again
    assert gc.isenabled()


@pytest.fixture
def api_pair(force):
    return Api(api_client_with_token(force)[1]), force


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("part", [100, 3])
def test_two_identical_batches_at_once_create_each_referral_once(monkeypatch, part):
    # in one part, or in three
    monkeypatch.setattr(referrals.intake, "WRITE_PART", part)
    force = ForceFactory()
    _, token = api_client_with_token(force)
    items = varied_payloads()
    barrier = threading.Barrier(2)
    answers: list[list[dict]] = []

    def send():
        api = Api(token)
        barrier.wait()
        try:
            answers.append(api.post(BATCH, {"referrals": items}).json()["results"])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Referral.objects.count() == len(items)
    assert Case.objects.count() == len(items)
    statuses = sorted(tuple(r["http_status"] for r in a) for a in answers)
    assert statuses == [(200,) * len(items), (201,) * len(items)]
    first, second = ([r["referral"] for r in a] for a in answers)
    assert first == second
    assert CaseEvent.objects.filter(kind="referral_received").count() == len(items)
