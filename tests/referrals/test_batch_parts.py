"""A large batch is written a part at a time: the same rows as one statement would write,
exactly once, whatever the race; and PostgreSQL's deadlocks between batches are survived.

``WRITE_PART`` is made small here, so that a few referrals make several parts.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

import referrals.intake
from assessments.models import EnhancedGroup
from casework.models import Case, CaseEvent
from hub.audit import AuditAction
from hub.models import AuditEvent
from referrals.intake import IntakeItem, write_referrals
from referrals.models import CrimeReport, OffenceType, Person, Referral
from referrals.people import offence_table
from tests.factories import ForceFactory, api_client_with_token, referral_input
from tests.referrals.api_payloads import referral_payload
from tests.referrals.test_api import BATCH, CREATE, Api


@pytest.fixture
def parts_of_three(monkeypatch):
    monkeypatch.setattr(referrals.intake, "WRITE_PART", 3)


def statuses(response) -> list[int]:
    return [r["http_status"] for r in response.json()["results"]]


@pytest.mark.django_db
def test_a_person_in_several_parts_is_one_repeat_victim_and_each_change_is_logged_once(
    force, parts_of_three
):
    api = Api(api_client_with_token(force)[1])
    # given a victim the Hub holds already
    first = referral_payload(source_reference="S", ivna__enhanced_entitlement=[])
    assert api.post(CREATE, first).status_code == 201
    # when a batch of three parts refers them in the first, second and third, with a new
    # phone number in the second and a new email address in the third
    others = [
        referral_payload(
            source_reference=f"O{n}",
            crime__reference=f"35/9{n}/26",
            victim__given_name=f"Other{chr(65 + n)}",
            ivna__enhanced_entitlement=[],
        )
        for n in range(5)
    ]
    again = [
        referral_payload(
            source_reference=f"A{n}",
            crime__reference=f"35/8{n}/26",
            ivna__enhanced_entitlement=[],
            **changes,
        )
        for n, changes in enumerate(
            [
                {},
                {"victim__phone": "07700 900111"},
                {"victim__phone": "07700 900111", "victim__email": "new@example.org"},
            ]
        )
    ]
    items = [again[0], *others[:2], again[1], *others[2:4], again[2], others[4]]
    response = api.post(BATCH, {"referrals": items})
    assert statuses(response) == [201] * len(items)
    # then they are one person with the newest details, a repeat victim each time
    person = Person.objects.get(given_name=first["victim"]["given_name"])
    assert (person.phone, person.email) == ("07700 900111", "new@example.org")
    results = response.json()["results"]
    assert [results[n]["referral"]["priority"] for n in (0, 3, 6)] == [1, 1, 1]
    assert Referral.objects.filter(person=person).count() == 4
    # and the audit log has a combination for each referral, and each change with the
    # referral that brought it
    logged = AuditEvent.objects.filter(person_id=person.pk, object_type="person")
    assert logged.filter(action=AuditAction.COMBINATION).count() == 3
    changes = sorted(
        tuple(fields)
        for fields in logged.filter(action=AuditAction.ALTERATION).values_list("fields", flat=True)
    )
    assert changes == [("email",), ("phone",)]


@pytest.mark.django_db
def test_a_new_person_and_a_crime_twice_across_parts_are_each_written_once(force, parts_of_three):
    api = Api(api_client_with_token(force)[1])
    items = [
        referral_payload(
            source_reference=f"R{n}",
            victim__given_name="Same" if n in (1, 5) else f"Victim{chr(65 + n)}",
            crime__reference="35/1/26" if n in (0, 4) else f"35/2{n}/26",
            ivna__enhanced_entitlement=[],
        )
        for n in range(7)
    ]
    response = api.post(BATCH, {"referrals": items})
    assert statuses(response) == [201] * 7
    assert Person.objects.filter(given_name="Same").count() == 1
    assert CrimeReport.objects.filter(reference="35/1/26").count() == 1
    same = Referral.objects.filter(person__given_name="Same").order_by("received_at")
    # the second is a repeat victim of the first, as if sent one by one
    assert [r.case.priority for r in same] == [3, 1]
    # a person new in this batch is not "linked to earlier referrals"
    assert not AuditEvent.objects.filter(action=AuditAction.COMBINATION).exists()
    assert CaseEvent.objects.filter(kind="referral_received").count() == 7


@pytest.mark.django_db
def test_a_crime_of_an_offence_type_added_since_the_table_was_read_is_triaged_by_it(
    force, parts_of_three
):
    api = Api(api_client_with_token(force)[1])
    offence_table()  # read, and kept for a minute
    # given an offence type added by another process, and a crime of it held already
    (added,) = OffenceType.objects.bulk_create(
        [
            OffenceType(
                code="999/1", description="Added today", category="violence", most_serious=True
            )
        ]
    )
    CrimeReport.objects.create(
        force=force,
        reference="35/77/26",
        offence_code="999/1",
        offence=added,
        reported_on="2026-11-20",
    )
    items = [
        referral_payload(
            source_reference=f"N{n}",
            victim__given_name=f"Victim{chr(65 + n)}",
            crime__reference="35/77/26" if n == 4 else f"35/6{n}/26",
            ivna__enhanced_entitlement=[],
        )
        for n in range(6)
    ]
    response = api.post(BATCH, {"referrals": items})
    assert statuses(response) == [201] * 6
    # then that crime's victim is triaged as a victim of one of the most serious crimes
    derived = dict(Referral.objects.values_list("source_reference", "case__enhanced_derived"))
    assert str(EnhancedGroup.MOST_SERIOUS_CRIME) in derived.pop("N4")
    assert all(str(EnhancedGroup.MOST_SERIOUS_CRIME) not in d for d in derived.values())


@pytest.mark.django_db
def test_after_a_batch_in_parts_the_transaction_checks_foreign_keys_at_commit_again(
    force, parts_of_three
):
    items = [
        IntakeItem(referral_input(given_name=f"Kay{chr(65 + n)}", crime_reference=f"35/5{n}/26"))
        for n in range(5)
    ]
    with transaction.atomic():
        write_referrals(force, items, now=timezone.now())
        # a row whose case is not there (yet) is refused only at the commit, as before
        sid = transaction.savepoint()
        CaseEvent.objects.create(case_id=-1, kind="note", at=timezone.now())
        transaction.savepoint_rollback(sid)
    assert Referral.objects.filter(case__isnull=False).count() == 5


def _waiting_for_locks(count: int, timeout: float = 10.0) -> None:
    """Wait until ``count`` backends of this database wait for a lock."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} backends never waited for a lock")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_batches_deadlocked_on_each_others_new_people_both_answer_every_item_once(
    monkeypatch,
):
    # given parts of one referral, and two batches sharing two new victims in opposite
    # orders: the first locks Quinn and then wants Sol, the second the other way round
    monkeypatch.setattr(referrals.intake, "WRITE_PART", 1)
    force = ForceFactory()
    _, token = api_client_with_token(force)

    def item(reference, name, crime):
        return referral_payload(
            source_reference=reference,
            victim__given_name=name,
            crime__reference=crime,
            ivna__enhanced_entitlement=[],
        )

    one = [item("A1", "Quinn", "35/1/26"), item("A2", "Sol", "35/3/26")]
    two = [item("B1", "Sol", "35/2/26"), item("B2", "Quinn", "35/4/26")]
    # each batch's first crime is held by a transaction of its own, so that each batch
    # has written its first person before it waits; then both go on together
    held = []
    for reference in ("35/1/26", "35/2/26"):
        other = connections.create_connection("default")
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                "INSERT INTO referrals_crimereport (created_at, updated_at, force_id, "
                "reference, offence_code, offence_description, area, officer_name, "
                "officer_email, reported_on) VALUES (now(), now(), %s, %s, '', '', '', '', "
                "'', '2026-11-20')",
                [force.pk, reference],
            )
        held.append(other)
    answers: dict[str, list[int]] = {}

    def send(name, items):
        try:
            answers[name] = statuses(Api(token).post(BATCH, {"referrals": items}))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=args) for args in (("one", one), ("two", two))]
    for t in threads:
        t.start()
    _waiting_for_locks(2)
    for other in held:
        other.rollback()
        other.close()
    for t in threads:
        t.join()
    # then each item is recorded once, whichever batch gave way, and each victim is one
    # person
    assert answers == {"one": [201, 201], "two": [201, 201]}
    assert Referral.objects.count() == Case.objects.count() == 4
    assert Person.objects.filter(given_name__in=["Quinn", "Sol"]).count() == 2
