"""``seed_demo``: reproducible demo data in the service's published proportions; safe passwords."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import IntegrityError, models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.test import RequestFactory

from assessments.models import Dvna, OutcomeScores
from casework.demo_data import staff_roster
from casework.demo_writer import CASE_DATA, clear_case_data
from casework.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseState,
    ContactAttempt,
    Service,
    SubjectAccessRequest,
)
from casework.volunteer_models import Volunteer
from hub import audit
from hub.calendar import local_date
from hub.models import AuditEvent, Force, User
from hub.roles import Role
from letters.models import Letter, LetterTemplate, PrintRun
from referrals.models import ApiClient, OffenceType, Person, PersonKind, Referral, ReferralSource
from tests.factories import UserFactory, local

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-23"
DEMO_SIGN_INS = ("vcc", "caseworker", "volunteer", "manager", "admin", "analyst")


def seed(victims: int, *flags: str, seed: int = 1) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--victims",
        str(victims),
        "--seed",
        str(seed),
        "--as-of",
        AS_OF,
        *flags,
        stdout=out,
    )
    return out.getvalue()


def canonical_dump() -> dict:
    """Everything seeded, keyed by natural keys (case references, usernames), never by ids:
    where a row names another by id (an event its call or letter, a print run its letters,
    an email's Message-ID), the id is replaced by the other row's natural key."""
    attempt_keys = {
        pk: (reference, episode, number, planned_at)
        for pk, reference, episode, number, planned_at in ContactAttempt.objects.values_list(
            "pk", "case__reference", "episode", "number", "planned_at"
        )
    }
    letter_keys = {
        pk: (reference, purpose, trigger)
        for pk, reference, purpose, trigger in Letter.objects.values_list(
            "pk", "case__reference", "purpose", "trigger"
        )
    }

    def by_key(kind: str, detail: dict) -> dict:
        if kind == CaseEventKind.CONTACT_ATTEMPT:
            return {**detail, "attempt": attempt_keys[detail["attempt"]]}
        if kind == CaseEventKind.LETTER:
            return {**detail, "letter": letter_keys[detail["letter"]]}
        return detail

    cases = list(
        Case.objects.order_by("reference").values_list(
            "reference",
            "state",
            "closure_reason",
            "priority",
            "priority_reasons",
            "enhanced_police",
            "enhanced_derived",
            "domestic_abuse",
            "first_contact_due",
            "information_due",
            "opened_at",
            "first_contact_at",
            "support_started_at",
            "closed_at",
            "responsible__username",
            "restricted",
            "safe_times",
            "person__given_name",
            "person__family_name",
            "person__date_of_birth",
            "person__kind",
            "person__postcode",
            "person__parent_guardian",
            "referral__source",
            "referral__source_reference",
            "referral__received_at",
            "referral__crime__reference",
            "referral__crime__offence_code",
            "referral__crime__reported_on",
            "referral__ivna__needs_support",
            "referral__ivna__dash_risk",
            "referral__public_id",
        )
    )
    events = [
        (*event, by_key(event[1], detail))
        for *event, detail in CaseEvent.objects.order_by("case__reference", "at", "id").values_list(
            "case__reference",
            "kind",
            "at",
            "actor__username",
            "from_state",
            "to_state",
            "reason",
            "detail",
        )
    ]
    attempts = list(
        ContactAttempt.objects.order_by(
            "case__reference", "episode", "number", "planned_at"
        ).values_list(
            "case__reference",
            "episode",
            "number",
            "band",
            "window_start",
            "window_end",
            "late",
            "call_back",
            "planned_at",
            "outcome",
            "recorded_at",
            "recorded_by__username",
            "note",
        )
    )
    letters = [
        (*letter, message_id.replace(f"<letter-{pk}.", "<letter-id.") if message_id else "")
        for pk, message_id, *letter in Letter.objects.order_by(
            "case__reference", "purpose", "trigger"
        ).values_list(
            "pk",
            "message_id",
            "case__reference",
            "episode",
            "purpose",
            "trigger",
            "due_at",
            "status",
            "channel",
            "sent_at",
            "cost_pence",
            "template__purpose",
            "template__version",
            "content",
            "pdf",
            "print_run__date",
            "created_at",
            "updated_at",
        )
    ]
    print_runs = [
        (*run, [{**item, "letter": letter_keys[item["letter"]]} for item in manifest])
        for *run, manifest in PrintRun.objects.order_by(
            "force__code", "date", "created_at"
        ).values_list("force__code", "date", "created_at", "updated_at", "manifest")
    ]
    scores = list(
        OutcomeScores.objects.order_by("case__reference", "stage").values_list(
            "case__reference", "stage", "health", "coping", "safety", "empowerment", "recorded_at"
        )
    )
    dvnas = list(
        Dvna.objects.order_by("case__reference").values_list(
            "case__reference", "started_at", "completed_at", "completed_by__username"
        )
    )
    named = list(
        Case.objects.filter(restricted=True)
        .order_by("reference")
        .values_list("reference", "named_staff__username")
    )
    staff = list(
        User.objects.order_by("username").values_list(
            "username", "first_name", "last_name", "job_title", "groups__name"
        )
    )
    return {
        "cases": cases,
        "events": events,
        "attempts": attempts,
        "letters": letters,
        "print_runs": print_runs,
        "scores": scores,
        "dvnas": dvnas,
        "named": named,
        "staff": staff,
    }


def test_25000_victims_are_seeded_in_time_in_proportion_and_identically_twice():
    # One test for the three, since seeding 25,000 victims is the slow part.
    # given a year of 25,000 victims (the acceptance size) seeded
    started = time.monotonic()
    seed(25000, "--replace")
    took = time.monotonic() - started
    # then it took under two minutes, in the proportions of the domain
    assert took < 120, f"seeding 25,000 victims took {took:.1f} s"
    assert_domain_proportions()
    first = canonical_dump()

    # when it is seeded again with the same victims, seed and as-of date
    seed(25000, "--replace")

    # then every case, timeline, score and member of staff is the same
    second = canonical_dump()
    assert len(first["cases"]) == 25000
    assert len(first["events"]) > 25000 * 4
    assert first["scores"]
    assert first["dvnas"]
    for key in first:
        assert second[key] == first[key], f"{key} differ between two runs"


def test_another_seed_gives_other_victims():
    # given a database seeded with seed 1
    seed(200)
    first = canonical_dump()["cases"]

    # when it is replaced with seed 2
    seed(200, "--replace", seed=2)

    # then the victims differ
    assert canonical_dump()["cases"] != first


def _share(part: int, whole: int) -> float:
    return 100.0 * part / whole


def assert_domain_proportions():
    """The rates are the service's published ones, within two percentage points."""

    def reached(state):
        return Exists(
            CaseEvent.objects.filter(
                case=OuterRef("pk"), kind=CaseEventKind.TRANSITION, to_state=state
            )
        )

    cases = Case.objects.annotate(
        phoned=reached(CaseState.IN_CONTACT),
        written=reached(CaseState.UNABLE_TO_CONTACT),
        assessed=reached(CaseState.ASSESSMENT),
    )
    contacted = Q(phoned=True) | Q(written=True)
    declined = Q(closure_reason="declined")
    da = Q(domestic_abuse=True)
    counts = cases.aggregate(
        total=Count("pk"),
        needs=Count("pk", filter=~Q(priority=4)),
        da_total=Count("pk", filter=da),
        contacted=Count("pk", filter=contacted),
        contacted_declined=Count("pk", filter=contacted & declined),
        da_phoned=Count("pk", filter=Q(phoned=True) & da),
        da_declined=Count("pk", filter=Q(phoned=True) & da & declined),
        da_supported=Count("pk", filter=Q(phoned=True, assessed=True) & da),
        other_phoned=Count("pk", filter=Q(phoned=True) & ~da),
        other_declined=Count("pk", filter=Q(phoned=True) & ~da & declined),
        other_supported=Count("pk", filter=Q(phoned=True, assessed=True) & ~da),
    )
    rates = {
        "with needs": (_share(counts["needs"], counts["total"]), 25),
        "domestic abuse": (_share(counts["da_total"], counts["total"]), 15),
        "declined of all contacted": (
            _share(counts["contacted_declined"], counts["contacted"]),
            7,
        ),
        "DA declined when phoned": (_share(counts["da_declined"], counts["da_phoned"]), 13),
        "other declined when phoned": (
            _share(counts["other_declined"], counts["other_phoned"]),
            11,
        ),
        "DA supported when phoned": (_share(counts["da_supported"], counts["da_phoned"]), 38),
        "other supported when phoned": (
            _share(counts["other_supported"], counts["other_phoned"]),
            31,
        ),
    }
    off = {name: f"{got:.1f}%" for name, (got, want) in rates.items() if abs(got - want) > 2}
    assert not off, f"rates off the published ones by more than 2 points: {off} (all: {rates})"

    # and the rules of intake hold for every referral
    assert Case.objects.count() == 25000
    assert not Referral.objects.filter(consent_basis="adt", ivna__domestic_abuse=True).exists()
    assert not Referral.objects.filter(
        consent_basis="adt", crime__offence__category__in=["sexual", "homicide"]
    ).exists()
    self_referrals = Referral.objects.filter(source=ReferralSource.SELF_REFERRAL)
    assert self_referrals.exists()
    assert not self_referrals.filter(Q(confidential_from_police=False) | Q(crime__isnull=False))
    repeat_people = Person.objects.annotate(n=Count("referrals")).filter(n__gt=1).count()
    assert 2 <= _share(repeat_people, 25000) <= 4
    assert Person.objects.filter(kind=PersonKind.CHILD, parent_guardian__has_key="phone").exists()
    assert Person.objects.filter(kind=PersonKind.BUSINESS).exclude(business_contact_name="")
    assert Case.objects.filter(responsible__isnull=True).count() == 30


def test_every_case_history_replays_to_its_state_and_closed_cases_have_a_reason():
    # given seeded demo data
    seed(2000)

    # when each case's transitions are replayed from "new"
    transitions = defaultdict(list)
    events = CaseEvent.objects.filter(kind=CaseEventKind.TRANSITION).order_by("at", "id")
    for case_id, from_state, to_state in events.values_list("case_id", "from_state", "to_state"):
        transitions[case_id].append((from_state, to_state))

    # then each step starts where the last ended and the last ends in the case's state
    cases = Case.objects.values_list("pk", "reference", "state", "closure_reason", "closed_at")
    for pk, reference, state, closure_reason, closed_at in cases:
        current = CaseState.NEW
        for from_state, to_state in transitions[pk]:
            assert from_state == current, f"{reference}: {from_state} does not follow {current}"
            current = to_state
        assert current == state, f"{reference} replays to {current}, not {state}"
        # and a case is closed exactly when it has a closure reason and a closing time
        closed = state == CaseState.CLOSED
        assert closed == bool(closure_reason) == (closed_at is not None), reference

    # and every human step was taken by the case's responsible VCC
    human = CaseEvent.objects.filter(kind=CaseEventKind.TRANSITION, actor__isnull=False)
    assert human.exists()
    assert not human.exclude(actor_id=F("case__responsible_id")).exists()
    # and only while the Hub was open
    calendar = Force.objects.get(code="CAMBS").calendar
    for at in human.values_list("at", flat=True):
        period = calendar.open_period(local_date(at))
        assert period is not None, at
        assert period.opens <= at <= period.closes, at


def test_outside_demo_mode_no_seeded_account_has_a_usable_password():
    # given the test settings, where demo mode is off

    # when the demo data is seeded
    seed(50)

    # then no seeded account, demo sign-in or not, has a usable password
    seeded = User.objects.filter(force__code="CAMBS")
    assert seeded.count() >= 6 + 12 + 4 + 16
    assert not [u.username for u in seeded if u.has_usable_password()]
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="vcc", password="victims-hub-demo") is None


def test_in_demo_mode_the_demo_sign_ins_work_with_the_demo_password(settings):
    # given demo mode
    settings.DEMO_MODE = True

    # when the demo data is seeded
    seed(50)

    # then the VCC can sign in with the published demo password
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, username="vcc", password="victims-hub-demo")
    assert user is not None
    assert user.has_role(Role.VCC)
    # and every demo sign-in shares it, while the rest of the team still cannot sign in
    demo = User.objects.filter(username__in=DEMO_SIGN_INS)
    assert {u.username for u in demo if u.check_password("victims-hub-demo")} == set(DEMO_SIGN_INS)
    others = User.objects.filter(force__code="CAMBS").exclude(username__in=DEMO_SIGN_INS)
    assert not [u.username for u in others if u.has_usable_password()]


def test_each_demo_sign_in_is_in_its_role_and_volunteers_list_their_languages():
    # when the demo data is seeded
    seed(50)

    # then each demo sign-in has its role, and only the administrator reaches the admin site
    roles = dict(
        User.objects.filter(username__in=DEMO_SIGN_INS).values_list("username", "groups__name")
    )
    assert roles == {
        "vcc": "VCC",
        "caseworker": "Caseworker",
        "volunteer": "Volunteer",
        "manager": "Manager",
        "admin": "Administrator",
        "analyst": "Analyst",
    }
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]
    # and the team is there: VCCs, caseworkers and volunteers with their languages
    by_role = dict(
        User.objects.values("groups__name").annotate(n=Count("pk")).values_list("groups__name", "n")
    )
    assert by_role["VCC"] == 13
    assert by_role["Caseworker"] == 5
    assert by_role["Volunteer"] == 17
    volunteer = User.objects.get(username="volunteer")
    assert volunteer.job_title == "Volunteer (Polish, Russian)"


def test_if_empty_leaves_existing_data_alone():
    # given seeded data
    seed(100)
    before = canonical_dump()

    # when seeding again only if empty, with another seed
    output = seed(300, "--if-empty", seed=2)

    # then nothing changed, and the command said so
    assert "nothing was seeded" in output
    assert canonical_dump() == before


def test_without_a_flag_existing_cases_are_refused():
    # given seeded data
    seed(100)

    # when seeding again without --replace or --if-empty, then it is refused, clearly
    with pytest.raises(CommandError, match="Cases already exist"):
        seed(100)
    assert Case.objects.count() == 100


def test_replace_keeps_a_superuser_who_shares_a_demo_name():
    # given a superuser called "admin" and seeded data
    User.objects.create_superuser("admin", "admin@example.org", "a-long-password-123")
    seed(100)

    # when the data is replaced
    seed(100, "--replace")

    # then the superuser is still there, untouched
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("a-long-password-123")


def test_clearing_removes_every_case_and_the_seeded_staff_and_keeps_the_rest():
    # given seeded data, someone who is not on the demo team (a volunteer too), and the
    # audit row of their look at a case
    seed(100)
    outsider = UserFactory(force=Force.objects.get(code="BEDS"), role="VCC", username="beds-vcc")
    Volunteer.objects.create(
        user=outsider,
        languages=["cy"],
        areas=["Luton"],
        vetted_until=dt.date(2027, 9, 1),
        trained_until=dt.date(2027, 9, 1),
        capacity=1,
    )
    audit.for_case("consultation", Case.objects.first(), by=outsider)
    kept = (Force, Service, ApiClient, OffenceType, LetterTemplate, AuditEvent, Group)
    before = {model._meta.label: model.objects.count() for model in kept}

    # when the case data is cleared
    clear_case_data()

    # then no case, intake record or seeded member of staff is left
    assert {m._meta.label: m.objects.count() for m in CASE_DATA} == {
        m._meta.label: 0 for m in CASE_DATA
    }
    assert not User.objects.filter(username__in=[m.username for m in staff_roster()]).exists()
    # and everything else is as it was
    assert {model._meta.label: model.objects.count() for model in kept} == before
    assert Volunteer.objects.get().user == outsider


def test_every_table_that_cascades_from_the_case_data_is_cleared_with_it():
    # Clearing deletes whole tables rather than through Django's collector: whatever
    # would cascade from a cleared row must be cleared too.
    cleared = set(CASE_DATA)
    missed = sorted(
        f"{relation.related_model._meta.label} (from {model._meta.label})"
        for model in CASE_DATA
        for relation in model._meta.related_objects
        if relation.on_delete is models.CASCADE and relation.related_model not in cleared
    )
    assert not missed


def test_replace_is_refused_while_a_subject_access_request_holds_a_seeded_person():
    # given seeded data and a subject access request from one of its victims
    seed(100)
    person = Person.objects.order_by("pk").first()
    SubjectAccessRequest.objects.create(
        force=person.force,
        person=person,
        received_on=dt.date(2026, 11, 20),
        prepared_by=UserFactory(force=person.force, role="Manager", username="sar-manager"),
        prepared_at=local(2026, 11, 20),
        content={},
    )

    # when the data is replaced, then it is refused and nothing is deleted
    with pytest.raises(IntegrityError):
        seed(100, "--replace", seed=2)
    assert Case.objects.count() == 100
    assert Person.objects.filter(pk=person.pk).exists()


def test_the_summary_counts_cases_per_state():
    # when the demo data is seeded
    output = seed(300)

    # then one line reports the count of cases in each state
    line = output.strip()
    assert "\n" not in line
    assert line.startswith("Seeded 300 referrals")
    per_state = dict(Case.objects.values_list("state").annotate(n=Count("pk")))
    for state in CaseState:
        assert f"{state.value} {per_state.get(state.value, 0)}" in line


def test_police_referrals_come_from_the_forces_api_client_whose_token_works_only_in_demo(
    settings,
):
    from hub.demo import DEMO_API_TOKEN
    from referrals.models import ApiClient, hash_token

    # given the test settings, where demo mode is off
    seed(200)
    client = ApiClient.objects.get(token_hash=hash_token(DEMO_API_TOKEN))
    # then police and ADT referrals are that client's, with unique source references
    police = Referral.objects.filter(
        source__in=[ReferralSource.POLICE_API, ReferralSource.ADT_BATCH]
    )
    assert police.exists()
    assert not police.exclude(api_client=client).exists()
    assert (
        not Referral.objects.exclude(
            source__in=[ReferralSource.POLICE_API, ReferralSource.ADT_BATCH]
        )
        .filter(api_client__isnull=False)
        .exists()
    )
    # and its published token is revoked outside demo mode, live in it
    assert client.revoked_at is not None
    settings.DEMO_MODE = True
    seed(200, "--replace")
    client.refresh_from_db()
    assert client.revoked_at is None


def test_the_services_directory_is_seeded_with_a_hidden_refuge():
    from casework.models import Service

    seed(50)
    services = Service.objects.filter(force__code="CAMBS")
    assert services.count() >= 10
    refuge = services.get(name="Refuge")
    assert refuge.hide_address
    assert refuge.address == ""
    assert services.filter(needs__contains=["safety"]).count() >= 3
