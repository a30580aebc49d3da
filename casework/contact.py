"""Contacting the victim: calls recorded and planned, letters that follow, cases closed.

The contact rules of the Victims' Code and the Hub (DOMAIN.md, "Rules with numbers"):
three phone attempts, each planned in a safe window (``casework.contact_plan``); after the
third failure the unable-to-contact letter or email, and 14 days later, without a reply,
closure as no contact. Every step is a state change or an event on the case's timeline,
and every step is written in the transaction of the change that causes it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from casework.contact_plan import MIN_WINDOW, NoContactWindow, contact_windows, plan_attempt
from casework.models import (
    FAILED_OUTCOMES,
    MAX_PHONE_ATTEMPTS,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseState,
    ClosureReason,
    ContactAttempt,
    ContactOutcome,
)
from casework.services import (
    close_case,
    flag_event,
    planned_call,
    record_contact_made,
    record_information_sent,
    record_unable_to_contact,
)
from hub import audit
from hub.audit import AuditAction
from hub.calendar import LONDON, local_date
from hub.errors import CaseChanged, TransitionRefused
from letters.models import Letter, LetterStatus, Purpose
from letters.planning import plan_letter

NO_REPLY_DAYS = 14
CALL_BACK_LENGTH = dt.timedelta(minutes=30)


def record_contact_attempt(
    case: Case,
    *,
    attempt_id: int,
    outcome: str,
    by,
    now: dt.datetime,
    note: str = "",
    call_back_at: dt.datetime | None = None,
) -> ContactAttempt:
    """Record the outcome of the planned call the co-ordinator was shown, and plan what
    follows, in one commit: the next call, the unable-to-contact letter or email, contact
    made, or closure as declined. A second submission of the same call is refused."""
    outcome = ContactOutcome(outcome)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("force").get(pk=case.pk)
        if locked.state != case.state:
            raise CaseChanged(f"{case.reference} was changed by someone else: reload it.")
        if locked.state != CaseState.AWAITING_CONTACT:
            raise TransitionRefused(
                f"A case in {locked.get_state_display().lower()} has no calls to record."
            )
        attempt = locked.attempts.select_for_update().filter(pk=attempt_id, outcome="").first()
        if attempt is None:
            raise TransitionRefused("That call has already been recorded: reload the case.")
        _check_outcome(locked, outcome, call_back_at=call_back_at, now=now)
        _check_timing(locked, attempt, outcome, now=now)
        attempt.outcome = outcome
        attempt.recorded_at = now
        attempt.recorded_by = by
        attempt.note = note
        attempt.save(update_fields=["outcome", "recorded_at", "recorded_by", "note"])
        CaseEvent.objects.create(
            case=locked,
            kind=CaseEventKind.CONTACT_ATTEMPT,
            at=now,
            actor=by,
            reason=f"Call {attempt.number}: {outcome.label}." + (f" {note}" if note else ""),
            detail={"attempt": attempt.pk, "number": attempt.number, "outcome": outcome.value},
        )
        audit.for_case(
            AuditAction.ALTERATION,
            locked,
            by=by,
            fields=["contact_attempt", *(["note"] if note else [])],
            at=now,
        )
        _follow_up(locked, attempt, by=by, now=now, call_back_at=call_back_at)
    case.refresh_from_db()
    return attempt


def _check_outcome(case: Case, outcome, *, call_back_at, now) -> None:
    """Refuse, with the reason, an outcome the victim's safe-contact instructions forbid."""
    if outcome == ContactOutcome.VOICEMAIL_LEFT and not case.may_leave_voicemail:
        raise TransitionRefused(
            "The victim's safe-contact instructions say no voicemail: record “No answer” instead."
        )
    if outcome != ContactOutcome.CALL_BACK:
        if call_back_at is not None:
            raise TransitionRefused("A call-back time goes only with “Call back at a time”.")
        return
    if call_back_at is None:
        raise TransitionRefused("Give the time the victim asked to be called back.")
    if call_back_at.tzinfo is None:
        raise ValueError("naive datetime: the Hub works in aware datetimes only")
    if call_back_at <= now:
        raise TransitionRefused("The call-back time has passed: give a time still to come.")
    if _call_back_window(case, call_back_at) is None:
        raise TransitionRefused(
            "That time is outside the Hub's opening hours or the victim's safe times: "
            "agree another time, or change the safe times first."
        )


def _safe_window_at(case: Case, moment: dt.datetime):
    """The contact window (opening hours and safe times) that ``moment`` falls in."""
    windows = contact_windows(case.force.calendar, local_date(moment), case.safe_times)
    return next((w for w in windows if w.start <= moment < w.end), None)


def _call_back_window(case: Case, at: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The call-back's window: from the time asked for, up to half an hour, never past
    the end of the safe window it falls in; None if less than the shortest window fits."""
    window = _safe_window_at(case, at)
    if window is None:
        return None
    end = min(at + CALL_BACK_LENGTH, window.end)
    return (at, end) if end - at >= MIN_WINDOW else None


def _check_timing(case: Case, attempt: ContactAttempt, outcome, *, now: dt.datetime) -> None:
    """A call that did not reach the victim counts only if it was made when planned: from
    its window's start, and inside the victim's safe times and the Hub's hours. (A call
    that reached the victim is recorded whenever it happened.)"""
    if outcome not in FAILED_OUTCOMES and outcome != ContactOutcome.WRONG_NUMBER:
        return
    if now < attempt.window_start:
        start = timezone.localtime(attempt.window_start, LONDON)
        raise TransitionRefused(
            f"Call {attempt.number} is planned from {start:%H:%M on %A %d %B}: an earlier "
            "call does not count as one of the three."
        )
    if _safe_window_at(case, now) is None:
        raise TransitionRefused(
            "Now is outside the victim's safe times or the Hub's hours: a call now must "
            "not be made, and does not count as one of the three."
        )


def _follow_up(case: Case, attempt: ContactAttempt, *, by, now, call_back_at) -> None:
    outcome = attempt.outcome
    if outcome == ContactOutcome.WANTS_SUPPORT:
        record_contact_made(case, by=by, now=now, reason="Spoke: wants support.")
    elif outcome == ContactOutcome.DECLINED:
        record_contact_made(case, by=by, now=now, reason="Spoke: declined support.")
        close_case(case, reason=ClosureReason.DECLINED, by=by, now=now)
    elif outcome == ContactOutcome.CALL_BACK:
        start, end = _call_back_window(case, call_back_at)
        ContactAttempt.objects.create(
            case=case,
            episode=case.episode,
            number=attempt.number,
            band="call back",
            window_start=start,
            window_end=end,
            call_back=True,
            planned_at=now,
        )
    elif outcome == ContactOutcome.WRONG_NUMBER:
        # Calling the number again is pointless: write instead, and ask a person to check
        # the number with the officer in the case.
        _set_attention(case, "Wrong number: check the victim's number with the officer.", now)
        _plan_unable_to_contact(case, now=now)
    elif outcome in FAILED_OUTCOMES:
        failed = case.attempts.filter(
            episode=case.episode, outcome__in=FAILED_OUTCOMES, call_back=False
        ).count()
        if failed >= MAX_PHONE_ATTEMPTS:
            _plan_unable_to_contact(case, now=now)
        else:
            _plan_next_attempt(case, number=failed + 1, now=now)


def _plan_next_attempt(case: Case, *, number: int, now: dt.datetime) -> None:
    earlier = [
        (band, local_date(start))
        for band, start in case.attempts.filter(episode=case.episode)
        .exclude(outcome="")
        .values_list("band", "window_start")
    ]
    try:
        slot = plan_attempt(
            case.force.calendar, case.safe_times, after=now, deadline=None, earlier=earlier
        )
    except NoContactWindow as exc:
        _set_attention(case, str(exc), now)
        return
    planned_call(case, slot, number=number, now=now).save()


def _plan_unable_to_contact(case: Case, *, now: dt.datetime) -> None:
    # One unable-to-contact letter an episode, whatever is recorded twice.
    plan_letter(
        case, purpose=Purpose.UNABLE_TO_CONTACT, trigger=f"episode-{case.episode}", due_at=now
    )


def _set_attention(case: Case, reason: str, now: dt.datetime) -> None:
    case.attention = reason
    Case.objects.filter(pk=case.pk).update(attention=reason, updated_at=now)
    flag_event(case, reason, now=now).save()


def record_letter_sent(letter: Letter, *, now: dt.datetime) -> None:
    """A letter or email has gone: put it on the timeline and move the case on.

    Runs in the sender's transaction, with the letter's own change to sent.
    """
    case = Case.objects.select_for_update().get(pk=letter.case_id)
    how = "by email" if letter.channel == "email" else "by post"
    reason = f"{letter.get_purpose_display()} sent {how}."
    CaseEvent.objects.create(
        case=case,
        kind=CaseEventKind.LETTER,
        at=now,
        reason=reason,
        detail={"letter": letter.pk, "purpose": letter.purpose, "channel": letter.channel},
    )
    audit.for_case(
        AuditAction.DISCLOSURE,
        case,
        by=None,
        object_type="letter",
        object_id=letter.pk,
        # What a letter discloses of the victim: who they are and where they are reached.
        fields=["name", "case_reference", "email" if letter.channel == "email" else "address"],
        recipient=f"the addressee {how}",
        reason=reason,
        at=now,
    )
    if letter.purpose == Purpose.INFORMATION and case.state == CaseState.NEW:
        record_information_sent(case, now=now, reason=reason)
    elif letter.purpose == Purpose.UNABLE_TO_CONTACT and case.state == CaseState.AWAITING_CONTACT:
        # No more calls are planned once the letter has gone.
        case.attempts.filter(outcome="").delete()
        record_unable_to_contact(case, now=now, reason=reason)
    elif letter.purpose == Purpose.COURT_UPDATE:
        # The deadline to tell the victim is met when no other court result's update is
        # still to go.
        outstanding = Letter.objects.filter(
            case_id=case.pk,
            purpose=Purpose.COURT_UPDATE,
            status__in=[LetterStatus.PLANNED, LetterStatus.SENDING, LetterStatus.FLAGGED],
        ).exclude(pk=letter.pk)
        if not outstanding.exists():
            Case.objects.filter(pk=case.pk, victim_update_due__isnull=False).update(
                victim_update_due=None, updated_at=now
            )


def ask_a_person(case_id: int, reason: str, *, now: dt.datetime) -> None:
    """Put the case in front of a co-ordinator: automatic contact stopped, and why."""
    case = Case.objects.select_for_update().get(pk=case_id)
    _set_attention(case, reason, now)


def close_unanswered_cases(*, now: dt.datetime) -> list[str]:
    """Close as no contact each case whose unable-to-contact letter went 14 days ago
    without a reply; returns their references. Running it again changes nothing."""
    cutoff = now - dt.timedelta(days=NO_REPLY_DAYS)
    due = Case.objects.filter(
        state=CaseState.UNABLE_TO_CONTACT,
        letters__purpose=Purpose.UNABLE_TO_CONTACT,
        letters__status=LetterStatus.SENT,
        letters__sent_at__lte=cutoff,
    ).distinct()
    closed = []
    for case in due.select_related("force").order_by("pk"):
        try:
            close_case(
                case,
                reason=ClosureReason.NO_CONTACT,
                by=None,
                now=now,
                note=f"No reply {NO_REPLY_DAYS} days after the unable-to-contact letter.",
            )
        except CaseChanged:
            continue  # the victim got in touch meanwhile: a person moved the case on
        closed.append(case.reference)
    return closed
