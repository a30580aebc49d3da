"""The audit log (DPA 2018 s.62): a row for every act, in the act's own transaction;
append-only for every role; a hash chain that ``verify_audit`` walks."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from casework.access import grant_case_access, request_case_access
from casework.retention import erase_case
from casework.services import add_case_note, allocate_case, close_case, record_contact_made
from hub.audit import seal_audit_events, verify_chain
from hub.models import AuditAction, AuditEvent, AuditSeal
from letters.models import Letter
from letters.sending import send_letter
from referrals.services import receive_referral
from tests.conftest import as_user
from tests.factories import api_client_with_token, local, make_case, referral_input

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 23, 10)


class Rollback(Exception):
    """Raised to undo an act's transaction."""


def rows(action, **where):
    return AuditEvent.objects.filter(action=action, **where)


# Each kind of act, done once on a fresh case of its own: what it does, and the audit row
# it must leave (its action and object type).
def _collect(force, vcc, manager):
    receive_referral(force, referral_input(family_name="Collected"), now=NOW)


def _combine(force, vcc, manager):
    # the same name and date of birth as the case of the fixture: linked to that person
    receive_referral(force, referral_input(crime_reference="35/2/26"), now=NOW)


def _alter(force, vcc, manager):
    case = make_case(force, family_name="Altered", crime_reference="35/3/26", now=NOW)
    add_case_note(case, text="Spoke to the officer.", by=vcc, now=NOW)


def _disclose(force, vcc, manager):
    case = make_case(force, family_name="Disclosed", crime_reference="35/4/26", now=NOW)
    case.restricted = True
    case.save(update_fields=["restricted"])
    access = request_case_access(case, by=vcc, reason="Covering a colleague", now=NOW)
    grant_case_access(access, by=manager, now=NOW)


def _consult(force, vcc, manager):
    case = make_case(force, family_name="Consulted", crime_reference="35/5/26", now=NOW)
    assert as_user(vcc).get(f"/cases/{case.reference}/").status_code == 200


def _erase(force, vcc, manager):
    case = make_case(force, family_name="Erased", crime_reference="35/6/26", now=NOW)
    close_case(case, reason=case.allowed_closure_reasons()[0], by=vcc, now=NOW)
    case.refresh_from_db()
    erase_case(case, by=manager, now=NOW + dt.timedelta(days=7 * 366))


ACTS = {
    "collection": (_collect, AuditAction.COLLECTION, "referral"),
    "combination": (_combine, AuditAction.COMBINATION, "person"),
    "alteration": (_alter, AuditAction.ALTERATION, "case"),
    "disclosure": (_disclose, AuditAction.DISCLOSURE, "case"),
    "consultation": (_consult, AuditAction.CONSULTATION, "case"),
    "erasure": (_erase, AuditAction.ERASURE, "case"),
}


@pytest.mark.parametrize("kind", list(ACTS))
def test_each_acts_audit_row_is_written_in_its_transaction(kind, force, vcc, manager):
    act, action, object_type = ACTS[kind]
    make_case(force, now=NOW)  # a person already known, for the combination
    before = rows(action, object_type=object_type).count()

    # when the act is rolled back, its audit row goes with it
    def act_then_roll_back():
        with transaction.atomic():
            act(force, vcc, manager)
            assert rows(action, object_type=object_type).count() == before + 1
            raise Rollback

    with pytest.raises(Rollback):
        act_then_roll_back()
    assert rows(action, object_type=object_type).count() == before
    # and when it commits, its row is there: one, naming the fields, never their values
    act(force, vcc, manager)
    event = rows(action, object_type=object_type).latest("pk")
    assert rows(action, object_type=object_type).count() == before + 1
    assert event.fields
    assert event.case_id is not None
    assert event.person_id is not None
    stored = json.dumps([event.fields, event.reason, event.object_id])
    for value in ("07700 900123", "amira@example.org", "PE1 1AA", "1 High Street"):
        assert value not in stored


def test_a_case_page_is_not_shown_when_its_consultation_cannot_be_logged(force, vcc):
    # given a case, and an audit log that refuses new rows (a full disk, say)
    case = make_case(force, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no room'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON hub_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
        )
    client = as_user(vcc)
    client.raise_request_exception = False
    # when the VCC opens the case, then the page fails rather than show unlogged data
    response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 500
    assert "Amira" not in response.content.decode()


def test_who_did_what_and_why_is_recorded(force, vcc, manager):
    # given a case a manager allocates and a VCC moves on
    case = make_case(force, now=NOW, by=vcc)
    allocate_case(case, to=vcc, by=manager, now=NOW)
    record_contact_made(case, by=vcc, now=NOW, reason="Victim wants help")
    # then each row names its actor, the fields and the reason
    collection = rows(AuditAction.COLLECTION, case_id=case.pk).get()
    assert (collection.actor, collection.actor_label) == (vcc, "vcc-alice")
    assert {"given_name", "family_name", "phone", "email", "crime", "ivna"} <= set(
        collection.fields
    )
    allocation = rows(AuditAction.ALTERATION, case_id=case.pk, fields=["responsible"]).get()
    assert allocation.actor == manager
    change = rows(AuditAction.ALTERATION, case_id=case.pk, fields__contains=["state"]).get()
    assert (change.actor, change.reason) == (vcc, "Victim wants help")
    assert change.at == NOW


def test_an_api_client_is_the_actor_of_its_referrals_and_the_recipient_of_reads(force):
    client, token = api_client_with_token(force)
    from tests.referrals.api_payloads import referral_payload

    http = {"HTTP_AUTHORIZATION": f"Bearer {token}", "secure": True}
    from django.test import Client

    api = Client()
    created = api.post(
        "/api/v1/referrals/",
        json.dumps(referral_payload()),
        content_type="application/json",
        HTTP_X_REQUEST_ID="crs-batch-17.3",
        **http,
    )
    assert created.status_code == 201
    assert created["X-Request-ID"] == "crs-batch-17.3"
    collection = rows(AuditAction.COLLECTION).get()
    assert collection.actor is None
    assert collection.actor_label == client.audit_label
    assert collection.request_id == "crs-batch-17.3"
    # when the client reads the status back, that is a disclosure to it
    read = api.get(f"/api/v1/referrals/{created.json()['id']}/", **http)
    assert read.status_code == 200
    disclosure = rows(AuditAction.DISCLOSURE, object_type="referral").get()
    assert disclosure.recipient == client.audit_label
    assert disclosure.request_id == read["X-Request-ID"]
    assert len(disclosure.request_id) == 32  # one of the Hub's own, none being given


def test_a_malformed_request_id_is_replaced(force, vcc):
    response = as_user(vcc).get("/", HTTP_X_REQUEST_ID="bad id; drop table")
    assert response["X-Request-ID"] != "bad id; drop table"
    uuid.UUID(response["X-Request-ID"])


def test_each_case_listed_by_a_search_is_a_consultation(force, vcc):
    for n in range(3):
        make_case(force, family_name="Searched", given_name=f"V{n}", crime_reference=f"9/{n}")
    response = as_user(vcc).get("/search/", {"q": "searched"})
    assert response.status_code == 200
    listed = rows(AuditAction.CONSULTATION, reason="Listed in search results.")
    assert listed.count() == 3
    assert set(listed.values_list("actor", flat=True)) == {vcc.pk}


def test_a_letter_sent_is_a_disclosure_by_the_hub(force, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(force, now=NOW, needs_support=False)
    letter = Letter.objects.get(case=case)
    assert send_letter(letter.pk, now=NOW + dt.timedelta(minutes=1)) == "sent by email"
    disclosure = rows(AuditAction.DISCLOSURE, object_type="letter").get()
    assert (disclosure.actor_label, disclosure.recipient) == ("the Hub", "the addressee by email")
    assert set(disclosure.fields) == {"name", "case_reference", "email"}


# Append-only, for every role.


def test_no_role_may_update_or_delete_an_audit_row(force):
    make_case(force, now=NOW)
    event = AuditEvent.objects.first()
    # the tables' owner (the suite's own role) is refused by the trigger
    for statement in ("UPDATE hub_auditevent SET reason = 'x'", "DELETE FROM hub_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    event.refresh_from_db()
    assert event.reason != "x"


def test_the_application_role_may_only_insert_and_read_the_audit_log(force):
    make_case(force, now=NOW)
    role = f"hub_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
    call_command("grant_app_role", role, stdout=open("/dev/null", "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
        try:
            # it reads, appends and does its ordinary work
            cursor.execute("SELECT count(*) FROM hub_auditevent")
            cursor.execute(
                "INSERT INTO hub_auditevent (at, action, actor_label, object_type, object_id, "
                "fields, reason, recipient, request_id) VALUES "
                "(now(), 'consultation', 'x', 'case', '1', '{}', '', '', '')"
            )
            cursor.execute("UPDATE casework_case SET updated_at = now()")
            # it draws case numbers, for a year not yet numbered too (the function makes
            # the year's sequence as the owner), but may not make a sequence itself
            cursor.execute("SELECT casework_case_numbers(2092, 2)")
            assert cursor.fetchone()[0] == [1, 2]
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                cursor.execute("CREATE SEQUENCE casework_case_number_2093")
            # but may not change or remove what is logged, nor empty the table
            for statement in (
                "UPDATE hub_auditevent SET reason = 'x'",
                "DELETE FROM hub_auditevent",
                "TRUNCATE hub_auditevent",
                "UPDATE hub_auditseal SET digest = 'x'",
                "DELETE FROM hub_auditseal",
            ):
                with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")


def test_grant_app_role_names_an_unknown_role():
    with pytest.raises(CommandError, match="no database role"):
        call_command("grant_app_role", "no_such_role_here")


# The hash chain.


def tamper(statement: str, params=()) -> None:
    """What someone with the owner's rights and intent could do: step around the trigger."""
    with connection.cursor() as cursor:
        # (the foreign keys' checks, deferred to commit, would otherwise stop the ALTER)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE hub_auditevent DISABLE TRIGGER hub_auditevent_append_only")
        cursor.execute("ALTER TABLE hub_auditseal DISABLE TRIGGER hub_auditseal_append_only")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE hub_auditevent ENABLE TRIGGER hub_auditevent_append_only")
        cursor.execute("ALTER TABLE hub_auditseal ENABLE TRIGGER hub_auditseal_append_only")


@pytest.fixture
def sealed_log(force, vcc):
    for n, name in enumerate(["Ash", "Birch", "Cedar", "Damson"]):
        case = make_case(force, now=NOW, family_name=name, crime_reference=f"7/{n}")
        add_case_note(case, text="A note", by=vcc, now=NOW)
    assert seal_audit_events(now=NOW) == AuditEvent.objects.count() == 8
    return list(AuditEvent.objects.order_by("pk"))


def test_sealing_twice_seals_nothing_more_and_the_chain_verifies(sealed_log, capsys):
    assert seal_audit_events(now=NOW) == 0
    assert AuditSeal.objects.count() == 8
    assert verify_chain(now=NOW) == []
    call_command("verify_audit")
    assert "intact: 8 sealed events" in capsys.readouterr().out


def test_verify_audit_names_an_edited_row(sealed_log):
    edited = sealed_log[3]
    tamper("UPDATE hub_auditevent SET reason = 'nothing happened' WHERE id = %s", [edited.pk])
    with pytest.raises(CommandError, match=f"seal 4, event {edited.pk}: the event has been alt"):
        call_command("verify_audit")


def test_verify_audit_names_a_deleted_row(sealed_log):
    removed = sealed_log[5]
    tamper("DELETE FROM hub_auditevent WHERE id = %s", [removed.pk])
    with pytest.raises(CommandError, match=f"seal 6, event {removed.pk}: the event has been rem"):
        call_command("verify_audit")


def test_verify_audit_finds_a_row_removed_with_its_seal(sealed_log):
    removed = sealed_log[2]
    tamper("DELETE FROM hub_auditseal WHERE event_id = %s", [removed.pk])
    tamper("DELETE FROM hub_auditevent WHERE id = %s", [removed.pk])
    with pytest.raises(CommandError, match="seal 3 is missing"):
        call_command("verify_audit")


def test_verify_audit_finds_an_old_row_never_sealed(sealed_log, force):
    make_case(force, now=NOW, family_name="Unsealed", crime_reference="8/1")
    # a day and an hour later, with the sealer stopped all that time
    with time_machine.travel(NOW + dt.timedelta(days=1, hours=1)):
        with pytest.raises(CommandError, match="an old event was never sealed"):
            call_command("verify_audit")
        # sealing what is there mends it (the sealer looks two days back)
        call_command("verify_audit", "--seal")
    assert not AuditEvent.objects.exclude(pk__in=AuditSeal.objects.values("event_id")).exists()


def test_events_committed_out_of_id_order_are_all_sealed(force, vcc):
    # given an event with a higher id sealed first, and one with a lower id committed only
    # afterwards (ids are drawn before commit)
    case = make_case(force, now=NOW)
    late = AuditEvent.objects.get()
    tamper("DELETE FROM hub_auditevent")
    note = add_case_note(case, text="Sealed first", by=vcc, now=NOW)
    first = AuditEvent.objects.get(case_id=case.pk, fields=["note"])
    assert note.pk
    assert first.pk > late.pk
    assert seal_audit_events(now=NOW) == 1
    tamper(
        "INSERT INTO hub_auditevent SELECT * FROM json_populate_record(NULL::hub_auditevent, %s)",
        [json.dumps(_columns(late))],
    )
    # when the sealer runs again, then the late event joins the chain after it, once
    assert seal_audit_events(now=NOW) == 1
    chain = AuditSeal.objects.order_by("position").values_list("event_id", flat=True)
    assert list(chain) == [first.pk, late.pk]
    assert verify_chain(now=NOW) == []


def _columns(event: AuditEvent) -> dict:
    return {
        "id": event.pk,
        "at": event.at.isoformat(),
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "person_id": event.person_id,
        "fields": event.fields,
        "reason": event.reason,
        "recipient": event.recipient,
        "request_id": event.request_id,
    }
