"""Recording calls and what follows them: the next call, the letter, contact, closure."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.contact import close_unanswered_cases, record_contact_attempt
from casework.models import CaseEvent, CaseState, ContactAttempt
from hub.errors import TransitionRefused
from letters.models import Letter, LetterStatus, Purpose
from referrals.inputs import SafeContactInput
from tests.factories import local, make_case

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 10:00 in London: an ordinary working morning.
OPENED = local(2026, 11, 23, 10)


def planned(case) -> ContactAttempt:
    return case.attempts.get(outcome="")


def fail(case, vcc, *, outcome="no_answer"):
    """Record the planned call as failed, at the start of its window."""
    attempt = planned(case)
    return record_contact_attempt(
        case,
        attempt_id=attempt.pk,
        outcome=outcome,
        by=vcc,
        now=attempt.window_start + dt.timedelta(minutes=5),
    )


def test_a_case_with_needs_opens_with_its_first_call_planned_by_the_deadline(force):
    # given a referral with needs (priority 3: five working days)
    case = make_case(force, now=OPENED)
    # then the first call is planned, in the Hub's hours, before the deadline
    attempt = planned(case)
    assert case.state == CaseState.AWAITING_CONTACT
    assert attempt.number == 1
    assert OPENED <= attempt.window_start < attempt.window_end <= case.first_contact_due
    assert not attempt.late
    assert not Letter.objects.filter(case=case).exists()


def test_a_case_without_needs_opens_with_its_information_letter_planned(force):
    # given a referral with no needs identified
    case = make_case(force, now=OPENED, needs_support=False)
    # then no call is planned, and the information letter is due at once
    assert case.state == CaseState.NEW
    assert not case.attempts.exists()
    letter = Letter.objects.get(case=case)
    assert (letter.purpose, letter.trigger, letter.status) == ("information", "referral", "planned")
    assert letter.due_at == OPENED


def test_a_failed_call_plans_the_next_one_in_another_band(force, vcc):
    # given a case whose first call is planned
    case = make_case(force, now=OPENED)
    first = planned(case)
    # when the call goes unanswered
    fail(case, vcc)
    # then the second call is planned later, in a different band, and the call is on the timeline
    second = planned(case)
    assert second.number == 2
    assert second.band != first.band or second.window_start.date() != first.window_start.date()
    assert second.window_start >= first.window_start + dt.timedelta(hours=2)
    event = CaseEvent.objects.filter(case=case, kind="contact_attempt").get()
    assert event.actor == vcc
    assert "No answer" in event.reason


def test_the_third_failed_call_plans_the_unable_to_contact_letter_once(force, vcc):
    # given a case with two failed calls
    case = make_case(force, now=OPENED)
    fail(case, vcc)
    fail(case, vcc, outcome="voicemail_left")
    # when the third call fails too
    fail(case, vcc, outcome="unsafe_to_talk")
    # then no fourth call is planned and the unable-to-contact letter is due
    assert not case.attempts.filter(outcome="").exists()
    letter = Letter.objects.get(case=case)
    assert letter.purpose == Purpose.UNABLE_TO_CONTACT
    assert letter.trigger == "episode-1"
    # and the case waits for the letter to go before it changes state
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_CONTACT


def test_recording_a_call_twice_is_refused_and_changes_nothing(force, vcc):
    case = make_case(force, now=OPENED)
    for _ in range(3):
        fail(case, vcc)
    events = CaseEvent.objects.filter(case=case).count()
    last = case.attempts.order_by("-recorded_at").first()
    with pytest.raises(TransitionRefused, match="already been recorded"):
        record_contact_attempt(case, attempt_id=last.pk, outcome="no_answer", by=vcc, now=OPENED)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Letter.objects.filter(case=case).count() == 1


def test_spoke_and_wants_support_moves_the_case_into_contact(force, vcc):
    case = make_case(force, now=OPENED)
    record_contact_attempt(
        case, attempt_id=planned(case).pk, outcome="wants_support", by=vcc, now=OPENED
    )
    case.refresh_from_db()
    assert case.state == CaseState.IN_CONTACT
    assert case.first_contact_at == OPENED
    assert not case.attempts.filter(outcome="").exists()


def test_spoke_and_declined_closes_the_case_as_declined(force, vcc):
    case = make_case(force, now=OPENED)
    record_contact_attempt(
        case, attempt_id=planned(case).pk, outcome="declined", by=vcc, now=OPENED
    )
    case.refresh_from_db()
    assert (case.state, case.closure_reason) == (CaseState.CLOSED, "declined")
    assert case.first_contact_at == OPENED


def test_a_voicemail_is_refused_where_the_victim_said_no_voicemail(force, vcc):
    # given a victim who said no voicemail
    case = make_case(force, now=OPENED, safe_contact=SafeContactInput(voicemail=False))
    # when a co-ordinator records a voicemail left, it is refused with the reason
    with pytest.raises(TransitionRefused, match="no voicemail"):
        record_contact_attempt(
            case, attempt_id=planned(case).pk, outcome="voicemail_left", by=vcc, now=OPENED
        )
    # and nothing changed
    assert planned(case).number == 1
    assert not CaseEvent.objects.filter(case=case, kind="contact_attempt").exists()


def test_a_call_back_is_planned_at_the_time_asked_without_counting_as_a_failure(force, vcc):
    case = make_case(force, now=OPENED)
    # when the victim asks to be called back tomorrow at 18:30
    back = local(2026, 11, 24, 18, 30)
    record_contact_attempt(
        case,
        attempt_id=planned(case).pk,
        outcome="call_back",
        by=vcc,
        now=OPENED,
        call_back_at=back,
    )
    # then the next call is at that time, still the first of three
    attempt = planned(case)
    assert (attempt.window_start, attempt.number, attempt.call_back) == (back, 1, True)


def test_a_call_back_outside_the_safe_times_is_refused(force, vcc):
    # given a victim safe to call only on weekday mornings
    safe = SafeContactInput(safe_times=({"days": "mon-fri", "from": "09:00", "to": "12:00"},))
    case = make_case(force, now=OPENED, safe_contact=safe)
    # when a call back is asked for at 18:30, it is refused
    with pytest.raises(TransitionRefused, match="safe times"):
        record_contact_attempt(
            case,
            attempt_id=planned(case).pk,
            outcome="call_back",
            by=vcc,
            now=OPENED,
            call_back_at=local(2026, 11, 24, 18, 30),
        )


def test_a_wrong_number_stops_the_calls_and_plans_the_letter(force, vcc):
    case = make_case(force, now=OPENED)
    fail(case, vcc, outcome="wrong_number")
    case.refresh_from_db()
    assert not case.attempts.filter(outcome="").exists()
    assert Letter.objects.get(case=case).purpose == Purpose.UNABLE_TO_CONTACT
    assert "Wrong number" in case.attention


def test_safe_times_that_never_meet_the_hours_flag_the_case_to_a_person(force):
    # given a victim safe to call only on Sundays, when the Hub is closed
    safe = SafeContactInput(safe_times=({"days": "sun", "from": "10:00", "to": "12:00"},))
    case = make_case(force, now=OPENED, safe_contact=safe)
    # then no call is planned and the case says why a person must act
    assert not case.attempts.exists()
    assert case.attention
    assert CaseEvent.objects.filter(case=case, kind="flagged").exists()


def test_unanswered_cases_close_fourteen_days_after_the_letter_and_only_once(force, vcc):
    # given a case whose unable-to-contact letter went on 30 November
    case = make_case(force, now=OPENED)
    for _ in range(3):
        fail(case, vcc)
    sent = local(2026, 11, 30, 11)
    Letter.objects.filter(case=case).update(status=LetterStatus.SENT, sent_at=sent, channel="email")
    case.refresh_from_db()
    from casework.services import record_unable_to_contact

    record_unable_to_contact(case, now=sent)
    # when the sweep runs 13 days later nothing happens; at 14 days the case closes
    assert close_unanswered_cases(now=sent + dt.timedelta(days=13)) == []
    assert close_unanswered_cases(now=sent + dt.timedelta(days=14)) == [case.reference]
    case.refresh_from_db()
    assert (case.state, case.closure_reason) == (CaseState.CLOSED, "no_contact")
    # and running it again changes nothing
    assert close_unanswered_cases(now=sent + dt.timedelta(days=15)) == []


def test_over_christmas_the_first_call_waits_for_the_hub_to_reopen(force):
    # given a referral at 19:50 on Christmas Eve 2026: ten minutes before closing, then
    # Christmas Day, Boxing Day (a Saturday, a bank holiday), Sunday, and Monday 28th
    # (the substitute Boxing Day bank holiday)
    case = make_case(force, now=local(2026, 12, 24, 19, 50), enhanced=["vulnerable"])
    # then the first call is planned for Tuesday 29 December at opening time
    attempt = planned(case)
    assert attempt.window_start == local(2026, 12, 29, 8)
    assert attempt.window_start < case.first_contact_due


def test_calls_keep_their_local_hours_across_the_october_clock_change(force, vcc):
    # given a referral late on Friday 23 October 2026, the weekend the clocks go back
    case = make_case(force, now=local(2026, 10, 23, 19, 50))
    first = planned(case)
    # the first call is Saturday morning, 09:00 London time (08:00 UTC, summer time)
    assert first.window_start == local(2026, 10, 24, 9)
    assert first.window_start.astimezone(dt.UTC).hour == 8
    # when it goes unanswered, the next is in another band: Monday's morning, 08:00 London
    # time, which after the change is 08:00 UTC
    record_contact_attempt(
        case,
        attempt_id=planned(case).pk,
        outcome="no_answer",
        by=vcc,
        now=local(2026, 10, 24, 9, 5),
    )
    second = planned(case)
    assert second.band == "morning"
    assert second.window_start == local(2026, 10, 26, 8)
    assert second.window_start.astimezone(dt.UTC).hour == 8


def test_a_failed_call_counts_only_from_its_window_and_inside_the_safe_times(force, vcc):
    safe = SafeContactInput(safe_times=({"days": "mon-fri", "from": "09:00", "to": "12:00"},))
    case = make_case(force, now=OPENED, safe_contact=safe)
    fail(case, vcc)
    second = planned(case)
    # a "no answer" before the second call's window is refused: the three calls are spread
    with pytest.raises(TransitionRefused, match="is planned from"):
        record_contact_attempt(
            case,
            attempt_id=second.pk,
            outcome="no_answer",
            by=vcc,
            now=second.window_start - dt.timedelta(minutes=30),
        )
    # and one outside the victim's safe times (the afternoon of its day) too
    with pytest.raises(TransitionRefused, match="outside the victim's safe times"):
        record_contact_attempt(
            case,
            attempt_id=second.pk,
            outcome="no_answer",
            by=vcc,
            now=second.window_start.replace(hour=14),
        )
    assert planned(case).pk == second.pk


def test_a_call_back_window_ends_with_the_safe_time(force, vcc):
    safe = SafeContactInput(safe_times=({"days": "mon-fri", "from": "09:00", "to": "12:00"},))
    case = make_case(force, now=OPENED, safe_contact=safe)
    # a call-back asked for at 11:45 is planned 11:45 to 12:00, not past the safe time
    record_contact_attempt(
        case,
        attempt_id=planned(case).pk,
        outcome="call_back",
        by=vcc,
        now=OPENED,
        call_back_at=local(2026, 11, 24, 11, 45),
    )
    back = planned(case)
    assert (back.window_start, back.window_end) == (
        local(2026, 11, 24, 11, 45),
        local(2026, 11, 24, 12),
    )


def test_closing_a_case_drops_its_planned_call_and_takes_no_more(force, vcc):
    from casework.services import close_case

    case = make_case(force, now=OPENED)
    attempt = planned(case)
    close_case(case, reason="returned_to_police", by=vcc, now=OPENED)
    assert not case.attempts.exists()
    with pytest.raises(TransitionRefused, match="no calls to record"):
        record_contact_attempt(case, attempt_id=attempt.pk, outcome="no_answer", by=vcc, now=OPENED)
