"""The DVNA as a guided conversation: a step per need, the outcomes first, saved as it
goes and resumable, on the timeline; and the outcomes scored again at closure.

Personas: Alice, the VCC responsible (``vcc``); Bob, her teammate; an outsider of
another force; a volunteer.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from assessments import services
from assessments.dvna import STEP_SLUGS
from assessments.models import Dvna, DvnaNeed, OutcomeScores
from casework import services as casework
from casework.models import Case, CaseEvent, CaseEventKind, CaseState, NeedCategory
from hub.errors import AssessmentRefused, TransitionRefused
from hub.models import AuditEvent
from tests.conftest import as_user
from tests.factories import ALL_FOURS, ForceFactory, UserFactory, assessed_case, make_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def in_assessment(force, vcc) -> Case:
    case = make_case(force, now=timezone.now() - dt.timedelta(hours=1))
    Case.objects.filter(pk=case.pk).update(responsible=vcc)
    case = casework.record_contact_made(case, by=vcc, now=timezone.now())
    return casework.start_assessment(case, by=vcc, now=timezone.now())


SCORES = {"health": "2", "coping": "3", "safety": "1", "empowerment": "2"}


def test_the_conversation_starts_with_the_outcomes_then_goes_need_by_need(force, vcc):
    # Given a case in assessment
    case = in_assessment(force, vcc)
    browser = as_user(vcc)
    # When Alice starts the DVNA
    response = browser.post(f"/cases/{case.reference}/dvna/start/")
    # Then she is on the first step, the four outcomes
    assert response.url == f"/cases/{case.reference}/dvna/outcomes/"
    page = browser.get(response.url).content.decode()
    assert "Step 1 of 13" in page.replace("step", "Step")
    assert "Feeling safe" in page
    # And scoring them takes her to the first need
    response = browser.post(response.url, SCORES)
    assert response.url == f"/cases/{case.reference}/dvna/health/"
    scores = OutcomeScores.objects.get(case=case, stage="start")
    assert (scores.health, scores.coping, scores.safety, scores.empowerment) == (2, 3, 1, 2)
    # And each need saved goes on to the next
    response = browser.post(response.url, {"level": "medium", "notes": "Not sleeping."})
    assert response.url == f"/cases/{case.reference}/dvna/outlook/"
    need = DvnaNeed.objects.get(dvna__case=case, category="health")
    assert (need.level, need.notes, need.recorded_by) == ("medium", "Not sleeping.", vcc)
    # And the timeline says it started, the outcomes were scored
    kinds = list(case.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [CaseEventKind.ASSESSMENT, CaseEventKind.OUTCOMES]


def test_a_stopped_conversation_resumes_at_the_first_step_not_answered(force, vcc, teammate):
    # Given Alice answered the outcomes and the first two needs, then stopped
    case = in_assessment(force, vcc)
    dvna = services.open_dvna(case, by=vcc, now=timezone.now())
    services.record_outcome_scores(case, stage="start", scores=ALL_FOURS, by=vcc, now=NOW)
    for category in ("health", "outlook"):
        services.record_need(dvna, category=category, level="low", notes="", by=vcc, now=NOW)
    # When Bob carries on from the case
    response = as_user(teammate).post(f"/cases/{case.reference}/dvna/start/")
    # Then it is the same DVNA, at the third need
    assert response.url == f"/cases/{case.reference}/dvna/social/"
    assert Dvna.objects.filter(case=case).count() == 1
    # And the overview shows what is answered and what is not
    page = as_user(teammate).get(f"/cases/{case.reference}/dvna/").content.decode()
    assert page.count("Answered") == 3
    assert page.count("To do") == 10


def test_completing_with_steps_unanswered_is_refused_and_names_them(force, vcc):
    # Given a DVNA with only the outcomes answered
    case = in_assessment(force, vcc)
    dvna = services.open_dvna(case, by=vcc, now=NOW)
    services.record_outcome_scores(case, stage="start", scores=ALL_FOURS, by=vcc, now=NOW)
    # When Alice tries to complete it
    response = as_user(vcc).post(f"/cases/{case.reference}/dvna/complete/", follow=True)
    # Then she is told what is missing, and nothing changed
    assert "Still to answer: mental and physical health" in response.content.decode()
    dvna.refresh_from_db()
    assert dvna.completed_at is None
    with pytest.raises(TransitionRefused, match="requires a completed DVNA"):
        casework.start_support(case, by=vcc, now=NOW)


def test_completing_the_dvna_lists_the_needs_on_the_timeline_and_opens_support(force, vcc):
    # Given every step answered
    case = in_assessment(force, vcc)
    dvna = services.open_dvna(case, by=vcc, now=NOW)
    services.record_outcome_scores(case, stage="start", scores=ALL_FOURS, by=vcc, now=NOW)
    for category in NeedCategory.values:
        level = "high" if category == "safety" else "none"
        services.record_need(dvna, category=category, level=level, notes="", by=vcc, now=NOW)
    # When Alice completes it
    response = as_user(vcc).post(f"/cases/{case.reference}/dvna/complete/")
    # Then it is complete and the timeline names the need found
    assert response.status_code == 302
    dvna.refresh_from_db()
    assert dvna.completed_by == vcc
    event = case.events.filter(kind=CaseEventKind.ASSESSMENT).latest("id")
    assert event.reason == (
        "Needs assessment complete. Needs: Personal safety and home security (high)."
    )
    # And support can start
    case.refresh_from_db()
    assert casework.start_support(case, by=vcc, now=NOW).state == CaseState.SUPPORT


def test_a_bad_answer_is_shown_with_the_error_and_saves_nothing(force, vcc):
    case = in_assessment(force, vcc)
    browser = as_user(vcc)
    browser.post(f"/cases/{case.reference}/dvna/start/")
    # When Alice saves a need without its level, and the outcomes with a score of 7
    need = browser.post(f"/cases/{case.reference}/dvna/finance/", {"notes": "Lost wages."})
    scores = browser.post(f"/cases/{case.reference}/dvna/outcomes/", {**SCORES, "safety": "7"})
    # Then the pages say what is wrong, and nothing is stored
    assert need.status_code == 200
    assert "Choose the level of need" in need.content.decode()
    assert "govuk-error-summary" in scores.content.decode()
    assert not DvnaNeed.objects.exists()
    assert not OutcomeScores.objects.exists()


def test_outcomes_at_assessment_are_fixed_once_the_dvna_is_complete(force, vcc):
    case = assessed_case(force, vcc, now=NOW)
    with pytest.raises(AssessmentRefused, match="fixed"):
        services.record_outcome_scores(case, stage="start", scores=ALL_FOURS, by=vcc, now=NOW)


def test_a_re_assessment_in_support_is_a_new_dvna(force, vcc):
    # Given a supported victim whose circumstances changed
    case = assessed_case(force, vcc, now=NOW)
    case = casework.start_support(case, by=vcc, now=NOW)
    # When Alice starts a re-assessment
    response = as_user(vcc).post(f"/cases/{case.reference}/dvna/start/")
    # Then a second DVNA is open, starting at the first need (the outcomes stay fixed)
    assert response.url == f"/cases/{case.reference}/dvna/health/"
    assert Dvna.objects.filter(case=case).count() == 2


def test_the_dvna_cannot_start_before_the_victim_wants_support(force, vcc):
    case = make_case(force, now=NOW - dt.timedelta(hours=1))
    response = as_user(vcc).post(f"/cases/{case.reference}/dvna/start/", follow=True)
    assert "start the assessment first" in response.content.decode()
    assert not Dvna.objects.exists()


def test_two_coordinators_opening_at_once_share_one_dvna(force, vcc, teammate):
    case = in_assessment(force, vcc)
    first = services.open_dvna(case, by=vcc, now=NOW)
    second = services.open_dvna(case, by=teammate, now=NOW)
    assert first.pk == second.pk


def test_viewing_the_dvna_is_a_consultation_on_the_audit_log(force, vcc):
    case = in_assessment(force, vcc)
    services.open_dvna(case, by=vcc, now=NOW)
    as_user(vcc).get(f"/cases/{case.reference}/dvna/")
    row = AuditEvent.objects.filter(object_type="dvna", action="consultation").get()
    assert (row.actor, row.case_id, row.fields) == (vcc, case.pk, ["dvna"])


def test_outsiders_and_volunteers_get_404(force, vcc):
    case = in_assessment(force, vcc)
    services.open_dvna(case, by=vcc, now=NOW)
    outsider = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="VCC")
    volunteer = UserFactory(force=force, role="Volunteer")
    for user in (outsider, volunteer):
        browser = as_user(user)
        assert browser.get(f"/cases/{case.reference}/dvna/").status_code == 404
        assert browser.get(f"/cases/{case.reference}/dvna/health/").status_code == 404
        assert (
            browser.post(f"/cases/{case.reference}/dvna/health/", {"level": "low"}).status_code
            == 404
        )
    assert not DvnaNeed.objects.exists()


def test_an_unknown_step_is_404(force, vcc):
    case = in_assessment(force, vcc)
    services.open_dvna(case, by=vcc, now=NOW)
    assert as_user(vcc).get(f"/cases/{case.reference}/dvna/astrology/").status_code == 404


def test_the_pages_query_counts_are_pinned(force, vcc, django_assert_max_num_queries):
    case = assessed_case(force, vcc, now=NOW)
    browser = as_user(vcc)
    browser.get(f"/cases/{case.reference}/dvna/")  # warm the session
    with django_assert_max_num_queries(12):
        assert browser.get(f"/cases/{case.reference}/dvna/").status_code == 200
    case = casework.start_support(case, by=vcc, now=NOW)
    services.open_dvna(case, by=vcc, now=NOW)
    for slug in STEP_SLUGS[:2]:
        with django_assert_max_num_queries(12):
            assert browser.get(f"/cases/{case.reference}/dvna/{slug}/").status_code == 200


# Outcomes at closure.


def test_outcomes_at_closure_are_scored_once_closure_has_begun(force, vcc):
    # Given a supported case
    case = assessed_case(force, vcc, now=NOW)
    case = casework.start_support(case, by=vcc, now=NOW)
    browser = as_user(vcc)
    # When Alice scores the outcomes at closure before closure has begun
    early = browser.post(f"/cases/{case.reference}/outcomes/closing/", SCORES)
    # Then she is told, and nothing is stored
    assert "once closure has begun" in early.content.decode()
    assert not OutcomeScores.objects.filter(stage="close").exists()
    # When closure begins, the page shows what they scored at assessment and takes them
    case = casework.begin_closure(case, by=vcc, now=NOW)
    page = browser.get(f"/cases/{case.reference}/outcomes/closing/").content.decode()
    assert "feeling safe 4" in page
    response = browser.post(f"/cases/{case.reference}/outcomes/closing/", SCORES)
    assert response.status_code == 302
    # Then the case can close as support complete
    case.refresh_from_db()
    assert "support_complete" in case.allowed_closure_reasons()
    event = CaseEvent.objects.filter(case=case, kind=CaseEventKind.OUTCOMES).latest("id")
    assert event.reason == "Outcomes at closure: health 2, coping 3, safety 1, empowerment 2."
