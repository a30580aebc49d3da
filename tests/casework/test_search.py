"""The staff search: a case found by name, reference, postcode, phone or email.

Personas: Alice, a VCC; Bob, a teammate; a VCC of another force; a volunteer and an
analyst, who do not work on cases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import search
from casework.models import Case
from referrals.models import CrimeReport, Person
from tests.conftest import HttpsClient, sign_in
from tests.factories import ForceFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db


def searcher(user) -> HttpsClient:
    return sign_in(HttpsClient(), user)


def find(user, q: str):
    return searcher(user).get(reverse("search"), {"q": q})


def found(response) -> list[str]:
    """The case references listed, in order."""
    assert response.status_code == 200
    return [case.reference for case in response.context["found"].cases]


@pytest.fixture
def jane(force):
    return make_case(
        force,
        given_name="Jane",
        family_name="Smith",
        date_of_birth=dt.date(1990, 5, 17),
        crime_reference="35/12345/26",
        phone="07700 900123",
        email="Jane.Smith@example.org",
        postcode="PE1 1AA",
    )


@pytest.fixture
def decoy(force):
    return make_case(
        force,
        given_name="Amira",
        family_name="Khan",
        crime_reference="35/99999/26",
        phone="01223 555777",
        email="amira@example.org",
        postcode="CB2 1TN",
    )


def test_a_victim_is_found_by_name_in_any_order_case_or_spacing_and_despite_a_typo(
    jane, decoy, vcc
):
    alice = searcher(vcc)
    for q in ("Jane Smith", "smith jane", "JANE   SMITH", "Smith", "j smith", "smi"):
        # when Alice searches for the victim's name, however typed
        response = alice.get(reverse("search"), {"q": q})
        # then Jane's case is found, and Amira's is not
        assert found(response) == [jane.reference], q
        assert "Jane Smith" in response.text
        assert "17 May 1990" in response.text
    for q in ("Smiht", "Jane Smiht", "smiht JANE"):
        # and a misspelt surname still finds her, by trigram similarity
        assert found(alice.get(reverse("search"), {"q": q})) == [jane.reference], q


def test_a_case_is_found_by_each_identifier_whatever_its_case_and_spacing(jane, decoy, vcc):
    # given the ways staff type Jane's case reference (VH-2026-000001, vh 2026 000001…)
    year, number = jane.reference.split("-")[1:]
    typed = {
        "case reference": [
            jane.reference,
            jane.reference.lower(),
            jane.reference.replace("-", " ").lower(),
            f"VH-{year}-{int(number)}",
        ],
        "crime reference": ["35/12345/26", " 35 12345 26 ", "351234526"],
        "postcode": ["PE1 1AA", "pe11aa", " pe1  1aa "],
        "phone": ["07700900123", "07700 900 123", "+44 (0)7700 900123", "+447700900123"],
        "email": ["jane.smith@example.org", " JANE.SMITH@Example.ORG "],
    }
    alice = searcher(vcc)
    for field, queries in typed.items():
        for q in queries:
            # when Alice searches for it
            response = alice.get(reverse("search"), {"q": q})
            # then Jane's case alone is found, linked to its page, with its crime,
            # postcode, status and priority
            assert found(response) == [jane.reference], f"{field}: {q!r}"
            assert f'href="/cases/{jane.reference}/"' in response.text
            for shown in ("35/12345/26", "PE1 1AA", "Awaiting contact", f"P{jane.priority}"):
                assert shown in response.text


def test_the_closest_name_comes_first_and_the_list_stops_at_the_limit(force, vcc, monkeypatch):
    # given an exact match, a longer name and a typo'd one, and a limit of two
    typo = make_case(force, given_name="Jane", family_name="Smiht", crime_reference="35/1/26")
    exact = make_case(force, given_name="Jane", family_name="Smith", crime_reference="35/2/26")
    longer = make_case(force, given_name="Jane", family_name="Smithson", crime_reference="35/3/26")
    monkeypatch.setattr(search, "RESULT_LIMIT", 2)
    # when Alice searches for "Jane Smith"
    response = find(vcc, "jane smith")
    # then the best two of three are shown, closest first, and the count says so
    assert found(response) == [exact.reference, longer.reference]
    assert typo.reference not in response.text
    assert "3 cases found, best 2 shown" in response.text


def test_a_case_reference_comes_before_other_matches(force, vcc):
    # given a case whose reference is another victim's crime reference, digits and all
    first = make_case(force, given_name="Ann", family_name="Lee", crime_reference="35/1/26")
    second = make_case(
        force,
        given_name="Bo",
        family_name="Ng",
        crime_reference=first.reference,
    )
    # when Alice searches for the case reference
    response = find(vcc, first.reference)
    # then the case itself is first, and the other still listed
    assert found(response) == [first.reference, second.reference]


def test_another_forces_case_is_never_found(jane, vcc):
    # given a victim of the same name, phone and postcode in another force
    norfolk = ForceFactory(code="NORF", name="Norfolk Constabulary")
    elsewhere = make_case(
        norfolk, given_name="Jane", family_name="Smith", phone="07700 900123", postcode="PE1 1AA"
    )
    other_vcc = UserFactory(force=norfolk, role="VCC", username="vcc-norfolk")
    alice = searcher(vcc)
    for q in ("Jane Smith", "07700900123", "PE1 1AA", "35/12345/26", elsewhere.reference):
        # when Alice searches by name, phone, postcode or either reference
        response = alice.get(reverse("search"), {"q": q})
        # then only her own force's case is found
        assert elsewhere.reference not in found(response), q
    # and Norfolk's VCC does not find Alice's
    assert found(find(other_vcc, "Jane Smith")) == [elsewhere.reference]


def test_a_restricted_case_is_found_only_by_the_staff_named_on_it(jane, vcc, teammate):
    # given Jane's case is restricted, Alice responsible for it
    Case.objects.filter(pk=jane.pk).update(restricted=True, responsible=vcc)
    bob = searcher(teammate)
    for q in ("Jane Smith", jane.reference, "PE1 1AA"):
        # when Bob, not named on it, searches by name, reference or postcode
        response = bob.get(reverse("search"), {"q": q})
        # then nothing is found, and nothing of the victim shown
        assert found(response) == [], q
        assert "17 May 1990" not in response.text
    # when Alice, or Bob once named on it, searches
    jane.named_staff.add(teammate)
    for client in (searcher(vcc), bob):
        response = client.get(reverse("search"), {"q": "Jane Smith"})
        # then the case is found, marked restricted
        assert found(response) == [jane.reference]
        assert "Restricted" in response.text


@pytest.mark.parametrize("role", ["Volunteer", "Analyst"], ids=str.lower)
def test_roles_without_case_work_get_404(jane, force, role):
    # given a member of staff of the force whose role has no case work
    outsider = UserFactory(force=force, role=role, username=f"outsider-{role}")
    # when they search, then the page is not there
    response = find(outsider, "Jane Smith")
    assert response.status_code == 404
    assert "Jane" not in response.text


def test_without_a_query_the_page_is_just_the_form_and_searches_nothing(jane, vcc):
    client = sign_in(HttpsClient(), vcc)
    # when Alice opens the search page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("search"))
    # then she sees the form, no results and no error, and no case was read
    assert response.status_code == 200
    assert 'name="q"' in response.text
    assert "found" not in response.text
    assert "There is a problem" not in response.text
    assert not [q for q in queries if "casework_case" in q["sql"]]
    # and the header links to the search
    assert f'href="{reverse("search")}" aria-current="page"' in response.text


def test_a_query_too_short_to_mean_anything_is_explained_and_no_match_is_said(jane, vcc):
    alice = searcher(vcc)
    for q in ("a", " - ", "/"):
        # when Alice searches for less than two letters or digits
        response = alice.get(reverse("search"), {"q": q})
        # then she is told why nothing was searched
        assert response.status_code == 200
        assert "Enter at least 2 letters or numbers" in response.text
        assert "found" not in response.context
    # when she searches for a name no victim has, then she is told so
    response = alice.get(reverse("search"), {"q": "Zebedee Quarrington"})
    assert found(response) == []
    assert "No cases found" in response.text


def test_the_query_is_escaped_wherever_it_is_shown(jane, vcc):
    # when Alice searches for markup
    response = find(vcc, '"><script>alert(1)</script>')
    # then it is shown as text, in the box and in the message
    assert "<script>alert(1)</script>" not in response.text
    assert response.text.count("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") == 2


@pytest.mark.parametrize("cases", [1, 30])
def test_the_search_takes_the_same_queries_however_many_cases_match(
    force, vcc, django_assert_max_num_queries, cases
):
    # given some victims called Smith, each with a crime (no date of birth: not linked)
    for n in range(cases):
        make_case(
            force,
            given_name=f"Victim{n}",
            family_name="Smith",
            date_of_birth=None,
            crime_reference=f"35/{n}/26",
        )
    client = sign_in(HttpsClient(), vcc)
    # session, user, authenticator, roles; the people by name, the page, and the count
    # when there is more than a page; the audit log's rows for the cases listed (one
    # insert); the rolling session's save (with its savepoint): 11, whatever the number
    with django_assert_max_num_queries(11):
        response = client.get(reverse("search"), {"q": "smith"})
    assert len(found(response)) == min(cases, search.RESULT_LIMIT)
    assert f"{cases} case{'s' if cases > 1 else ''} found" in response.text


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (
            lambda: Person.objects.filter(family_name__trigram_similar="smiht"),
            "person_family_name_trgm",
        ),
        (
            lambda: Person.objects.filter(given_name__trigram_word_similar="jan"),
            "person_given_name_trgm",
        ),
        (
            lambda: Person.objects.alias(key=search.compact_key("postcode")).filter(key="PE11AA"),
            "person_postcode_key",
        ),
        (
            lambda: Person.objects.alias(key=search.phone_key("phone")).filter(key="07700900123"),
            "person_phone_key",
        ),
        (
            lambda: Person.objects.alias(key=search.email_key("email")).filter(key="a@b.org"),
            "person_email_key",
        ),
        (
            lambda: CrimeReport.objects.alias(key=search.compact_key("reference")).filter(
                key="351234526"
            ),
            "crime_reference_key",
        ),
    ],
    ids=["family-name", "given-name", "postcode", "phone", "email", "crime-reference"],
)
def test_each_search_key_is_read_through_its_index(queryset, index):
    # The indexes are SQL in a migration: an expression that drifts from them would
    # silently scan 25,000 victims instead.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert index in queryset().explain()
