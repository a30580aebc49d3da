"""Sending planned letters and emails, exactly once per (case, purpose, trigger).

The broker only rings the doorbell; the ``Letter`` row is the record. A worker claims a
due row with a conditional update (status and claim time), so a second delivery of the
same task finds nothing to do; a worker killed mid-letter leaves the row claimed, and
once the lease has passed the sweep re-drives it. A postal letter is "sent" when its PDF
is stored for the day's print run (a second render replaces the same file); an email is
sent at least once with a stable Message-ID, so a resend after a crash is recognisable.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from casework.contact import NO_REPLY_DAYS, ask_a_person, record_letter_sent
from casework.models import NOT_WRITTEN_TO, Case, CaseState
from hub.calendar import local_date
from letters.models import Channel, Letter, LetterStatus, LetterTemplate, Purpose
from letters.rendering import (
    LetterContent,
    date_in_words,
    email_parts,
    fill,
    hours_in_words,
    letter_pdf,
    split_paragraphs,
)

MAX_ATTEMPTS = 5


def lease() -> dt.timedelta:
    """How long a claim holds: longer than a task's hard time limit, so a claim older than
    this has no live worker behind it."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + settings.LETTER_LEASE_MARGIN)


def ring_again() -> dt.timedelta:
    """A doorbell rung this long ago and still not answered (a lost message) is rung again."""
    return dt.timedelta(seconds=settings.LETTER_RING_AGAIN_SECONDS)


def ring_due_letters(*, now: dt.datetime, limit: int = 10_000) -> list[int]:
    """Ids of due letters to enqueue, marked as enqueued in the same statement.

    Due: planned and due and not enqueued in the last few minutes, or claimed by a worker
    whose lease has run out. ``SKIP LOCKED`` lets two sweeps run at once without
    handing out the same row twice.
    """
    table = Letter._meta.db_table
    sql = f"""
        UPDATE {table} SET enqueued_at = %(now)s
        WHERE id IN (
            SELECT id FROM {table}
            WHERE (status = 'planned' AND due_at <= %(now)s
                   AND (enqueued_at IS NULL OR enqueued_at < %(ring_again)s))
               OR (status = 'sending' AND claimed_at < %(lease)s
                   AND (enqueued_at IS NULL OR enqueued_at < %(ring_again)s))
            ORDER BY due_at, id
            LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id
    """  # noqa: S608 (the table name is the model's own)
    params = {"now": now, "ring_again": now - ring_again(), "lease": now - lease(), "limit": limit}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def claim_letter(letter_id: int, *, now: dt.datetime) -> Letter | None:
    """Take a due letter for this worker, or None if it is not due, done or in flight."""
    claimable = Q(status=LetterStatus.PLANNED, due_at__lte=now) | Q(
        status=LetterStatus.SENDING, claimed_at__lt=now - lease()
    )
    claimed = Letter.objects.filter(claimable, pk=letter_id).update(
        status=LetterStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    return Letter.objects.select_related(
        "case__force", "case__person", "case__responsible", "case__referral__crime"
    ).get(pk=letter_id)


def send_letter(letter_id: int, *, now: dt.datetime | None = None) -> str:
    """Claim, render and send one letter or email; what happened, in words (for the log)."""
    now = now or timezone.now()
    letter = claim_letter(letter_id, now=now)
    if letter is None:
        return "not due, already sent or in flight"
    if letter.attempts > MAX_ATTEMPTS:
        flag_letter(letter, f"Could not be sent after {MAX_ATTEMPTS} tries.", now=now)
        return "flagged: too many tries"
    case = letter.case
    if not still_wanted(letter, case):
        Letter.objects.filter(pk=letter.pk, claimed_at=letter.claimed_at).update(
            status=LetterStatus.CANCELLED, last_error="No longer needed.", updated_at=now
        )
        return "cancelled: the case has moved on, or the victim has this letter already"
    channel, why_not = choose_channel(case)
    if channel is None:
        flag_letter(letter, why_not, now=now)
        return "flagged: " + why_not
    template = LetterTemplate.objects.current(letter.purpose, case.person.preferred_language)
    if template is None:
        flag_letter(letter, "There is no template for this letter.", now=now)
        return "flagged: no template"
    try:
        content = letter_content(letter, template, channel=channel, now=now)
        done = _deliver(letter, content, channel=channel)
    except Exception as exc:  # noqa: BLE001 (any failure is retried; the row keeps it)
        # Not re-raised: the row holds the error and the retry count, and the sweep
        # re-drives it; an exception's text could carry an address into the logs.
        _retry_later(letter, exc, now=now)
        return f"failed ({type(exc).__name__}), retried later"
    with transaction.atomic():
        # Only the worker holding the claim records the outcome.
        updated = Letter.objects.filter(
            pk=letter.pk, status=LetterStatus.SENDING, claimed_at=letter.claimed_at
        ).update(
            status=LetterStatus.SENT,
            sent_at=now,
            channel=channel,
            template=template,
            content=_stored_content(content),
            cost_pence=settings.LETTER_COST_PENCE[channel],
            last_error="",
            updated_at=now,
            **done,
        )
        if updated:
            letter.channel = channel
            record_letter_sent(letter, now=now)
    return f"sent by {channel}" if updated else "sent, but another worker had taken it over"


def still_wanted(letter: Letter, case: Case) -> bool:
    """Whether the letter still fits the case: a victim who got in touch meanwhile is not
    sent the unable-to-contact letter, and a victim referred twice for one crime gets one
    letter for one reason, not one per referral."""
    if letter.episode != case.episode or case.closure_reason in NOT_WRITTEN_TO:
        return False
    if letter.purpose == Purpose.INFORMATION and case.state != CaseState.NEW:
        return False
    if letter.purpose == Purpose.UNABLE_TO_CONTACT and case.state != CaseState.AWAITING_CONTACT:
        return False
    crime_id = case.referral.crime_id
    if crime_id is None:
        return True
    same = Letter.objects.filter(
        purpose=letter.purpose,
        trigger=letter.trigger,
        case__person_id=case.person_id,
        case__referral__crime_id=crime_id,
        status__in=[LetterStatus.SENT, LetterStatus.SENDING],
    ).exclude(pk=letter.pk)
    # Of two claimed at once, the older letter goes.
    return not same.filter(Q(status=LetterStatus.SENT) | Q(pk__lt=letter.pk)).exists()


def flag_letter(letter: Letter, reason: str, *, now: dt.datetime) -> bool:
    """Stop a letter that cannot go safely, and put its case in front of a co-ordinator.
    Only the worker holding the claim may do it (one whose lease ran out may not)."""
    with transaction.atomic():
        updated = Letter.objects.filter(
            pk=letter.pk, status=LetterStatus.SENDING, claimed_at=letter.claimed_at
        ).update(status=LetterStatus.FLAGGED, last_error=reason, updated_at=now)
        if updated:
            ask_a_person(letter.case_id, f"{letter.get_purpose_display()}: {reason}", now=now)
    return bool(updated)


def recipient(case: Case) -> dict:
    """Who the letter is addressed to and where: a child's parent or guardian."""
    person = case.person
    guardian = person.parent_guardian or {}
    address, postcode = _postal(
        person.address_line1, person.address_line2, person.town, person.postcode
    )
    if guardian:
        given = guardian.get("address") or {}
        if given:
            address, postcode = _postal(
                given.get("line1"), given.get("line2"), given.get("town"), given.get("postcode")
            )
        return {
            "name": guardian.get("name") or f"Parent or guardian of {person.given_name}",
            "email": guardian.get("email", ""),
            "address": address,
            "postcode": postcode,
        }
    name = person.business_contact_name if person.kind == "business" else person.full_name
    return {"name": name, "email": person.email, "address": address, "postcode": postcode}


def _postal(line1, line2, town, postcode) -> tuple[list[str], str]:
    """Address lines and postcode, or nothing: a letter needs a first line and a postcode."""
    if not (line1 and postcode):
        return [], ""
    return [line for line in (line1, line2, town) if line], postcode


def choose_channel(case: Case) -> tuple[str | None, str]:
    """Email where the victim gave one and it is safe; post where post is safe; else
    nothing, and why (in words for the co-ordinator)."""
    to = recipient(case)
    if to["email"] and case.may_email:
        return Channel.EMAIL, ""
    if to["address"] and to["postcode"] and case.may_post:
        return Channel.POST, ""
    reasons = []
    if not to["email"]:
        reasons.append("no email address")
    elif not case.may_email:
        reasons.append("email is not safe")
    if not (to["address"] and to["postcode"]):
        reasons.append("no postal address")
    elif case.lives_with_suspect:
        reasons.append("post is not safe (lives with the suspect)")
    elif not case.may_post:
        reasons.append("post is not safe")
    return None, "No safe way to write: " + ", ".join(reasons) + "."


def letter_values(letter: Letter, case: Case, *, now: dt.datetime) -> dict[str, str]:
    """The placeholders' values for this letter."""
    force = case.force
    crime = case.referral.crime
    to = recipient(case)
    values = {
        "victim_name": to["name"],
        "given_name": case.person.given_name,
        "hub_name": force.hub_name,
        "hub_phone": force.hub_phone,
        "hub_email": force.hub_email,
        "hub_hours": hours_in_words(force.opening_hours),
        "vcc_name": signatory(case),
        "case_reference": case.reference,
        "crime_reference": crime.reference if crime else "",
        "offence_description": crime.offence_description if crime else "",
        "date": _in_words(local_date(now)),
        "court": "",
        "hearing_date": "",
        "court_result": "",
        "next_hearing_date": "",
        "reply_by_date": _in_words(local_date(now) + dt.timedelta(days=NO_REPLY_DAYS)),
    }
    if letter.purpose == Purpose.COURT_UPDATE and letter.trigger.startswith("court-result-"):
        from referrals.models import CourtResult

        result = CourtResult.objects.filter(pk=int(letter.trigger.rsplit("-", 1)[1])).first()
        if result is not None:
            values.update(
                court=result.court,
                hearing_date=_in_words(result.hearing_date),
                court_result=result.result,
                next_hearing_date=_in_words(result.next_hearing_date),
            )
    return values


def _in_words(day: dt.date | None) -> str:
    return date_in_words(day) if day else ""


def signatory(case: Case) -> str:
    return case.responsible.display_name if case.responsible else "Victim Care Co-ordinator"


def letter_content(
    letter: Letter, template: LetterTemplate, *, channel: str, now: dt.datetime
) -> LetterContent:
    """The letter's words and addressing, from its template version and the case now."""
    case = letter.case
    values = letter_values(letter, case, now=now)
    to = recipient(case)
    paragraphs = tuple(fill(p, values) for p in split_paragraphs(template.body))
    return LetterContent(
        hub_name=values["hub_name"],
        hub_phone=values["hub_phone"],
        hub_email=values["hub_email"],
        hub_hours=values["hub_hours"],
        recipient_name=to["name"],
        address_lines=tuple(to["address"]),
        postcode=to["postcode"],
        date=local_date(now),
        reference=case.reference,
        vcc_name=values["vcc_name"],
        subject=fill(template.subject, values),
        paragraphs=tuple(p for p in paragraphs if p),
        large_print=case.large_print,
        language=template.language,
    )


def _stored_content(content: LetterContent) -> dict:
    """What was sent, as JSON, so that the letter can be made again exactly."""
    return {
        **{k: getattr(content, k) for k in content.__dataclass_fields__},
        "address_lines": list(content.address_lines),
        "paragraphs": list(content.paragraphs),
        "date": content.date.isoformat(),
    }


def message_id(letter: Letter) -> str:
    """Stable across resends of the same letter, and free of personal data."""
    return f"<letter-{letter.pk}.{letter.case.reference}@{settings.HUB_MAIL_DOMAIN}>"


def _deliver(letter: Letter, content: LetterContent, *, channel: str) -> dict:
    if channel == Channel.POST:
        pdf = letter_pdf(content)
        # One name per letter: a second try (after a crash) replaces the file the first
        # left, rather than leaving two letters for the print run to find.
        name = f"letters/{letter.case.reference}-{letter.purpose}-{letter.pk}.pdf"
        storage = letter.pdf.storage
        if storage.exists(name):
            storage.delete(name)
        stored = storage.save(name, ContentFile(pdf))
        return {"pdf": stored, "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    subject, text, html = email_parts(content)
    ident = message_id(letter)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient(letter.case)["email"]],
        headers={"Message-ID": ident},
    )
    email.attach_alternative(html, "text/html")
    email.send()
    return {"message_id": ident}


def _retry_later(letter: Letter, error: Exception, *, now: dt.datetime) -> None:
    """Give the claim back with a backoff; the sweep re-drives it when due again."""
    delay = dt.timedelta(minutes=2 ** min(letter.attempts, 6))
    Letter.objects.filter(pk=letter.pk, claimed_at=letter.claimed_at).update(
        status=LetterStatus.PLANNED,
        due_at=now + delay,
        claimed_at=None,
        enqueued_at=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        updated_at=now,
    )
