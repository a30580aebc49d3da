"""Referrals entered by staff at /referrals/new/: self-referrals, partner agencies, transfers in.

Personas: Alice, a VCC of the force, enters referrals; a manager and a caseworker may too;
a volunteer, an analyst and an administrator may not (404); the force's crime-recording
system, with its API token, must never see a self-referral.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection

from assessments.models import Ivna
from casework.models import Case, CaseEvent, CaseEventKind, ContactAttempt
from letters.models import Letter
from referrals.models import CrimeReport, Person, Referral, ReferralSource
from tests.conftest import HttpsClient, sign_in
from tests.factories import ForceFactory, UserFactory, api_client_with_token, make_case

pytestmark = pytest.mark.django_db

NEW = "/referrals/new/"
NOW = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)  # a Monday morning
WRITTEN = (Person, CrimeReport, Referral, Ivna, Case, CaseEvent, ContactAttempt, Letter)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alice(vcc):
    return sign_in(HttpsClient(), vcc)


def date(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def form_token(browser) -> str:
    page = browser.get(NEW)
    return re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)


def self_referral_form(**fields) -> dict:
    return {
        "kind": "self_referral",
        "given_name": "Dana",
        "family_name": "Lee",
        "phone": "07700 900123",
        "needs_support": "yes",
        **fields,
    }


def partner_form(**fields) -> dict:
    return self_referral_form(
        **{
            "kind": "partner_agency",
            "agency": "Cambridge Women's Aid",
            "referrer_name": "Jo Brown",
            "referrer_phone": "01223 460947",
            "consent_basis": "consent",
            "domestic_abuse": "yes",
            **fields,
        }
    )


def transfer_form(**fields) -> dict:
    return self_referral_form(
        **{
            "kind": "transfer_in",
            "transfer_from": "Action Fraud",
            "consent_basis": "consent",
            "crime_reference": "NFRC261100123",
            "offence_code": "53",
            "needs_support": "no",
            "email": "dana@example.org",
            **date("reported_on", dt.date(2026, 11, 18)),
            **fields,
        }
    )


def send(browser, fields: dict, token: str | None = None):
    return browser.post(NEW, {"form_token": token or form_token(browser), **fields})


def case_of(response) -> Case:
    assert response.status_code == 302, response.content.decode()[:2000]
    reference = re.fullmatch(r"/cases/(VH-\d{4}-\d{6})/", response["Location"]).group(1)
    return Case.objects.select_related("referral__crime", "person").get(reference=reference)


def nothing_written() -> bool:
    return all(not model.objects.exists() for model in WRITTEN)


# ---- the three ways in ------------------------------------------------------------------


def test_a_self_referral_opens_a_confidential_case_with_no_crime(alice, force):
    # given a victim who has not reported to police and asks for support
    # when Alice enters the self-referral
    response = send(alice, self_referral_form())
    # then a case of her force opens, triaged for a call within 5 working days
    case = case_of(response)
    referral = case.referral
    assert (referral.source, referral.force_id) == (ReferralSource.SELF_REFERRAL, force.pk)
    assert referral.confidential_from_police is True
    assert referral.crime is None
    assert referral.consent_basis == "consent"
    assert case.person.full_name == "Dana Lee"
    assert case.priority == 3
    assert case.first_contact_due is not None
    assert ContactAttempt.objects.filter(case=case).count() == 1
    # and the received event names Alice; the case page greets her with its reference
    received = case.events.get(kind=CaseEventKind.REFERRAL_RECEIVED)
    assert received.actor.username == "vcc-alice"
    assert f"Referral recorded: case {case.reference}" in alice.get(response["Location"]).text


def test_a_partner_agencys_referral_records_the_agency_and_how_to_reach_the_referrer(alice, force):
    # given Women's Aid refers a domestic-abuse victim, with nothing said about safe routes
    # when Alice enters it
    case = case_of(send(alice, partner_form()))
    # then the agency is the referrer, and the referrer's contact is on the case's timeline
    referral = case.referral
    assert (referral.source, referral.referrer) == ("partner_agency", "Cambridge Women's Aid")
    assert referral.confidential_from_police is False
    note = case.events.get(kind=CaseEventKind.NOTE)
    assert note.reason == "Referred by Jo Brown of Cambridge Women's Aid: phone 01223 460947."
    # and triage is the API's: domestic abuse is priority 1, and no route is assumed safe
    assert case.priority == 1
    assert case.domestic_abuse is True
    assert (case.post_ok, case.voicemail_ok, case.email_ok) == (False, False, False)
    assert referral.ivna.domestic_abuse is True


def test_a_transfer_in_records_where_it_came_from_and_its_crime(alice, force):
    # given Action Fraud passes on a fraud victim with no needs identified
    # when Alice enters the transfer
    case = case_of(send(alice, transfer_form()))
    # then the crime is recorded with its offence, and the information email is planned
    referral = case.referral
    assert (referral.source, referral.referrer) == ("transfer_in", "Action Fraud")
    assert referral.crime.reference == "NFRC261100123"
    assert referral.crime.offence.description == "Fraud"
    assert referral.crime.offence_description == "Fraud"
    assert referral.crime.reported_on == dt.date(2026, 11, 18)
    assert case.priority == 4
    assert case.information_due is not None
    assert Letter.objects.filter(case=case).count() == 1


def test_a_child_is_recorded_with_the_parent_or_guardian(alice):
    # given a 15-year-old who referred themselves, with their mother's phone number
    fields = self_referral_form(
        guardian_name="Sara Lee",
        guardian_relationship="mother",
        guardian_phone="07700 900456",
        **date("date_of_birth", dt.date(2011, 5, 1)),
    )
    case = case_of(send(alice, fields))
    # then the child is contacted through the parent, and is priority 1 for being under 18
    assert case.person.kind == "child"
    assert case.person.parent_guardian == {
        "name": "Sara Lee",
        "relationship": "mother",
        "phone": "07700 900456",
    }
    assert case.priority == 1


# ---- confidential from police -----------------------------------------------------------


def test_a_self_referral_is_never_visible_through_the_api(alice, force):
    # given the force's crime-recording system with its token, and a police referral of it
    client, token = api_client_with_token(force)
    api = HttpsClient(headers={"Authorization": f"Bearer {token}"})
    police = make_case(force).referral
    Referral.objects.filter(pk=police.pk).update(api_client=client)
    # when Alice enters a self-referral
    referral = case_of(send(alice, self_referral_form())).referral
    # then the status read-back answers 404 for it, as for any id not the client's
    assert api.get(f"/api/v1/referrals/{referral.public_id}/").status_code == 404
    assert api.get(f"/api/v1/referrals/{police.public_id}/").status_code == 200
    # and nothing the API reads from includes it
    assert list(Referral.objects.visible_to(client)) == [police]


# ---- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "anchor", "message"),
    [
        (self_referral_form(given_name=""), "id_given_name", "Enter the victim&#x27;s first name"),
        (
            self_referral_form(address_line1="1 High Street", town="Ely", postcode="NOT A CODE"),
            "id_postcode",
            "Enter a real postcode, like PE1 1AA",
        ),
        (
            self_referral_form(
                **date("date_of_birth", dt.date(1984, 3, 2))
                | {"date_of_birth-day": "31", "date_of_birth-month": "2"}
            ),
            "id_date_of_birth-day",
            "Date of birth must be a real date",
        ),
        (
            transfer_form(offence_code="999"),
            "id_offence_code",
            "Enter a Home Office offence code the Hub knows",
        ),
        (
            transfer_form(**date("reported_on", dt.date(2026, 11, 30))),
            "id_reported_on-day",
            "The date it was reported must be today or in the past",
        ),
        (
            self_referral_form(phone="", email=""),
            "id_phone",
            "Enter at least one way to reach the victim",
        ),
        (
            self_referral_form(**date("date_of_birth", dt.date(2012, 1, 1))),
            "id_guardian_name",
            "Enter the parent or guardian&#x27;s name",
        ),
        (
            self_referral_form(crime_reference="35/1/26"),
            "id_crime_reference",
            "A self-referral is from a victim who has not reported to police",
        ),
        (transfer_form(transfer_from=""), "id_transfer_from", "Enter the force or area"),
        (partner_form(referrer_phone=""), "id_referrer_phone", "Enter a phone number or email"),
    ],
    ids=[
        "missing-name",
        "bad-postcode",
        "impossible-date",
        "unknown-offence",
        "future-date",
        "no-contact-route",
        "child-without-guardian",
        "self-referral-with-crime",
        "transfer-from-nowhere",
        "partner-without-contact",
    ],
)
def test_bad_input_is_refused_field_by_field_and_writes_nothing(alice, fields, anchor, message):
    # when Alice sends a referral with one thing wrong
    response = send(alice, fields)
    # then the page comes back with the error in the summary, linked to its field
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert f'<a href="#{anchor}">{message}' in response.text
    assert f'id="{anchor}"' in response.text
    # and the details entered are still there, and nothing was written
    assert "Lee" in response.text
    assert nothing_written()


def test_an_adt_referral_of_domestic_abuse_is_refused_in_words(alice):
    # given a partner's referral of domestic abuse marked as an automatic transfer
    response = send(alice, partner_form(consent_basis="adt"))
    # then the Victims' Code's consent rule refuses it as the API does (422 there)
    assert response.status_code == 400
    assert "Domestic-abuse victims are referred only with their explicit consent" in response.text
    assert '<a href="#id_consent_basis_0">' in response.text
    assert nothing_written()


# ---- who may enter referrals --------------------------------------------------------------


@pytest.mark.parametrize("role", ["Volunteer", "Analyst", "Administrator"])
def test_roles_without_case_work_get_404_and_write_nothing(force, role):
    outsider = sign_in(HttpsClient(), UserFactory(force=force, role=role))
    assert outsider.get(NEW).status_code == 404
    assert outsider.post(NEW, self_referral_form()).status_code == 404
    assert nothing_written()


@pytest.mark.parametrize("role", ["Caseworker", "Manager"])
def test_caseworkers_and_managers_enter_referrals_too(force, role):
    member = sign_in(HttpsClient(), UserFactory(force=force, role=role))
    assert case_of(send(member, self_referral_form())).force_id == force.pk


def test_the_referral_belongs_to_the_force_of_whoever_enters_it(force):
    norfolk = ForceFactory(code="NORF", name="Norfolk Constabulary")
    other = sign_in(HttpsClient(), UserFactory(force=norfolk, role="VCC"))
    case = case_of(send(other, self_referral_form()))
    assert (case.force_id, case.referral.force_id, case.person.force_id) == (norfolk.pk,) * 3


def test_the_header_offers_new_referral_to_case_roles_only(alice, force):
    assert 'href="/referrals/new/"' in alice.get("/").text
    volunteer = sign_in(HttpsClient(), UserFactory(force=force, role="Volunteer"))
    assert 'href="/referrals/new/"' not in volunteer.get("/").text


# ---- sent twice ---------------------------------------------------------------------------


def test_a_form_sent_twice_records_one_referral(alice):
    # given one form, sent twice (a double click)
    token = form_token(alice)
    first = send(alice, self_referral_form(), token)
    second = send(alice, self_referral_form(), token)
    # then both answers lead to the one case
    assert first["Location"] == second["Location"]
    assert Referral.objects.count() == 1
    assert "already recorded" in alice.get(second["Location"]).text


def test_a_form_sent_again_with_changes_records_nothing_more_and_says_so(alice):
    # given a form sent, then changed (back, edit) and sent again
    token = form_token(alice)
    case = case_of(send(alice, self_referral_form(), token))
    response = send(alice, self_referral_form(given_name="Omar"), token)
    # then nothing more is recorded, and the page links to the case the form made
    assert response.status_code == 409
    assert f"recorded as case {case.reference}" in response.text
    assert Referral.objects.count() == 1
    # and sending it once more (with the new key the page carries) is another referral
    new_token = re.search(r'name="form_token" value="([^"]+)"', response.text).group(1)
    assert new_token != token
    case_of(send(alice, self_referral_form(given_name="Omar"), new_token))
    assert Referral.objects.count() == 2


def test_a_form_with_a_made_up_key_is_refused(alice):
    response = send(alice, self_referral_form(), token="form-1@1:forged")
    assert response.status_code == 400
    assert "This form could not be checked" in response.text
    assert nothing_written()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_of_one_form_at_the_same_moment_record_one_referral():
    # given one form, sent twice at once from two connections
    force = ForceFactory()
    alice = UserFactory(force=force, role="VCC")
    browsers = [sign_in(HttpsClient(), alice) for _ in range(2)]
    token = form_token(browsers[0])
    barrier = threading.Barrier(2)
    answers: list = []

    def post(browser):
        barrier.wait()
        try:
            answers.append(send(browser, self_referral_form(), token))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one waited for the other: one referral, and both answers lead to it
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Referral.objects.count() == 1


# ---- the page -----------------------------------------------------------------------------


def test_the_page_has_a_labelled_field_for_every_input_and_a_fixed_query_count(
    alice, django_assert_max_num_queries
):
    # session, user, second factor, roles, force, offence types; the session saved (3)
    with django_assert_max_num_queries(9):
        response = alice.get(NEW)
    assert response.status_code == 200
    html = response.text
    for name in re.findall(
        r'<input class="govuk-(?:input|radios__input|checkboxes__input)[^>]*id="([^"]+)"', html
    ):
        assert f'for="{name}"' in html, name
    assert "<legend" in html
    assert 'value="self_referral"' in html
    assert '<option value="28">Burglary - residential</option>' in html
