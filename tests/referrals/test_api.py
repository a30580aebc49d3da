"""Contract tests for the referral API: every row of API.md, including every error."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from casework.models import Case, CaseEvent
from hub.calendar import LONDON
from referrals.models import ApiClient, Referral
from tests.conftest import sign_in
from tests.factories import ForceFactory, api_client_with_token, local, self_referral
from tests.referrals.api_payloads import DELETE, court_result_payload, referral_payload

CREATE = "/api/v1/referrals/"
BATCH = "/api/v1/referrals/batch/"
COURT = "/api/v1/court-results/"
PROBLEM = "application/problem+json"


class Api:
    """A police system talking to the API over HTTPS with its bearer token."""

    def __init__(self, token: str | None):
        self.http = Client(headers={"Authorization": f"Bearer {token}"} if token else {})

    def post(self, path, body, content_type="application/json", **extra):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.http.post(path, data, content_type=content_type, secure=True, **extra)

    def get(self, path):
        return self.http.get(path, secure=True)


@pytest.fixture
def client_and_token(force):
    return api_client_with_token(force)


@pytest.fixture
def api(client_and_token):
    return Api(client_and_token[1])


def pointers(response) -> dict[str, str]:
    return {e["pointer"]: e["detail"] for e in response.json()["errors"]}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status


# ---- POST /api/v1/referrals/ ----------------------------------------------------------


def test_a_new_referral_is_created_and_answered_with_its_case(api, force):
    response = api.post(CREATE, referral_payload())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "case_reference", "status", "priority", "first_contact_due"}
    assert body["status"] == "received"
    assert body["priority"] == 2  # needs, and police recorded "vulnerable"
    due = dt.datetime.fromisoformat(body["first_contact_due"])
    assert due.utcoffset() is not None
    referral = Referral.objects.get(public_id=body["id"])
    assert referral.case.reference == body["case_reference"]
    assert referral.source == "police_api"
    assert referral.person.postcode == "PE1 1AA"
    assert referral.case.safe_times == [{"days": "mon-fri", "from": "09:00", "to": "12:00"}]


def test_an_identical_replay_answers_200_with_the_original_body_and_creates_nothing(api):
    first = api.post(CREATE, referral_payload())
    # the same body with its keys in another order is the same parsed JSON
    reordered = dict(reversed(list(referral_payload().items())))
    replay = api.post(CREATE, reordered)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert Referral.objects.count() == 1
    assert Case.objects.count() == 1


def test_the_same_reference_with_another_body_is_a_conflict(api):
    api.post(CREATE, referral_payload())
    response = api.post(CREATE, referral_payload(victim__given_name="Amina"))
    assert_problem(response, 409)
    assert Referral.objects.count() == 1


def test_another_client_may_use_the_same_source_reference(api, force):
    _, other_token = api_client_with_token(force, name="Witness care")
    api.post(CREATE, referral_payload())
    response = Api(other_token).post(CREATE, referral_payload(crime__reference="35/2/26"))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"source_reference": DELETE}, "/source_reference"),
        ({"crime__reference": DELETE}, "/crime/reference"),
        ({"crime__offence_code": DELETE}, "/crime/offence_code"),
        ({"crime__reported_on": DELETE}, "/crime/reported_on"),
        ({"crime__reported_on": "2026-02-30"}, "/crime/reported_on"),
        ({"crime__reported_on": "21/11/2026"}, "/crime/reported_on"),
        ({"crime__reported_on": "2999-01-01"}, "/crime/reported_on"),
        ({"crime__occurred_on": "2026-11-22"}, "/crime/occurred_on"),
        ({"victim__given_name": DELETE}, "/victim/given_name"),
        ({"victim__family_name": ""}, "/victim/family_name"),
        ({"victim__address__postcode": "NOT A POSTCODE"}, "/victim/address/postcode"),
        ({"victim__email": "not-an-email"}, "/victim/email"),
        ({"victim__phone": "call me"}, "/victim/phone"),
        ({"victim__preferred_contact": "pigeon"}, "/victim/preferred_contact"),
        ({"victim__safe_contact__voicemail": "no"}, "/victim/safe_contact/voicemail"),
        (
            {
                "victim__safe_contact__safe_times": [
                    {"days": "mon-fri", "from": "12:00", "to": "09:00"}
                ]
            },
            "/victim/safe_contact/safe_times/0/to",
        ),
        ({"victim__date_of_birth": "2015-01-01"}, "/victim/parent_guardian"),
        ({"victim__is_business": True}, "/victim/business_contact_name"),
        ({"victim__nickname": "Ami"}, "/victim/nickname"),
        ({"colour": "blue"}, "/colour"),
        ({"ivna__needs_support": DELETE}, "/ivna/needs_support"),
        ({"ivna__needs_support": "yes"}, "/ivna/needs_support"),
        ({"ivna__enhanced_entitlement": ["important"]}, "/ivna/enhanced_entitlement/0"),
        ({"ivna__dash_risk": "extreme"}, "/ivna/dash_risk"),
        ({"consent__basis": DELETE}, "/consent/basis"),
        ({"consent__basis": "implied"}, "/consent/basis"),
    ],
)
def test_each_invalid_missing_or_unknown_field_is_a_400_with_its_pointer(api, changes, pointer):
    response = api.post(CREATE, referral_payload(**changes))
    assert_problem(response, 400)
    assert pointer in pointers(response), pointers(response)
    assert Referral.objects.count() == 0


def test_every_error_is_reported_at_once(api):
    response = api.post(CREATE, {"victim": {}, "colour": "blue"})
    found = set(pointers(response))
    assert {"/source_reference", "/crime", "/ivna", "/consent", "/colour"} <= found


def test_a_victim_with_no_contact_route_is_refused(api):
    body = referral_payload(victim__phone=DELETE, victim__email=DELETE, victim__address=DELETE)
    response = api.post(CREATE, body)
    assert_problem(response, 400)
    assert "/victim" in pointers(response)


def test_a_child_with_a_guardian_is_accepted(api):
    guardian = {"name": "Sara Khan", "relationship": "mother", "phone": "07700 900456"}
    body = referral_payload(victim__date_of_birth="2012-05-01", victim__parent_guardian=guardian)
    response = api.post(CREATE, body)
    assert response.status_code == 201
    assert response.json()["priority"] == 1


def test_a_guardian_needs_a_contact_route(api):
    guardian = {"name": "Sara Khan", "relationship": "mother"}
    body = referral_payload(victim__date_of_birth="2012-05-01", victim__parent_guardian=guardian)
    assert "/victim/parent_guardian" in pointers(api.post(CREATE, body))


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(CREATE, "{not json")
    assert_problem(response, 400)


def test_a_body_that_is_not_an_object_is_a_400(api):
    assert_problem(api.post(CREATE, [1, 2, 3]), 400)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"ivna__domestic_abuse": True}, "/ivna/domestic_abuse"),
        ({"crime__offence_code": "19C"}, "/crime/offence_code"),
        ({"ivna__enhanced_entitlement": ["bereaved"]}, "/ivna/enhanced_entitlement"),
    ],
)
def test_adt_referrals_the_code_allows_only_with_consent_are_422(api, changes, pointer):
    response = api.post(CREATE, referral_payload(consent__basis="adt", **changes))
    assert_problem(response, 422)
    assert response.json()["errors"][0]["pointer"] == pointer
    assert Referral.objects.count() == 0


def test_the_same_referrals_with_consent_are_accepted(api):
    body = referral_payload(ivna__domestic_abuse=True, ivna__dash_risk="medium")
    assert api.post(CREATE, body).status_code == 201


def test_a_force_may_add_crime_types_that_need_consent(api, force):
    force.extra_consent_offence_codes = ["8Q"]
    force.save()
    response = api.post(CREATE, referral_payload(consent__basis="adt", crime__offence_code="8Q"))
    assert_problem(response, 422)
    assert "Cambridgeshire" in response.json()["detail"]


def test_no_token_is_401_with_www_authenticate_bearer(db):
    response = Api(None).post(CREATE, referral_payload())
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["vh_not-a-real-token", "garbage with spaces"])
def test_a_bad_token_is_401(db, token):
    response = Api(token).post(CREATE, referral_payload())
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_401(api, client_and_token):
    client, _ = client_and_token
    client.revoke()
    client.save()
    assert_problem(api.post(CREATE, referral_payload()), 401)


def test_a_token_revoked_after_use_is_401_at_once(api, client_and_token):
    # given a client whose token this worker has just accepted (and keeps for a moment)
    assert api.post(CREATE, referral_payload()).status_code == 201
    # when it is revoked
    from referrals.services import revoke_api_client

    revoke_api_client(client_and_token[0], now=timezone.now())
    # then its next request is refused
    assert_problem(api.post(CREATE, referral_payload(source_reference="R2")), 401)


def test_a_token_revoked_by_another_worker_is_401_within_the_bound(
    api, client_and_token, monkeypatch
):
    import time

    from hub import api as hub_api

    monkeypatch.setattr(hub_api, "CLIENT_CACHE_SECONDS", 0.2)
    assert api.post(CREATE, referral_payload()).status_code == 201
    # given a revocation this worker is not told of (as made in another process)
    ApiClient.objects.filter(pk=client_and_token[0].pk).update(revoked_at=timezone.now())
    # when the bound has passed, then the token is refused
    time.sleep(0.25)
    assert_problem(api.post(CREATE, referral_payload(source_reference="R2")), 401)


def test_last_use_is_written_at_most_once_a_minute(api, client_and_token):
    from django.test.utils import CaptureQueriesContext

    assert api.post(CREATE, referral_payload()).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert api.post(CREATE, referral_payload(source_reference="R2")).status_code == 201
    assert not [q for q in queries if "last_used_at" in q["sql"] and "UPDATE" in q["sql"]]
    assert ApiClient.objects.get(pk=client_and_token[0].pk).last_used_at is not None


def test_a_new_victim_s_referral_is_written_in_four_statements(api, django_assert_num_queries):
    # given a client that has posted before (its last use is written) and offence types read
    assert api.post(CREATE, referral_payload()).status_code == 201
    # when a referral of a new victim arrives, then it takes the person, the crime, the
    # ids and the case number (three statements sent together: one round trip), and every
    # other row in one statement (with the savepoint and its release that stand for BEGIN
    # and COMMIT in a test)
    second = referral_payload(
        source_reference="R2", crime__reference="35/99999/26", victim__given_name="Bea"
    )
    with django_assert_num_queries(4 + 2):
        response = api.post(CREATE, second)
    assert response.status_code == 201


def test_a_rotated_token_replaces_the_old_one(client_and_token):
    from referrals.services import rotate_api_client_token

    client, old = client_and_token
    new = rotate_api_client_token(client)
    assert_problem(Api(old).post(CREATE, referral_payload()), 401)
    assert Api(new).post(CREATE, referral_payload()).status_code == 201


def test_only_a_hash_of_the_token_is_stored(client_and_token):
    client, token = client_and_token
    stored = ApiClient.objects.filter(pk=client.pk).values()[0]
    assert token not in json.dumps(stored, default=str)


def test_a_body_that_is_not_json_by_content_type_is_415(api):
    response = api.post(CREATE, json.dumps(referral_payload()), content_type="text/plain")
    assert_problem(response, 415)


def test_a_body_over_one_mebibyte_is_413(api):
    body = referral_payload(ivna__notes="x" * (1024 * 1024))
    assert_problem(api.post(CREATE, body), 413)


def test_a_batch_over_five_mebibytes_is_413(api):
    big = referral_payload(ivna__notes="x" * 3000)
    body = {"referrals": [big] * 2000}
    assert_problem(api.post(BATCH, body), 413)


def test_a_client_over_its_rate_gets_429_with_retry_after(force):
    _, token = api_client_with_token(force, name="Slow system", rate_per_second=2)
    api = Api(token)
    statuses = [
        api.get("/api/v1/referrals/00000000-0000-0000-0000-000000000000/") for _ in range(6)
    ]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert_problem(limited[0], 429)
    assert int(limited[0]["Retry-After"]) >= 1


def test_throttling_ignores_forwarded_for_headers(force):
    _, token = api_client_with_token(force, name="Sly system", rate_per_second=2)
    api = Api(token)
    codes = [
        api.http.get(
            "/api/v1/referrals/00000000-0000-0000-0000-000000000000/",
            secure=True,
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert 429 in codes


# ---- GET /api/v1/referrals/{id}/ ------------------------------------------------------


def test_a_client_reads_back_the_public_status_of_its_referral(api):
    created = api.post(CREATE, referral_payload()).json()
    response = api.get(f"/api/v1/referrals/{created['id']}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "case_reference", "status", "updated_at"}
    assert body["status"] == "received"
    assert "Amira" not in response.content.decode()


def test_the_status_follows_the_case_without_disclosing_its_state(api, force, vcc):
    from casework import services

    created = api.post(CREATE, referral_payload()).json()
    case = Case.objects.get(reference=created["case_reference"])
    services.record_contact_made(case, by=vcc, now=local(2026, 11, 24))
    services.start_assessment(case, by=vcc, now=local(2026, 11, 24))
    assert api.get(f"/api/v1/referrals/{created['id']}/").json()["status"] == "in_progress"
    services.close_case(case, reason="moved_away", by=vcc, now=local(2026, 11, 25))
    assert api.get(f"/api/v1/referrals/{created['id']}/").json()["status"] == "closed"


def test_another_clients_referral_is_404(api, force):
    created = api.post(CREATE, referral_payload()).json()
    _, other = api_client_with_token(force, name="Witness care")
    assert_problem(Api(other).get(f"/api/v1/referrals/{created['id']}/"), 404)


def test_another_forces_client_sees_nothing(api):
    created = api.post(CREATE, referral_payload()).json()
    beds = ForceFactory(code="BEDS", name="Bedfordshire Police", hub_name="Beds Hub")
    _, other = api_client_with_token(beds, name="Beds crime recording")
    assert_problem(Api(other).get(f"/api/v1/referrals/{created['id']}/"), 404)


@pytest.mark.parametrize("ref", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1"])
def test_unknown_ids_are_404(api, ref):
    assert_problem(api.get(f"/api/v1/referrals/{ref}/"), 404)


def test_a_self_referral_is_never_visible_through_the_api(api, force):
    referral = self_referral(force)
    assert_problem(api.get(f"/api/v1/referrals/{referral.public_id}/"), 404)
    assert not Referral.objects.visible_to(ApiClient.objects.get()).filter(pk=referral.pk).exists()


# ---- POST /api/v1/referrals/batch/ ----------------------------------------------------


def test_each_batch_item_is_accepted_or_rejected_on_its_own_in_order(api):
    items = [
        referral_payload(source_reference="B-1", consent__basis="adt"),
        referral_payload(source_reference="B-2", victim__address__postcode="nope"),
        referral_payload(source_reference="B-3", consent__basis="adt", ivna__domestic_abuse=True),
        referral_payload(source_reference="B-1", consent__basis="adt"),
        referral_payload(source_reference="B-1", consent__basis="adt", victim__given_name="Other"),
    ]
    response = api.post(BATCH, {"referrals": items})
    assert response.status_code == 207
    results = response.json()["results"]
    assert [r["http_status"] for r in results] == [201, 400, 422, 200, 409]
    assert results[0]["referral"]["case_reference"].startswith("VH-")
    assert results[3]["referral"] == results[0]["referral"]
    assert results[1]["errors"] == [
        {"pointer": "/referrals/1/victim/address/postcode", "detail": "Must be a UK postcode."}
    ]
    assert results[2]["errors"][0]["pointer"] == "/referrals/2/ivna/domestic_abuse"
    assert results[4]["errors"][0]["pointer"] == "/referrals/4/source_reference"
    assert Referral.objects.filter(source="adt_batch").count() == 1


def test_a_batch_of_more_than_500_is_rejected_whole(api):
    response = api.post(BATCH, {"referrals": [referral_payload()] * 501})
    assert_problem(response, 400)
    assert "/referrals" in pointers(response)
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{}, {"referrals": []}, {"referrals": "x"}, {"referrals": [], "extra": 1}, [1]]
)
def test_a_batch_not_of_the_right_shape_is_rejected_whole(api, body):
    assert_problem(api.post(BATCH, body), 400)


# ---- POST /api/v1/court-results/ ------------------------------------------------------


def test_a_court_result_sets_each_victims_deadline_and_goes_on_the_timeline(api, force):
    # given two victims of one crime: one enhanced (vulnerable), one not
    enhanced = api.post(CREATE, referral_payload()).json()
    plain = api.post(
        CREATE,
        referral_payload(
            source_reference="V2",
            victim__given_name="Omar",
            victim__date_of_birth="1970-01-01",
            ivna__enhanced_entitlement=[],
        ),
    ).json()
    # when witness care posts a result
    response = api.post(COURT, court_result_payload())
    assert response.status_code == 201
    assert response.json()["victims_to_tell"] == 2
    # then each victim has a deadline by the Code: next working day, or five
    first = Case.objects.get(reference=enhanced["case_reference"])
    second = Case.objects.get(reference=plain["case_reference"])
    received = first.events.get(kind="court_result").at
    calendar = force.calendar
    assert first.victim_update_due == calendar.deadline(received, 1)
    assert second.victim_update_due == calendar.deadline(received, 5)
    event = CaseEvent.objects.filter(case=first, kind="court_result").get()
    assert "Guilty plea" in event.reason


def test_court_results_are_idempotent_on_their_source_reference(api):
    api.post(CREATE, referral_payload())
    first = api.post(COURT, court_result_payload())
    replay = api.post(COURT, court_result_payload())
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert CaseEvent.objects.filter(kind="court_result").count() == 1
    assert_problem(api.post(COURT, court_result_payload(result="Not guilty")), 409)


def test_any_client_of_the_force_may_post_a_result(api, force):
    api.post(CREATE, referral_payload())
    _, witness_care = api_client_with_token(force, name="Witness care")
    assert Api(witness_care).post(COURT, court_result_payload()).status_code == 201


def test_a_result_for_an_unknown_crime_is_404(api):
    assert_problem(api.post(COURT, court_result_payload(crime_reference="35/99999/26")), 404)


def test_another_forces_client_cannot_post_results_for_our_crimes(api):
    api.post(CREATE, referral_payload())
    beds = ForceFactory(code="BEDS", name="Bedfordshire Police", hub_name="Beds Hub")
    _, other = api_client_with_token(beds, name="Beds witness care")
    assert_problem(Api(other).post(COURT, court_result_payload()), 404)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"court": ""}, "/court"),
        ({"hearing_date": "28/11/2026"}, "/hearing_date"),
        ({"next_hearing_date": "2026-11-01"}, "/next_hearing_date"),
        ({"verdict": "guilty"}, "/verdict"),
    ],
)
def test_invalid_court_results_are_400(api, changes, pointer):
    assert pointer in pointers(api.post(COURT, court_result_payload(**changes)))


# ---- the schema -----------------------------------------------------------------------


def test_the_schema_is_served_to_a_client_and_to_staff_but_not_to_strangers(api, client, vcc):
    assert api.get("/api/schema/").status_code == 200
    assert_problem(Api(None).get("/api/schema/"), 401)
    sign_in(client, vcc)
    assert client.get("/api/schema/").status_code == 200


def test_the_reference_pages_load_everything_from_the_hub_itself(client, vcc):
    sign_in(client, vcc)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    script = client.get("/api/docs/?script=").content.decode()
    assert "SwaggerUIBundle" in script


# ---- exactly once under concurrency ---------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_identical_requests_at_once_create_one_referral():
    force = ForceFactory()
    _, token = api_client_with_token(force)
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    bodies: list[dict] = []

    def post():
        api = Api(token)
        barrier.wait()
        try:
            response = api.post(CREATE, referral_payload())
            statuses.append(response.status_code)
            bodies.append(response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 9 + [201]
    assert all(b == bodies[0] for b in bodies)
    assert Referral.objects.count() == 1
    assert Case.objects.count() == 1


def test_first_contact_due_is_in_london_time_with_its_offset(api, time_machine):
    # given a priority 2 referral on Wednesday 1 July 2026 (British Summer Time)
    time_machine.move_to(dt.datetime(2026, 7, 1, 9, tzinfo=LONDON))
    summer = {
        "crime__reported_on": "2026-06-30",
        "crime__occurred_on": "2026-06-29",
        "consent__recorded_on": "2026-06-30",
    }
    body = api.post(CREATE, referral_payload(**summer)).json()
    # then the first call is due by closing time two working days later, with its offset
    assert body["first_contact_due"] == "2026-07-03T20:00:00+01:00"
