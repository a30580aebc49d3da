"""The case state machine: every transition, every forbidden one, guards, log and races."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django_fsm import can_proceed

from assessments.models import Dvna, OutcomeScores
from casework import services
from casework.models import Case, CaseEvent, CaseEventKind, CaseState, ClosureReason
from hub.errors import CaseChanged, TransitionRefused
from tests.factories import local, make_case

NOW = local(2026, 11, 24, 11)
OPEN = [s.value for s in CaseState if s != CaseState.CLOSED]

# What the design allows, written out by hand rather than read from the code under test.
ALLOWED_FROM = {
    "await_contact": {"new"},
    "send_information": {"new"},
    "make_contact": {"awaiting_contact", "unable_to_contact", "information_sent"},
    "mark_unable_to_contact": {"awaiting_contact"},
    "start_assessment": {"in_contact"},
    "start_support": {"assessment"},
    "begin_closure": {"in_contact", "assessment", "support"},
    "close": set(OPEN),
    "reopen": {"closed"},
}
TARGET = {
    "await_contact": "awaiting_contact",
    "send_information": "information_sent",
    "make_contact": "in_contact",
    "mark_unable_to_contact": "unable_to_contact",
    "start_assessment": "assessment",
    "start_support": "support",
    "begin_closure": "closing",
    "close": "closed",
    "reopen": "assessment",
}


def complete_dvna(case, by):
    Dvna.objects.create(case=case, started_at=NOW, started_by=by, completed_at=NOW, completed_by=by)


def score(case, stage, by, **scores):
    values = scores or {"health": 2, "coping": 2, "safety": 3, "empowerment": 2}
    OutcomeScores.objects.create(case=case, stage=stage, recorded_at=NOW, recorded_by=by, **values)


def case_in(state: str, force, by) -> Case:
    """A case brought to ``state`` through the services, with what each guard needs."""
    needs = state not in ("new", "information_sent")
    case = make_case(force, needs_support=needs, crime_reference=f"35/{state}/26")
    path = {
        "new": [],
        "awaiting_contact": [],
        "information_sent": [lambda c: services.record_information_sent(c, now=NOW)],
        "unable_to_contact": [lambda c: services.record_unable_to_contact(c, now=NOW)],
        "in_contact": [lambda c: services.record_contact_made(c, by=by, now=NOW)],
    }
    to_assessment = [*path["in_contact"], lambda c: services.start_assessment(c, by=by, now=NOW)]
    path["assessment"] = to_assessment
    path["support"] = [
        *to_assessment,
        lambda c: (score(c, "start", by), complete_dvna(c, by)),
        lambda c: services.start_support(c, by=by, now=NOW),
    ]
    path["closing"] = [*path["support"], lambda c: services.begin_closure(c, by=by, now=NOW)]
    path["closed"] = [lambda c: services.close_case(c, reason="declined", by=by, now=NOW)]
    for step in path[state]:
        step(case)
    assert case.state == state
    return case


def call(name: str, case: Case, by):
    """Attempt a transition through the one service that owns it."""
    if name == "await_contact":
        # Only intake moves a case out of new into awaiting contact; exercise the same path.
        return services._change_state(case, lambda c: c.await_contact(), by=by, now=NOW, name=name)
    calls = {
        "send_information": lambda: services.record_information_sent(case, by=by, now=NOW),
        "make_contact": lambda: services.record_contact_made(case, by=by, now=NOW),
        "mark_unable_to_contact": lambda: services.record_unable_to_contact(case, by=by, now=NOW),
        "start_assessment": lambda: services.start_assessment(case, by=by, now=NOW),
        "start_support": lambda: services.start_support(case, by=by, now=NOW),
        "begin_closure": lambda: services.begin_closure(case, by=by, now=NOW),
        "close": lambda: services.close_case(case, reason="other", by=by, now=NOW),
        "reopen": lambda: services.reopen_case(case, by=by, now=NOW, reason="New needs"),
    }
    return calls[name]()


def test_the_machine_has_exactly_the_designed_transitions():
    field = Case._meta.get_field("state")
    found: dict[str, set[str]] = {}
    for t in field.get_all_transitions(Case):
        found.setdefault(t.name, set()).add(t.source)
        assert t.target == TARGET[t.name]
    assert found == ALLOWED_FROM


def meet_guard(name: str, case: Case, by) -> None:
    """Give the case what the transition's guard needs, where the design has one."""
    if name == "begin_closure" and case.state in ("in_contact", "assessment"):
        score(case, "close", by, empowerment=4)
    if name == "start_support":
        complete_dvna(case, by)


@pytest.mark.parametrize("state", [s.value for s in CaseState])
@pytest.mark.parametrize("name", sorted(ALLOWED_FROM))
def test_every_transition_from_every_state(state, name, force, vcc):
    case = case_in(state, force, vcc)
    events_before = CaseEvent.objects.filter(case=case).count()
    # Closing from support or closing needs more than a reason of "other" (tested below),
    # and only intake moves a case with needs out of new, so a new case here has none.
    allowed = state in ALLOWED_FROM[name] and (name, state) not in {
        ("close", "support"),
        ("close", "closing"),
        ("await_contact", "new"),
    }
    if allowed:
        meet_guard(name, case, vcc)
        call(name, case, vcc)
        case.refresh_from_db()
        assert case.state == TARGET[name]
        event = CaseEvent.objects.filter(case=case).latest("id")
        assert (event.kind, event.from_state, event.to_state) == ("transition", state, TARGET[name])
        assert event.actor == vcc
        assert event.at == NOW
    else:
        with pytest.raises(TransitionRefused):
            call(name, case, vcc)
        case.refresh_from_db()
        assert case.state == state
        assert CaseEvent.objects.filter(case=case).count() == events_before


def test_intake_moves_a_case_with_needs_to_awaiting_contact_and_logs_it(force):
    case = make_case(force)
    assert case.state == CaseState.AWAITING_CONTACT
    kinds = list(case.events.values_list("kind", "from_state", "to_state"))
    assert kinds == [
        (CaseEventKind.REFERRAL_RECEIVED, "", ""),
        (CaseEventKind.TRIAGED, "", ""),
        (CaseEventKind.TRANSITION, "new", "awaiting_contact"),
    ]


def test_a_case_with_no_needs_stays_new_until_the_information_is_sent(force):
    case = make_case(force, needs_support=False)
    assert case.state == CaseState.NEW
    assert case.information_due is not None
    assert case.first_contact_due is None


def test_support_needs_a_completed_dvna(force, vcc):
    case = case_in("assessment", force, vcc)
    Dvna.objects.create(case=case, started_at=NOW, started_by=vcc)
    with pytest.raises(TransitionRefused, match="a completed DVNA"):
        services.start_support(case, by=vcc, now=NOW)
    complete_dvna(case, vcc)
    services.start_support(case, by=vcc, now=NOW)
    assert case.state == CaseState.SUPPORT
    assert case.support_started_at == NOW


def test_single_call_closing_needs_the_better_informed_outcome(force, vcc):
    case = case_in("in_contact", force, vcc)
    with pytest.raises(TransitionRefused, match="better informed"):
        services.begin_closure(case, by=vcc, now=NOW)
    score(case, "close", vcc, empowerment=4)
    services.begin_closure(case, by=vcc, now=NOW)
    assert ClosureReason.SINGLE_CONTACT_SUPPORT in case.allowed_closure_reasons()
    services.close_case(case, reason="single_contact_support", by=vcc, now=NOW)
    assert case.state == CaseState.CLOSED
    assert case.closure_reason == "single_contact_support"


def test_closing_after_support_needs_both_sets_of_outcome_scores(force, vcc):
    case = case_in("closing", force, vcc)
    with pytest.raises(TransitionRefused, match="cannot close"):
        services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    score(case, "close", vcc, health=4, coping=4, safety=4)  # empowerment missing
    with pytest.raises(TransitionRefused):
        services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    OutcomeScores.objects.filter(case=case, stage="close").update(empowerment=5)
    services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    case.refresh_from_db()
    assert (case.state, case.closure_reason, case.closed_at) == ("closed", "support_complete", NOW)


def test_a_case_in_support_closes_directly_only_on_death(force, vcc):
    case = case_in("support", force, vcc)
    with pytest.raises(TransitionRefused, match="allowed now: deceased"):
        services.close_case(case, reason="declined", by=vcc, now=NOW)
    services.close_case(case, reason="deceased", by=vcc, now=NOW)
    assert case.state == CaseState.CLOSED


@pytest.mark.parametrize(
    ("state", "reason", "allowed"),
    [
        ("unable_to_contact", "no_contact", True),
        ("awaiting_contact", "no_contact", False),
        ("information_sent", "information_only", True),
        ("in_contact", "information_only", False),
        ("in_contact", "support_complete", False),
        ("in_contact", "single_contact_support", False),
        ("new", "duplicate", True),
        ("awaiting_contact", "returned_to_police", True),
        ("assessment", "moved_away", True),
        ("in_contact", "not-a-reason", False),
    ],
)
def test_closure_reasons_depend_on_where_the_case_stands(state, reason, allowed, force, vcc):
    case = case_in(state, force, vcc)
    if allowed:
        services.close_case(case, reason=reason, by=vcc, now=NOW)
        assert case.closure_reason == reason
    else:
        with pytest.raises(TransitionRefused):
            services.close_case(case, reason=reason, by=vcc, now=NOW)
        case.refresh_from_db()
        assert case.state == state
        assert case.closure_reason == ""


def test_a_reopened_case_goes_back_to_assessment_with_the_reason_logged(force, vcc):
    case = case_in("closed", force, vcc)
    with pytest.raises(TransitionRefused, match="why"):
        services.reopen_case(case, by=vcc, now=NOW, reason="  ")
    later = NOW + dt.timedelta(days=30)
    services.reopen_case(case, by=vcc, now=later, reason="Victim called: new harassment")
    case.refresh_from_db()
    assert (case.state, case.closure_reason, case.closed_at) == ("assessment", "", None)
    event = case.events.latest("id")
    assert (event.from_state, event.to_state, event.reason) == (
        "closed",
        "assessment",
        "Victim called: new harassment",
    )


def test_state_cannot_be_assigned_directly(force):
    case = make_case(force)
    with pytest.raises(AttributeError):
        case.state = CaseState.CLOSED


def test_a_stale_copy_of_the_case_cannot_overwrite_a_newer_change(force, vcc, teammate):
    # given two members of staff with the same case open
    case = make_case(force)
    alice_copy = Case.objects.get(pk=case.pk)
    bob_copy = Case.objects.get(pk=case.pk)
    # when Alice records contact, then Bob (still seeing "awaiting contact") closes it
    services.record_contact_made(alice_copy, by=vcc, now=NOW)
    with pytest.raises(CaseChanged, match="changed by someone else"):
        services.close_case(bob_copy, reason="declined", by=teammate, now=NOW)
    # then Alice's change stands and only it is logged
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_CONTACT
    assert case.events.filter(kind="transition").count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_transitions_on_one_case_let_exactly_one_win(force, vcc, teammate):
    case = make_case(force)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user, action):
        copy = Case.objects.get(pk=case.pk)
        barrier.wait()
        try:
            action(copy, user)
            outcomes.append("ok")
        except (CaseChanged, TransitionRefused):
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=attempt,
            args=(vcc, lambda c, u: services.record_contact_made(c, by=u, now=NOW)),
        ),
        threading.Thread(
            target=attempt,
            args=(teammate, lambda c, u: services.close_case(c, reason="declined", by=u, now=NOW)),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 2


def test_can_proceed_reflects_guards_for_the_pages(force, vcc):
    case = case_in("assessment", force, vcc)
    assert not can_proceed(case.start_support)
    complete_dvna(case, vcc)
    assert can_proceed(case.start_support)


def test_a_reopened_case_is_assessed_and_scored_afresh(force, vcc):
    # given a case supported, scored twice and closed
    case = case_in("closing", force, vcc)
    score(case, "close", vcc)
    services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    # when it is reopened
    services.reopen_case(case, by=vcc, now=NOW, reason="New incident")
    assert case.episode == 2
    assert case.support_started_at is None
    # then the old DVNA does not open support again, nor do the old scores close it
    with pytest.raises(TransitionRefused, match="a completed DVNA"):
        services.start_support(case, by=vcc, now=NOW)
    Dvna.objects.create(case=case, episode=2, started_at=NOW, completed_at=NOW)
    services.start_support(case, by=vcc, now=NOW)
    services.begin_closure(case, by=vcc, now=NOW)
    assert case.allowed_closure_reasons() == []
    for stage in ("start", "close"):
        OutcomeScores.objects.create(
            case=case,
            episode=2,
            stage=stage,
            recorded_at=NOW,
            health=3,
            coping=3,
            safety=3,
            empowerment=4,
        )
    services.close_case(case, reason="support_complete", by=vcc, now=NOW)
    assert case.state == CaseState.CLOSED


def test_the_database_refuses_an_open_case_with_a_closing_date(force):
    from django.db import IntegrityError, transaction

    case = make_case(force)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(closed_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(state="closed")
