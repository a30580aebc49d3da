"""Volunteers: the force's list and profiles, matching on language, area and free places,
and the volunteer's own view: only their assigned cases, only the fields the assignment
needs, and the contacts and hours they record.

Personas: Alice, the VCC (``vcc``); Carol, the manager; Wiktor, a Polish-speaking
volunteer; Vera, another volunteer; an outsider of another force.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casework import services as casework
from casework import volunteers
from casework.models import Case, CaseEventKind
from casework.volunteer_models import Volunteer, VolunteerAssignment, VolunteerContact
from hub.errors import PermissionRefused, VolunteerRefused
from hub.models import AuditEvent
from tests.conftest import as_user
from tests.factories import ForceFactory, UserFactory, supported_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
NEXT_YEAR = dt.date(2027, 11, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def volunteer(force, name, *, languages=(), areas=(), capacity=2, until=NEXT_YEAR, **kw):
    first, last = name.split()
    user = UserFactory(force=force, role="Volunteer", first_name=first, last_name=last, **kw)
    return Volunteer.objects.create(
        user=user,
        languages=list(languages),
        areas=list(areas),
        vetted_until=until,
        trained_until=until,
        capacity=capacity,
    )


@pytest.fixture
def case(force, vcc) -> Case:
    case = supported_case(force, vcc, now=NOW, preferred_language="pl")
    crime = case.referral.crime
    crime.area = "Peterborough"
    crime.save(update_fields=["area"])
    return case


@pytest.fixture
def wiktor(force):
    return volunteer(force, "Wiktor Nowak", languages=["pl"], areas=["Peterborough"])


def test_matching_puts_the_victims_language_first_then_the_area(case, force, wiktor):
    # Given three volunteers with free places
    local = volunteer(force, "Vera Local", areas=["Peterborough"])
    anywhere = volunteer(force, "Adam Anywhere", capacity=5)
    # When Alice looks for a match
    found = volunteers.matches(case, today=TODAY)
    # Then the Polish speaker is first, then those covering the area
    # (one with no areas goes anywhere; of two covering it, the freer comes first)
    assert [m.volunteer for m in found] == [wiktor, anywhere, local]
    assert found[0].reasons == ["speaks the victim's language", "covers the area", "2 places free"]


def test_matching_leaves_out_the_full_the_out_of_date_and_other_forces(case, force, wiktor):
    full = volunteer(force, "Fay Full", languages=["pl"], capacity=0)
    lapsed = volunteer(force, "Len Lapsed", languages=["pl"], until=TODAY - dt.timedelta(days=1))
    volunteer(ForceFactory(code="NORF", name="Norfolk"), "Olga Other", languages=["pl"])
    found = [m.volunteer for m in volunteers.matches(case, today=TODAY)]
    assert found == [wiktor]
    assert {full, lapsed}.isdisjoint(found)


def test_assigning_is_a_disclosure_of_the_assignments_fields(case, vcc, wiktor):
    response = as_user(vcc).post(
        f"/cases/{case.reference}/volunteer/assign/",
        {"volunteer": wiktor.pk, "brief": "Go with her to the GP; she speaks little English."},
    )
    assert response.status_code == 302
    assignment = VolunteerAssignment.objects.get()
    assert (assignment.case, assignment.volunteer, assignment.started_by) == (case, wiktor, vcc)
    row = AuditEvent.objects.get(object_type="volunteer_assignment")
    assert (row.action, row.fields) == ("disclosure", sorted(volunteers.ASSIGNMENT_FIELDS))
    assert row.recipient == "Volunteer Wiktor Nowak"
    assert case.events.filter(kind=CaseEventKind.VOLUNTEER).exists()


def test_a_full_or_lapsed_volunteer_is_refused_with_the_reason(case, force, vcc):
    full = volunteer(force, "Fay Full", capacity=0)
    lapsed = volunteer(force, "Len Lapsed", until=TODAY - dt.timedelta(days=1))
    with pytest.raises(VolunteerRefused, match="no free place"):
        volunteers.assign_volunteer(case, volunteer=full, brief="Help", by=vcc, now=NOW)
    with pytest.raises(VolunteerRefused, match="expired"):
        volunteers.assign_volunteer(case, volunteer=lapsed, brief="Help", by=vcc, now=NOW)
    assert not VolunteerAssignment.objects.exists()


def test_the_same_volunteer_twice_on_a_case_is_refused(case, vcc, wiktor):
    volunteers.assign_volunteer(case, volunteer=wiktor, brief="Help", by=vcc, now=NOW)
    with pytest.raises(VolunteerRefused, match="already"):
        volunteers.assign_volunteer(case, volunteer=wiktor, brief="Again", by=vcc, now=NOW)
    assert VolunteerAssignment.objects.count() == 1


def test_a_volunteer_sees_only_their_assignments_and_only_the_fields_they_need(
    case, vcc, wiktor, force
):
    # Given Wiktor is matched to the case
    assignment = volunteers.assign_volunteer(
        case, volunteer=wiktor, brief="Visit weekly.", by=vcc, now=NOW
    )
    browser = as_user(wiktor.user)
    # Then his work is his assignments
    assert browser.get("/").url == "/assignments/"
    listing = browser.get("/assignments/").content.decode()
    assert case.person.given_name in listing
    # And the assignment shows the first name, phone, language and brief
    page = browser.get(f"/assignments/{assignment.pk}/").content.decode()
    for shown in (case.person.given_name, case.person.phone, "Polish", "Visit weekly."):
        assert shown in page
    # And nothing else of the case: surname, address, crime, the assessment
    for hidden in (
        case.person.family_name,
        case.person.address_line1,
        case.person.postcode,
        case.referral.crime.reference,
        "DVNA",
    ):
        assert hidden not in page, hidden
    # And the case's own pages stay closed to him
    for path in ("", "plan/", "dvna/", "volunteer/"):
        assert browser.get(f"/cases/{case.reference}/{path}").status_code == 404
    # And another volunteer sees none of it
    other = as_user(volunteer(force, "Vera Other").user)
    assert other.get(f"/assignments/{assignment.pk}/").status_code == 404
    assert case.person.given_name not in other.get("/assignments/").content.decode()


def test_a_volunteer_records_contacts_and_hours(case, vcc, wiktor):
    assignment = volunteers.assign_volunteer(case, volunteer=wiktor, brief="Visit", by=vcc, now=NOW)
    browser = as_user(wiktor.user)
    response = browser.post(
        f"/assignments/{assignment.pk}/",
        {"on": "2026-11-23", "kind": "visit", "minutes": "90", "note": "Coffee and a chat."},
    )
    assert response.status_code == 302
    browser.post(
        f"/assignments/{assignment.pk}/", {"on": "2026-11-22", "kind": "phone", "minutes": "15"}
    )
    page = browser.get(f"/assignments/{assignment.pk}/").content.decode()
    assert "105 minutes" in page
    assert VolunteerContact.objects.count() == 2
    assert case.events.filter(kind=CaseEventKind.VOLUNTEER, actor=wiktor.user).count() == 2


def test_a_contact_in_the_future_or_without_minutes_is_refused(case, vcc, wiktor):
    assignment = volunteers.assign_volunteer(case, volunteer=wiktor, brief="Visit", by=vcc, now=NOW)
    browser = as_user(wiktor.user)
    future = browser.post(
        f"/assignments/{assignment.pk}/", {"on": "2026-11-30", "kind": "visit", "minutes": "30"}
    )
    no_minutes = browser.post(
        f"/assignments/{assignment.pk}/", {"on": "2026-11-23", "kind": "visit"}
    )
    assert "once it has happened" in future.content.decode()
    assert "Give the time spent" in no_minutes.content.decode()
    assert not VolunteerContact.objects.exists()


def test_only_the_volunteer_on_a_live_assignment_records_its_contacts(case, vcc, wiktor):
    assignment = volunteers.assign_volunteer(case, volunteer=wiktor, brief="Visit", by=vcc, now=NOW)
    with pytest.raises(PermissionRefused):
        volunteers.record_volunteer_contact(
            assignment, on=TODAY, kind="visit", minutes=10, note="", by=vcc, now=NOW
        )


def test_closing_the_case_ends_the_assignment_and_the_volunteers_view(case, vcc, wiktor):
    assignment = volunteers.assign_volunteer(case, volunteer=wiktor, brief="Visit", by=vcc, now=NOW)
    case = casework.close_case(case, reason="deceased", by=vcc, now=NOW)
    assignment.refresh_from_db()
    assert assignment.ended_at == NOW
    assert as_user(wiktor.user).get(f"/assignments/{assignment.pk}/").status_code == 404


def test_ending_an_assignment_frees_the_place(case, vcc, force):
    one = volunteer(force, "Una Place", capacity=1)
    assignment = volunteers.assign_volunteer(case, volunteer=one, brief="Visit", by=vcc, now=NOW)
    assert one not in [m.volunteer for m in volunteers.matches(case, today=TODAY)]
    as_user(vcc).post(f"/cases/{case.reference}/volunteer/{assignment.pk}/end/")
    other = supported_case(force, vcc, now=NOW, given_name="Second", crime_reference="35/9/26")
    assert one in [m.volunteer for m in volunteers.matches(other, today=TODAY)]


# The force's list and the profiles.


def test_the_list_shows_languages_areas_expiry_and_load(case, vcc, manager, wiktor, force):
    volunteer(force, "Len Lapsed", until=TODAY + dt.timedelta(days=10))
    UserFactory(force=force, role="Volunteer", first_name="Nora", last_name="New")
    volunteers.assign_volunteer(case, volunteer=wiktor, brief="Visit", by=vcc, now=NOW)
    page = as_user(manager).get("/volunteers/").content.decode()
    assert "Polish" in page
    assert "1 of 2" in page
    assert "Expires soon" in page
    assert "No profile yet" in page
    # A VCC sees the list but keeps no profile
    vcc_page = as_user(vcc).get("/volunteers/").content.decode()
    assert "Wiktor Nowak" in vcc_page
    assert as_user(vcc).get(f"/volunteers/{wiktor.user.pk}/").status_code == 404


def test_a_manager_keeps_a_volunteers_profile(manager, force):
    user = UserFactory(force=force, role="Volunteer", first_name="Nora", last_name="New")
    browser = as_user(manager)
    bad = browser.post(
        f"/volunteers/{user.pk}/",
        {
            "languages": "Polish!",
            "vetted_until": "2027-01-01",
            "trained_until": "2027-01-01",
            "capacity": "2",
        },
    )
    assert "Not a language code" in bad.content.decode()
    assert not Volunteer.objects.exists()
    browser.post(
        f"/volunteers/{user.pk}/",
        {
            "languages": "pl, UR",
            "areas": "Peterborough, Fenland",
            "vetted_until": "2027-01-01",
            "trained_until": "2027-02-01",
            "capacity": "3",
        },
    )
    profile = Volunteer.objects.get(user=user)
    assert (profile.languages, profile.areas, profile.capacity) == (
        ["pl", "ur"],
        ["Peterborough", "Fenland"],
        3,
    )


def test_another_forces_volunteer_is_404_to_a_manager(manager):
    stranger = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="Volunteer")
    assert as_user(manager).get(f"/volunteers/{stranger.pk}/").status_code == 404


def test_the_pages_query_counts_are_pinned(
    case, vcc, manager, wiktor, force, django_assert_max_num_queries
):
    for n in range(4):
        volunteer(force, f"Extra Person{n}", languages=["pl"])
    assignment = volunteers.assign_volunteer(case, volunteer=wiktor, brief="Visit", by=vcc, now=NOW)
    for path, user, most in (
        ("/volunteers/", manager, 10),
        (f"/cases/{case.reference}/volunteer/", vcc, 12),
        ("/assignments/", wiktor.user, 8),
        (f"/assignments/{assignment.pk}/", wiktor.user, 12),
    ):
        browser = as_user(user)
        browser.get(path)
        with django_assert_max_num_queries(most):
            assert browser.get(path).status_code == 200, path
