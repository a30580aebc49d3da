"""A month of a force's work with every figure known: built through the API and the
workspace's services, as the Hub's staff would have done it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from assessments import services as assessments
from casework import plans, services, volunteers
from casework.contact import record_contact_attempt
from casework.models import Case, NeedCategory, Volunteer
from letters.models import Letter, LetterStatus
from letters.sending import send_letter
from referrals.inputs import SafeContactInput
from referrals.services import receive_referral
from reporting import rollup
from tests.factories import (
    ForceFactory,
    UserFactory,
    api_client_with_token,
    local,
    make_case,
    make_service,
    referral_input,
    self_referral,
    supported_case,
)
from tests.referrals.api_payloads import court_result_payload, referral_payload

# Distinctive strings put into the fields a report must never carry.
SECRETS = {
    "given_name": "Zebedee",
    "family_name": "Quixotefield",
    "date_of_birth": "1971-07-19",
    "address": "77 Xylophone Lane",
    "notes": "Secretword IVNA note",
    "close_note": "Privatenote about closing",
    "staff": "Staffsurnameunique",
}
AFTER = local(2026, 12, 1, 10)


class Api:
    def __init__(self, token: str):
        self.http = Client(headers={"Authorization": f"Bearer {token}"})

    def post(self, path, body):
        return self.http.post(path, json.dumps(body), content_type="application/json", secure=True)


def _assess(case, by, *, now, start):
    case = services.start_assessment(case, by=by, now=now)
    dvna = assessments.open_dvna(case, by=by, now=now)
    assessments.record_outcome_scores(case, stage="start", scores=start, by=by, now=now)
    for category in NeedCategory.values:
        level = "medium" if category == "health" else "none"
        assessments.record_need(dvna, category=category, level=level, notes="", by=by, now=now)
    assessments.complete_dvna(dvna, by=by, now=now)
    case.refresh_from_db()
    return services.start_support(case, by=by, now=now)


def _send_due(now):
    for pk in Letter.objects.filter(status=LetterStatus.PLANNED).values_list("pk", flat=True):
        send_letter(pk, now=now)


def _call(case, outcome, *, by, at=None):
    attempt = case.attempts.get(outcome="")
    when = at or attempt.window_start + dt.timedelta(minutes=1)
    record_contact_attempt(case, attempt_id=attempt.pk, outcome=outcome, by=by, now=when)
    case.refresh_from_db()
    return case


@dataclasses.dataclass
class Month:
    force: object
    manager: object
    vcc: object
    caseworker: object
    cases: dict


@pytest.fixture
def november(force, vcc, manager, settings, tmp_path) -> Month:
    """Referrals received in November 2026 (and one each side of it), each taken as far
    as its letter says; see test_measures for the figures they make."""
    settings.MEDIA_ROOT = tmp_path
    settings.CASEWORKER_CAP = 2
    caseworker = UserFactory(
        force=force, role="Caseworker", username="cw-dev", last_name=SECRETS["staff"]
    )
    counselling = make_service(force)
    security = make_service(force, name="Home security for older victims", needs=["safety"])
    cases = {}

    # A: from the police through the API, reached, assessed, supported, referred on,
    # told of a court result, and closed with the four outcomes scored again.
    _, token = api_client_with_token(force, rate_per_second=100_000)
    body = referral_payload(
        source_reference="CAMBS-A",
        crime__reference="35/1/26",
        crime__occurred_on="2026-11-08",
        crime__reported_on="2026-11-09",
        consent__recorded_on="2026-11-09",
        victim__given_name=SECRETS["given_name"],
        victim__family_name=SECRETS["family_name"],
        victim__date_of_birth=SECRETS["date_of_birth"],
        victim__address={"line1": SECRETS["address"], "town": "Ely", "postcode": "CB7 4AA"},
        ivna__notes=SECRETS["notes"],
    )
    with time_machine.travel(local(2026, 11, 10, 9), tick=False):
        response = Api(token).post("/api/v1/referrals/", body)
        assert response.status_code == 201, response.content
    a = Case.objects.get(referral__source_reference="CAMBS-A")
    a = _call(a, "wants_support", by=vcc, at=local(2026, 11, 10, 11))
    a = _assess(a, vcc, now=local(2026, 11, 10, 12), start=dict.fromkeys(_FOUR, 2))
    plans.refer_onward(
        a, service=counselling, reason="Wants to talk", shared=["name"], by=vcc, now=AT_11
    )
    with time_machine.travel(local(2026, 11, 12, 9), tick=False):
        court = court_result_payload(crime_reference="35/1/26", source_reference="WCU-A")
        response = Api(token).post("/api/v1/court-results/", court)
        assert response.status_code == 201, response.content
    _send_due(local(2026, 11, 12, 10))
    a.refresh_from_db()
    a = services.begin_closure(a, by=vcc, now=local(2026, 11, 20))
    closing = {"health": 4, "coping": 2, "safety": 1, "empowerment": 3}
    assessments.record_outcome_scores(
        a, stage="close", scores=closing, by=vcc, now=local(2026, 11, 20)
    )
    a = services.close_case(
        a, reason="support_complete", by=vcc, now=local(2026, 11, 20), note=SECRETS["close_note"]
    )
    _send_due(local(2026, 11, 20, 11))
    cases["A"] = a

    # B: assessed and supported (in Fenland), given to the caseworker, with a volunteer
    # who speaks Polish and Arabic, and referred to two services.
    b = supported_case(
        force, vcc, now=local(2026, 11, 12, 11), family_name="Bee", crime_reference="35/2/26"
    )
    crime = b.referral.crime
    crime.area = "Fenland"
    crime.save(update_fields=["area"])
    services.allocate_case(b, to=caseworker, by=manager, now=local(2026, 11, 12, 12))
    helper = UserFactory(force=force, role="Volunteer", username="vol-wiktor")
    volunteer = Volunteer.objects.create(
        user=helper,
        languages=["Polish", "Arabic"],
        vetted_until=dt.date(2027, 12, 1),
        trained_until=dt.date(2027, 12, 1),
    )
    volunteers.assign_volunteer(
        b, volunteer=volunteer, brief="Visit weekly", by=vcc, now=local(2026, 11, 13)
    )
    for service in (counselling, security):
        plans.refer_onward(
            b, service=service, reason="Needs it", shared=["name"], by=vcc, now=AT_11
        )
    cases["B"] = b

    # C: domestic abuse, reached on the first call, declined.
    c = make_case(
        force,
        now=local(2026, 11, 13, 9),
        family_name="Cee",
        crime_reference="35/3/26",
        domestic_abuse=True,
        dash_risk="standard",
    )
    services.allocate_case(c, to=vcc, by=manager, now=local(2026, 11, 13, 9, 30))
    cases["C"] = _call(c, "declined", by=vcc, at=local(2026, 11, 13, 12))

    # D: three calls unanswered, then the unable-to-contact letter by post.
    d = make_case(
        force, now=local(2026, 11, 16, 9), family_name="Dee", crime_reference="35/4/26", email=""
    )
    services.allocate_case(d, to=caseworker, by=manager, now=local(2026, 11, 16, 9, 30))
    for _ in range(3):
        d = _call(d, "no_answer", by=vcc)
    _send_due(d.attempts.order_by("-recorded_at").first().recorded_at + dt.timedelta(minutes=5))
    cases["D"] = d

    # E: no needs identified: the information email the same day.
    e = make_case(
        force,
        now=local(2026, 11, 17, 9),
        family_name="Eee",
        crime_reference="35/5/26",
        needs_support=False,
        safe_contact=SafeContactInput(email=True),
    )
    _send_due(local(2026, 11, 17, 10))
    cases["E"] = e

    # F: a self-referral nobody has called yet (its first-call deadline has passed).
    cases["F"] = self_referral(force, now=local(2026, 11, 18, 9)).case

    # G: the last minutes of November; H: the first of December; I: October.
    cases["G"] = make_case(
        force, now=local(2026, 11, 30, 23, 30), family_name="Gee", crime_reference="35/7/26"
    )
    cases["H"] = make_case(
        force, now=local(2026, 12, 1, 0, 10), family_name="Aitch", crime_reference="35/8/26"
    )
    cases["I"] = make_case(
        force, now=local(2026, 10, 20), family_name="Eye", crime_reference="35/9/26"
    )

    # Another force's November referral counts for nobody here.
    other = ForceFactory(code="ESSEX", name="Essex Police")
    receive_referral(
        other, referral_input(crime_reference="42/1/26"), now=local(2026, 11, 11), by=None
    )
    # Folded, as beat does every minute (the dashboard's pages read what is folded).
    rollup.refresh()
    return Month(force, manager, vcc, caseworker, cases)


_FOUR = ("health", "coping", "safety", "empowerment")
AT_11 = local(2026, 11, 14, 11)
