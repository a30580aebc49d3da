"""The services directory: a force's services found by need, area and words; a refuge's
address never shown.

Personas: Alice, a VCC; a caseworker, a manager and an administrator of her force; a VCC
of another force; a volunteer and an analyst, who do not use the directory.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import as_user
from tests.factories import ForceFactory, UserFactory, make_service

pytestmark = pytest.mark.django_db

REFUGE_ADDRESS = "14 Larkspur Close\nHistonbury\nCB4 9ZZ"


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [service.name for service in response.context["page"]]


@pytest.fixture
def directory(force):
    """Four services of Alice's force: two in named areas, one force-wide, one refuge."""
    return {
        "isva": make_service(
            force,
            "Independent Sexual Violence Advisers",
            organisation="Cambridgeshire ISVA Service",
            needs=["safety", "health", "justice"],
            areas=["Peterborough"],
            commissioned=True,
            eligibility="Victims of rape or sexual assault, any age.",
            how_to_refer="Refer from the case page with the victim's consent.",
            email="isva@example.org",
            website="https://isva.example.org/",
            address="3 Bridge Street\nPeterborough\nPE1 1HB",
        ),
        "housing": make_service(
            force,
            "Housing options",
            organisation="Cambridge City Council",
            description="Advice for anyone at risk of homelessness.",
            needs=["accommodation"],
            areas=["Cambridge"],
        ),
        "money": make_service(
            force,
            "Money and benefits advice",
            organisation="Citizens Advice",
            description="Debt, benefits and budgeting, with priority for victims of fraud.",
            needs=["finance"],
            areas=[],
        ),
        "refuge": make_service(
            force,
            "Refuge",
            organisation="Cambridge Women's Aid",
            description="Safe accommodation for women and children fleeing abuse.",
            needs=["accommodation", "safety"],
            areas=["Cambridge"],
            how_to_refer="By phone only.",
            address=REFUGE_ADDRESS,
            hide_address=True,
        ),
    }


def test_services_are_found_by_the_need_they_meet(directory, vcc):
    alice = as_user(vcc)
    # when Alice looks for services meeting a need
    # then only those that meet it are listed, by name
    assert listed(alice.get(reverse("services"), {"need": "accommodation"})) == [
        "Housing options",
        "Refuge",
    ]
    assert listed(alice.get(reverse("services"), {"need": "justice"})) == [
        "Independent Sexual Violence Advisers"
    ]
    # and with no need chosen, every active service is
    assert len(listed(alice.get(reverse("services")))) == 4


def test_an_area_finds_its_own_services_and_the_force_wide_ones(directory, vcc):
    alice = as_user(vcc)
    # when Alice looks for services in Peterborough
    response = alice.get(reverse("services"), {"area": "Peterborough"})
    # then Peterborough's and the force-wide service are listed, Cambridge's are not
    assert listed(response) == ["Independent Sexual Violence Advisers", "Money and benefits advice"]
    # and the area filter offers the areas the force's services name
    assert response.context["form"].fields["area"].choices == [
        ("", "Any area"),
        ("Cambridge", "Cambridge"),
        ("Peterborough", "Peterborough"),
    ]
    # and need and area narrow together
    both = alice.get(reverse("services"), {"area": "Cambridge", "need": "safety"})
    assert listed(both) == ["Refuge"]


def test_a_need_or_area_not_offered_is_set_aside_not_an_error(directory, vcc):
    # when the address bar asks for a need that does not exist and an area no service names
    response = as_user(vcc).get(reverse("services"), {"need": "wellbeing", "area": "Mars"})
    # then every active service is listed
    assert len(listed(response)) == 4


def test_words_are_found_in_the_name_organisation_or_description(directory, vcc):
    alice = as_user(vcc)
    for q, expected in (
        ("housing", ["Housing options"]),  # the name
        ("citizens ADVICE", ["Money and benefits advice"]),  # the organisation
        ("fraud", ["Money and benefits advice"]),  # the description
        ("advice homelessness", ["Housing options"]),  # every word, anywhere
        ("advice asteroid", []),
    ):
        # when Alice searches for words
        # then the services containing every one of them are listed
        assert listed(alice.get(reverse("services"), {"q": q})) == expected, q


def test_each_result_shows_how_to_reach_the_service(directory, vcc):
    # when Alice looks for the ISVA service
    response = as_user(vcc).get(reverse("services"), {"need": "justice"})
    # then what a referral needs is on the page
    for shown in (
        "Cambridgeshire ISVA Service",
        "Personal safety and home security",
        "Peterborough",
        "Victims of rape or sexual assault, any age.",
        "Refer from the case page with the victim",
        "01223 000 110",
        "isva@example.org",
        "https://isva.example.org/",
        "3 Bridge Street<br>Peterborough<br>PE1 1HB",
        "Commissioned by the PCC",
        f'href="/services/{directory["isva"].pk}/"',
    ):
        assert shown in response.text, shown


def test_a_refuges_address_is_never_shown(directory, vcc):
    alice = as_user(vcc)
    pages = [
        alice.get(reverse("services")),
        alice.get(reverse("services"), {"q": "refuge"}),
        alice.get(reverse("service-detail", args=[directory["refuge"].pk])),
    ]
    for response in pages:
        # when Alice sees the refuge listed or opens its page
        assert response.status_code == 200
        # then it says the address is withheld, and no line of the address is there
        assert "Address withheld (refuge)" in response.text
        for line in REFUGE_ADDRESS.splitlines():
            assert line not in response.text
    # and the service read for the page never held it
    refuge = pages[2].context["service"]
    assert refuge.shown_address == ""
    assert "address" in refuge.get_deferred_fields()


def test_force_wide_services_say_so_and_inactive_ones_are_not_listed(directory, force, vcc):
    # given a service that has closed
    closed = make_service(force, "Closed service", is_active=False)
    alice = as_user(vcc)
    response = alice.get(reverse("services"))
    # then it is not listed, and the force-wide service says it is force-wide
    assert "Closed service" not in listed(response)
    assert "Force-wide" in response.text
    # and an old link to it explains that it is no longer in the directory
    detail = alice.get(reverse("service-detail", args=[closed.pk]))
    assert detail.status_code == 200
    assert "no longer in the directory" in detail.text


def test_another_forces_services_are_neither_listed_nor_opened(directory, vcc):
    # given a service of Norfolk's, and a Norfolk VCC
    norfolk = ForceFactory(code="NORF", name="Norfolk Constabulary")
    theirs = make_service(norfolk, "Norfolk counselling", needs=["health"])
    norfolk_vcc = UserFactory(force=norfolk, role="VCC", username="vcc-norfolk")
    alice = as_user(vcc)
    # when Alice lists services or opens Norfolk's by its id
    # then it is not listed, and its page does not exist for her
    assert "Norfolk counselling" not in listed(alice.get(reverse("services")))
    assert alice.get(reverse("service-detail", args=[theirs.pk])).status_code == 404
    # and neither is hers for Norfolk's VCC
    outsider = as_user(norfolk_vcc)
    assert listed(outsider.get(reverse("services"))) == ["Norfolk counselling"]
    detail = outsider.get(reverse("service-detail", args=[directory["isva"].pk]))
    assert detail.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("VCC", 200),
        ("Caseworker", 200),
        ("Manager", 200),
        ("Administrator", 200),
        ("Volunteer", 404),
        ("Analyst", 404),
    ],
)
def test_the_case_roles_and_administrators_use_the_directory(directory, force, role, status):
    # given a member of staff of the force in each role
    member = UserFactory(force=force, role=role, username=f"directory-{role.lower()}")
    browser = as_user(member)
    # when they open the directory and a service's page
    listing = browser.get(reverse("services"))
    detail = browser.get(reverse("service-detail", args=[directory["isva"].pk]))
    # then the roles that use it see both, and the link to it; the others get 404
    assert listing.status_code == status
    assert detail.status_code == status
    my_work = browser.get(reverse("my-work"))
    assert (f'href="{reverse("services")}"' in my_work.text) == (status == 200)


def test_signed_out_visitors_are_sent_to_sign_in(directory, client):
    for url in (reverse("services"), reverse("service-detail", args=[directory["isva"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


def test_the_directory_pages_through_its_services_in_a_fixed_number_of_queries(
    force, vcc, django_assert_max_num_queries
):
    alice = as_user(vcc)
    alice.get(reverse("services"))  # the session and the second factor, read once
    # given a directory of a few services
    for n in range(3):
        make_service(force, f"Service {n:02d}", areas=[f"Area {n}"])
    with django_assert_max_num_queries(QUERIES) as few:
        assert len(listed(alice.get(reverse("services"), {"need": "health"}))) == 3
    # and one of more than a page
    for n in range(3, 30):
        make_service(force, f"Service {n:02d}", areas=[f"Area {n}"], hide_address=n % 2 == 0)
    with django_assert_max_num_queries(QUERIES) as many:
        first = alice.get(reverse("services"), {"need": "health"})
    # then a page holds 25 services, the next the rest, in as many queries as for three
    assert len(listed(first)) == 25
    assert "1 to 25 shown" in first.text
    second = alice.get(reverse("services"), {"need": "health", "page": 2})
    assert listed(second) == [f"Service {n:02d}" for n in range(25, 30)]
    assert 'href="?need=health&amp;page=1"' in second.text
    # and a page past the end shows the last one
    past = alice.get(reverse("services"), {"need": "health", "page": 9})
    assert listed(past) == listed(second)
    assert len(many.captured_queries) == len(few.captured_queries)
    # and a service's page is one query for the service, without areas or a count
    with django_assert_max_num_queries(QUERIES - 2):
        alice.get(reverse("service-detail", args=[first.context["page"][0].pk]))


# The session, the user, their roles and the second factor; the areas, the count and a page;
# and the session's last activity saved (a savepoint, an update and its release).
QUERIES = 10
