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

from casework.contact_plan import NoContactWindow, contact_windows, plan_attempt
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
    record_contact_made,
    record_information_sent,
    record_unable_to_contact,
)
from hub.calendar import LONDON, local_date
from hub.errors import CaseChanged, TransitionRefused
from letters.models import Letter, LetterStatus, Purpose
from letters.planning import plan_letter

NO_REPLY_DAYS = 14
CALL_BACK_LENGTH = dt.timedelta(minutes=30)


def record_contact_attempt(
    case: Case,
    *,
    outcome: str,
    by,
    now: dt.datetime,
    note: str = "",
    call_back_at: dt.datetime | None = None,
) -> ContactAttempt:
    """Record the planned call's outcome and plan what follows, in one commit: the next
    call, the unable-to-contact letter or email, contact made, or closure as declined."""
    outcome = ContactOutcome(outcome)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("force").get(pk=case.pk)
        if locked.state != case.state:
            raise CaseChanged(f"{case.reference} was changed by someone else: reload it.")
        attempt = locked.attempts.select_for_update().filter(outcome="").first()
        if attempt is None:
            raise TransitionRefused(f"No call is planned for {case.reference}.")
        _check_outcome(locked, outcome, call_back_at=call_back_at, now=now)
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
    fits = any(
        w.start <= call_back_at and call_back_at + dt.timedelta(minutes=15) <= w.end
        for w in contact_windows(case.force.calendar, local_date(call_back_at), case.safe_times)
    )
    if not fits:
        raise TransitionRefused(
            "That time is outside the Hub's opening hours or the victim's safe times: "
            "agree another time, or change the safe times first."
        )


def _follow_up(case: Case, attempt: ContactAttempt, *, by, now, call_back_at) -> None:
    outcome = attempt.outcome
    if outcome == ContactOutcome.WANTS_SUPPORT:
        record_contact_made(case, by=by, now=now, reason="Spoke: wants support.")
    elif outcome == ContactOutcome.DECLINED:
        record_contact_made(case, by=by, now=now, reason="Spoke: declined support.")
        close_case(case, reason=ClosureReason.DECLINED, by=by, now=now)
    elif outcome == ContactOutcome.CALL_BACK:
        start = call_back_at.astimezone(LONDON)
        ContactAttempt.objects.create(
            case=case,
            episode=case.episode,
            number=attempt.number,
            band="call back",
            window_start=start,
            window_end=start + CALL_BACK_LENGTH,
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
    ContactAttempt.objects.create(
        case=case,
        episode=case.episode,
        number=number,
        band=slot.band,
        window_start=slot.start,
        window_end=slot.end,
        planned_at=now,
    )


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
    if letter.purpose == Purpose.INFORMATION and case.state == CaseState.NEW:
        record_information_sent(case, now=now, reason=reason)
    elif letter.purpose == Purpose.UNABLE_TO_CONTACT and case.state == CaseState.AWAITING_CONTACT:
        # No more calls are planned once the letter has gone.
        case.attempts.filter(outcome="").delete()
        record_unable_to_contact(case, now=now, reason=reason)
    elif letter.purpose == Purpose.COURT_UPDATE:
        Case.objects.filter(pk=case.pk, victim_update_due__isnull=False).update(
            victim_update_due=None, updated_at=now
        )


def flag_letter(letter: Letter, reason: str, *, now: dt.datetime) -> None:
    """Stop a letter that cannot go safely and put the case in front of a co-ordinator."""
    with transaction.atomic():
        updated = Letter.objects.filter(pk=letter.pk, status=LetterStatus.SENDING).update(
            status=LetterStatus.FLAGGED, last_error=reason, updated_at=now
        )
        if updated:
            case = Case.objects.select_for_update().get(pk=letter.case_id)
            _set_attention(case, f"{letter.get_purpose_display()}: {reason}", now)


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
