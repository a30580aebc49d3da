"""Factories for tests: realistic records built through the Hub's own services."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group

from hub.calendar import LONDON
from hub.models import Force, User
from referrals.services import (
    CrimeInput,
    IvnaInput,
    PersonInput,
    ReferralInput,
    SafeContactInput,
    receive_referral,
)


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Force
        django_get_or_create = ("code",)

    code = "CAMBS"
    name = "Cambridgeshire Constabulary"
    hub_name = "Cambridgeshire Victim and Witness Hub"
    hub_phone = "0800 952 3000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    force = factory.SubFactory(ForceFactory)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def local(year, month, day, hour=10, minute=0) -> dt.datetime:
    """An aware datetime in Europe/London."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def referral_input(
    *,
    given_name="Amira",
    family_name="Khan",
    date_of_birth=dt.date(1984, 3, 2),
    needs_support=True,
    enhanced=(),
    domestic_abuse=False,
    dash_risk="",
    hate_crime=False,
    repeat_victim=False,
    offence_code="28/3",
    crime_reference="35/12345/26",
    reported_on=dt.date(2026, 11, 20),
    source="police_api",
    consent_basis="consent",
    safe_contact=None,
    **person,
) -> ReferralInput:
    person_fields = {
        "phone": "07700 900123",
        "email": "amira@example.org",
        "address_line1": "1 High Street",
        "town": "Peterborough",
        "postcode": "PE1 1AA",
        **person,
    }
    return ReferralInput(
        source=source,
        consent_basis=consent_basis,
        person=PersonInput(
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            **person_fields,
        ),
        crime=CrimeInput(
            reference=crime_reference, offence_code=offence_code, reported_on=reported_on
        ),
        ivna=IvnaInput(
            needs_support=needs_support,
            enhanced_entitlement=tuple(enhanced),
            domestic_abuse=domestic_abuse,
            dash_risk=dash_risk,
            hate_crime=hate_crime,
            repeat_victim=repeat_victim,
        ),
        safe_contact=safe_contact or SafeContactInput(),
    )


def self_referral(force, *, now=None):
    """A victim who referred themselves, entered by staff: no crime, confidential."""
    data = ReferralInput(
        source="self_referral",
        consent_basis="consent",
        person=PersonInput(given_name="Dana", family_name="Lee", email="dana@example.org"),
        ivna=IvnaInput(needs_support=True),
    )
    return receive_referral(force, data, now=now or local(2026, 11, 23))


def make_case(force, *, now=None, by=None, **kwargs):
    """A referral received through the intake service, returning its case."""
    now = now or local(2026, 11, 23, 10)
    referral = receive_referral(force, referral_input(**kwargs), now=now, by=by)
    return referral.case


def api_client_with_token(force, name="Athena crime recording", **fields):
    """An API client of ``force`` and its bearer token."""
    from referrals.services import create_api_client

    client, token = create_api_client(name=name, force_code=force.code, **fields)
    return client, token


def make_service(force, name="Counselling for victims of crime", **fields):
    """A service in ``force``'s directory (administrators keep it through the admin)."""
    from casework.models import Service

    values = {
        "organisation": "Cambridgeshire Victim Counselling",
        "description": f"{name}, for victims of any crime.",
        "needs": ["health"],
        "phone": "01223 000 110",
        **fields,
    }
    return Service.objects.create(force=force, name=name, **values)


ALL_FOURS = {"health": 4, "coping": 4, "safety": 4, "empowerment": 4}


def assessed_case(force, by, *, now=None, levels=None, **kwargs):
    """A case whose victim was reached and fully assessed (a completed DVNA with the
    outcomes at assessment), still in assessment; ``levels`` maps need categories to their
    level (the rest: no need)."""
    from assessments import services as assessments
    from casework import services as casework
    from casework.models import NeedCategory

    now = now or local(2026, 11, 23, 11)
    case = make_case(force, now=now - dt.timedelta(hours=1), **kwargs)
    case = casework.record_contact_made(case, by=by, now=now)
    case = casework.start_assessment(case, by=by, now=now)
    dvna = assessments.open_dvna(case, by=by, now=now)
    assessments.record_outcome_scores(case, stage="start", scores=ALL_FOURS, by=by, now=now)
    levels = {"health": "medium", "safety": "high"} if levels is None else levels
    for category in NeedCategory.values:
        assessments.record_need(
            dvna, category=category, level=levels.get(category, "none"), notes="", by=by, now=now
        )
    assessments.complete_dvna(dvna, by=by, now=now)
    case.refresh_from_db()
    return case


def supported_case(force, by, *, now=None, **kwargs):
    """An assessed case whose support has started."""
    from casework import services as casework

    now = now or local(2026, 11, 23, 11)
    case = assessed_case(force, by, now=now, **kwargs)
    return casework.start_support(case, by=by, now=now)
