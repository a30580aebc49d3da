"""Intake: one referral becomes person, crime, referral, IVNA and triaged case in one commit."""

import datetime as dt
import re
import threading
import time

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from assessments.models import Ivna
from casework.models import Case, CaseEvent
from casework.services import allocate_case_numbers, restart_case_numbers
from referrals.models import CrimeReport, Person, PersonKind, Referral
from referrals.services import (
    CrimeInput,
    ReferralInput,
    receive_referral,
)
from tests.factories import local, make_case, referral_input, self_referral


def test_a_referral_creates_every_record_with_a_case_reference(force):
    case = make_case(force, now=local(2026, 11, 23, 9, 30))
    assert re.fullmatch(r"VH-2026-\d{6}", case.reference)
    referral = case.referral
    assert referral.ivna.needs_support is True
    assert referral.crime.offence.description == "Burglary - residential"
    assert referral.person.kind == PersonKind.ADULT
    assert case.person_id == referral.person_id
    assert case.opened_at == local(2026, 11, 23, 9, 30)


def test_case_references_run_on_within_a_year_and_restart_in_the_next(force):
    a = make_case(force, crime_reference="1/26", now=local(2026, 12, 31, 23, 0))
    b = make_case(force, crime_reference="2/26", now=local(2026, 12, 31, 23, 30))
    c = make_case(force, crime_reference="1/27", now=local(2027, 1, 1, 0, 15))
    year_a, number_a = a.reference.rsplit("-", 1)
    assert year_a == "VH-2026"
    assert b.reference == f"VH-2026-{int(number_a) + 1:06d}"
    assert c.reference.startswith("VH-2027-")
    # A year nobody has numbered yet starts at 1.
    assert allocate_case_numbers(2090, 3) == ["VH-2090-000001", "VH-2090-000002", "VH-2090-000003"]


def _drop_case_numbers(*years):
    with connection.cursor() as cursor:
        for year in years:
            cursor.execute(f"DROP SEQUENCE IF EXISTS casework_case_number_{int(year)}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("year", [2026, 2091], ids=["numbered year", "first of its year"])
def test_simultaneous_intakes_never_share_a_case_number(year):
    """Eight transactions draw at once, each holding its numbers until it commits; for a
    year with no sequence yet, all of them race to make it."""
    numbers: list[str] = []
    barrier = threading.Barrier(8)
    errors = []

    def take():
        try:
            with transaction.atomic():
                barrier.wait()
                numbers.extend(allocate_case_numbers(year, 5))
                time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if year == 2091:
            _drop_case_numbers(year)
    assert errors == []
    assert len(numbers) == 40
    assert len(set(numbers)) == 40


def test_numbers_restart_only_when_no_case_is_left(force):
    make_case(force, now=local(2026, 11, 23, 9, 30))
    with pytest.raises(DatabaseError, match="only when there are no cases"), transaction.atomic():
        restart_case_numbers()
    Case.objects.all().delete()
    restart_case_numbers()
    assert allocate_case_numbers(2026) == ["VH-2026-000001"]


def test_a_rolled_back_intake_leaves_a_gap_and_never_a_repeat(force):
    first = make_case(force, crime_reference="1/26", now=local(2026, 11, 23, 9, 0))
    with pytest.raises(IntegrityError), transaction.atomic():
        receive_referral(
            force,
            referral_input(is_business=True, business_contact_name=""),
            now=local(2026, 11, 23),
        )
    second = make_case(force, crime_reference="2/26", now=local(2026, 11, 23, 9, 30))
    assert second.reference > first.reference
    assert Case.objects.filter(reference=second.reference).count() == 1


def test_a_second_victim_of_the_same_crime_shares_the_crime_report(force):
    first = make_case(force, crime_reference="35/7/26")
    second = make_case(force, crime_reference="35/7/26", given_name="Omar", date_of_birth=None)
    assert first.referral.crime_id == second.referral.crime_id
    assert CrimeReport.objects.count() == 1


def test_a_child_is_recorded_as_a_child_with_the_guardian(force):
    guardian = {"name": "Sara Khan", "relationship": "mother", "phone": "07700 900456"}
    case = make_case(force, date_of_birth=dt.date(2012, 5, 1), parent_guardian=guardian)
    assert case.person.kind == PersonKind.CHILD
    assert case.person.parent_guardian == guardian


def test_a_business_victim_needs_a_named_contact(force):
    data = referral_input(is_business=True, business_contact_name="")
    with pytest.raises(IntegrityError):
        receive_referral(force, data, now=local(2026, 11, 23))


def test_bad_input_changes_nothing(force):
    # given a crime whose occurrence is after its report (refused by the database)
    data = referral_input()
    bad = ReferralInput(
        source=data.source,
        consent_basis=data.consent_basis,
        person=data.person,
        ivna=data.ivna,
        crime=CrimeInput(
            reference="35/99/26",
            offence_code="28",
            reported_on=dt.date(2026, 11, 1),
            occurred_on=dt.date(2026, 11, 2),
        ),
    )
    # when it is received, then it fails and leaves no record behind
    with pytest.raises(IntegrityError):
        receive_referral(force, bad, now=local(2026, 11, 23))
    for model in (Person, CrimeReport, Referral, Ivna, Case, CaseEvent):
        assert model.objects.count() == 0, model


def test_a_self_referral_is_confidential_and_has_no_crime(force):
    referral = self_referral(force)
    assert referral.confidential_from_police is True
    assert referral.crime is None
    assert referral.case.priority == 3


def test_a_linked_person_gets_the_newest_contact_details(force):
    first = make_case(force, crime_reference="35/1/26", now=local(2026, 6, 1))
    second = make_case(force, crime_reference="35/2/26", phone="07700 900999")
    assert second.person_id == first.person_id
    second.person.refresh_from_db()
    assert second.person.phone == "07700 900999"
    assert second.person.email == "amira@example.org"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_referrals_of_the_same_new_person_at_once_create_one_person():
    from tests.factories import ForceFactory

    force = ForceFactory()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def receive(crime_reference, minute):
        barrier.wait()
        try:
            data = referral_input(crime_reference=crime_reference)
            receive_referral(force, data, now=local(2026, 11, 23, 10, minute))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=receive, args=args) for args in (("35/1/26", 1), ("35/2/26", 2))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Person.objects.count() == 1
    assert Referral.objects.count() == 2
    # whichever committed second saw the first: at most one of them is a repeat victim
    # (none when the later-received one committed first)
    repeats = [c for c in Case.objects.all() if any("Repeat" in r for r in c.priority_reasons)]
    assert len(repeats) <= 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_referral_that_waited_for_a_person_counts_the_referral_it_waited_for():
    from tests.factories import ForceFactory
    from tests.referrals.test_batch_parts import _waiting_for_locks

    force = ForceFactory()
    written, release = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def first():
        # a referral of a new person, written and not yet committed
        try:
            with transaction.atomic():
                data = referral_input(crime_reference="35/1/26")
                receive_referral(force, data, now=local(2026, 11, 23, 10, 1))
                written.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            written.set()
            connection.close()

    def second():
        # a later referral of the same person, which waits for the first's person
        try:
            data = referral_input(crime_reference="35/2/26")
            receive_referral(force, data, now=local(2026, 11, 23, 10, 2))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    written.wait(10)
    two.start()
    _waiting_for_locks(1)
    release.set()
    one.join()
    two.join()
    assert errors == []
    # then the second counts the first, committed while it waited: a repeat victim
    later = Case.objects.get(referral__crime__reference="35/2/26")
    assert any("Repeat victim: 1 earlier referral" in r for r in later.priority_reasons)


@pytest.mark.django_db
def test_a_self_referral_carrying_a_police_crime_is_refused_and_nothing_is_written(force):
    # Given a self-referral that names a police crime
    data = referral_input(source="self_referral", consent_basis="consent")

    # When it is received
    # Then it is refused: a crime would tie the confidential case to police records
    with pytest.raises(ValueError, match="no police crime"):
        receive_referral(force, data, now=local(2026, 11, 23))
    assert not Referral.objects.exists()
    assert not CrimeReport.objects.exists()
