"""Triage: priority, its reasons in words, the enhanced groups and the deadlines."""

import datetime as dt

import pytest

from casework.triage import OffenceFacts, TriageInput, derive_enhanced_groups, triage
from hub.calendar import LONDON, WorkingCalendar
from tests.factories import local, make_case

calendar = WorkingCalendar()
MONDAY = dt.datetime(2026, 11, 23, 10, tzinfo=LONDON)
BURGLARY = OffenceFacts(
    code="28", description="Burglary - residential", category="burglary", most_serious=False
)
RAPE = OffenceFacts(code="19", description="Rape", category="sexual", most_serious=True)
MURDER = OffenceFacts(code="1", description="Murder", category="homicide", most_serious=True)
SLAVERY = OffenceFacts(
    code="106", description="Modern slavery", category="violence", most_serious=True
)


def facts(**overrides):
    values = {
        "needs_support": True,
        "received_at": MONDAY,
        "offence": BURGLARY,
        "age_when_reported": 42,
    }
    return TriageInput(**{**values, **overrides})


@pytest.mark.parametrize(
    ("overrides", "priority", "reason_fragment"),
    [
        ({"dash_risk": "medium", "domestic_abuse": True}, 1, "DASH risk medium"),
        ({"dash_risk": "high", "domestic_abuse": True}, 1, "MARAC"),
        ({"age_when_reported": 15}, 1, "Under 18: aged 15"),
        ({"offence": RAPE}, 1, "most serious crime: Rape"),
        ({"hate_crime": True}, 1, "hate crime"),
        ({"offence": MURDER}, 1, "bereaved by crime"),
        ({"earlier_referrals_in_window": 2}, 1, "Repeat victim: 2 earlier referrals"),
        ({"police_repeat_victim": True}, 1, "Repeat victim, as recorded by police"),
        ({"police_groups": ("most_serious_crime",)}, 1, "most serious crime"),
        ({"police_groups": ("vulnerable",)}, 2, "vulnerable (police)"),
        ({"police_groups": ("persistently_targeted",)}, 2, "persistently targeted (police)"),
        ({"police_groups": ("intimidated",)}, 2, "intimidated (police)"),
        ({}, 3, "No enhanced entitlement"),
        (
            {"needs_support": False, "offence": RAPE, "age_when_reported": 12},
            4,
            "No needs identified",
        ),
    ],
)
def test_priority_follows_the_rules_table(overrides, priority, reason_fragment):
    result = triage(facts(**overrides), calendar)
    assert result.priority == priority
    assert any(reason_fragment in reason for reason in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("priority_overrides", "working_days"),
    [({"age_when_reported": 15}, 1), ({"police_groups": ("vulnerable",)}, 2), ({}, 5)],
)
def test_first_contact_due_by_priority(priority_overrides, working_days):
    result = triage(facts(**priority_overrides), calendar)
    assert result.first_contact_due == calendar.deadline(MONDAY, working_days)
    assert result.information_due is None


def test_no_needs_gets_an_information_deadline_of_one_working_day_and_no_call():
    result = triage(facts(needs_support=False), calendar)
    assert result.first_contact_due is None
    assert result.information_due == dt.datetime(2026, 11, 24, 20, tzinfo=LONDON)


def test_priority_one_over_a_bank_holiday_weekend_and_a_clock_change():
    # Thursday before Easter: due Tuesday after Easter Monday, 20:00 BST.
    thursday = dt.datetime(2026, 4, 2, 17, tzinfo=LONDON)
    result = triage(facts(received_at=thursday, age_when_reported=16), calendar)
    assert result.first_contact_due == dt.datetime(2026, 4, 7, 19, tzinfo=dt.UTC)
    # Friday before the clocks go back: due Monday 20:00 GMT.
    friday = dt.datetime(2026, 10, 23, 17, tzinfo=LONDON)
    result = triage(facts(received_at=friday, age_when_reported=16), calendar)
    assert result.first_contact_due == dt.datetime(2026, 10, 26, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("overrides", "groups"),
    [
        ({"age_when_reported": 17}, ["vulnerable"]),
        ({"age_when_reported": 18}, []),
        ({"domestic_abuse": True}, ["intimidated", "most_serious_crime"]),
        ({"offence": RAPE}, ["intimidated", "most_serious_crime"]),
        ({"offence": SLAVERY}, ["intimidated", "most_serious_crime"]),
        ({"offence": MURDER}, ["bereaved"]),
        ({"hate_crime": True}, ["most_serious_crime"]),
        ({"offence": None, "age_when_reported": None}, []),
    ],
)
def test_enhanced_groups_derived_from_age_offence_and_domestic_abuse(overrides, groups):
    assert derive_enhanced_groups(facts(**overrides)) == groups


def test_police_and_derived_groups_are_both_kept_on_the_case(force):
    case = make_case(force, enhanced=["persistently_targeted"], date_of_birth=dt.date(2010, 1, 1))
    assert case.enhanced_police == ["persistently_targeted"]
    assert case.enhanced_derived == ["vulnerable"]
    assert case.enhanced_groups == ["persistently_targeted", "vulnerable"]
    assert case.priority == 1


def test_same_name_and_date_of_birth_links_the_person_and_makes_a_repeat_victim(force):
    # given a victim referred in June
    first = make_case(force, now=local(2026, 6, 1), crime_reference="35/1/26")
    # when the same name and date of birth arrive again in November, in other spelling case
    second = make_case(
        force,
        now=local(2026, 11, 23),
        crime_reference="35/2/26",
        given_name="AMIRA",
        family_name=" khan",
    )
    # then it is the same person and a repeat victim within 12 months: priority 1
    assert second.person_id == first.person_id
    assert second.priority == 1
    assert "Repeat victim: 1 earlier referral in the last 12 months." in second.priority_reasons


def test_a_referral_more_than_twelve_months_later_is_not_a_repeat(force):
    make_case(force, now=local(2025, 11, 1), crime_reference="35/1/25")
    later = make_case(force, now=local(2026, 11, 23), crime_reference="35/2/26")
    assert later.priority == 3


def test_same_phone_but_other_name_is_never_linked_automatically(force):
    first = make_case(force, crime_reference="35/1/26")
    other = make_case(force, crime_reference="35/2/26", given_name="Bilal", phone="07700 900123")
    assert other.person_id != first.person_id


def test_no_date_of_birth_is_never_linked_automatically(force):
    first = make_case(force, crime_reference="35/1/26", date_of_birth=None)
    second = make_case(force, crime_reference="35/2/26", date_of_birth=None)
    assert first.person_id != second.person_id


def test_domestic_abuse_without_instructions_makes_every_unsent_route_unsafe(force):
    # post and voicemail by the contract; email and text too, as an abuser may read them
    case = make_case(force, domestic_abuse=True, dash_risk="standard")
    assert not case.may_post
    assert not case.may_leave_voicemail
    assert not case.email_ok
    assert not case.sms_ok


def test_domestic_abuse_with_instructions_follows_them(force):
    from referrals.services import SafeContactInput

    case = make_case(
        force, domestic_abuse=True, safe_contact=SafeContactInput(email=True, voicemail=False)
    )
    assert case.email_ok
    assert not case.may_leave_voicemail
    assert not case.may_post


def test_lives_with_suspect_overrides_post_and_voicemail(force):
    from referrals.services import SafeContactInput

    case = make_case(
        force, safe_contact=SafeContactInput(voicemail=True, post=True, lives_with_suspect=True)
    )
    assert not case.may_post
    assert not case.may_leave_voicemail


def test_triage_reasons_are_stored_in_words_on_the_case(force):
    case = make_case(force, offence_code="19C", domestic_abuse=False)
    assert case.priority == 1
    assert case.priority_reasons[0] == "Needs support identified by police."
    assert "Enhanced entitlement, victim of the most serious crime: Rape." in case.priority_reasons
    assert (
        case.priority_reasons[-1] == "First phone attempt due by the end of the next working day."
    )


@pytest.mark.parametrize(
    ("source", "opening"),
    [
        ("police_api", "Needs support identified by police."),
        ("adt_batch", "Needs support identified by police."),
        ("partner_agency", "Needs support identified by the referring agency."),
        ("transfer_in", "Needs support identified by the referring area."),
        ("self_referral", "Needs support identified by the victim, who referred themselves."),
    ],
)
def test_reasons_say_who_identified_the_needs(source, opening):
    assert triage(facts(source=source), calendar).reasons[0] == opening
    no_needs = triage(facts(source=source, needs_support=False), calendar).reasons[0]
    assert no_needs.startswith(opening.replace("Needs support", "No needs").rstrip("."))
