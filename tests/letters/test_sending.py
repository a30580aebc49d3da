"""Sending planned letters and emails: once per reason, safely, and reproducibly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from casework.contact import record_contact_attempt
from casework.models import Case, CaseEvent, CaseState
from casework.services import record_contact_made, record_court_result
from letters.models import Letter, LetterStatus, LetterTemplate, PrintRun, Purpose
from letters.printing import make_print_run
from letters.rendering import LetterContent, letter_pdf
from letters.sending import MAX_ATTEMPTS, lease, ring_due_letters, send_letter
from letters.services import save_template_version
from referrals.inputs import SafeContactInput
from referrals.models import CourtResult
from tests.factories import local, make_case
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db

OPENED = local(2026, 11, 23, 10)
SOON = OPENED + dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def no_needs_case(force, **kwargs):
    return make_case(force, now=OPENED, needs_support=False, **kwargs)


def test_the_information_email_goes_once_and_moves_the_case_on(force):
    # given a victim with no needs who gave an email address that is safe to use
    case = no_needs_case(force)
    letter = Letter.objects.get(case=case)
    # when the worker sends it
    assert send_letter(letter.pk, now=SOON) == "sent by email"
    # then one email went, with a stable Message-ID and the Hub's words
    (email,) = mail.outbox
    letter.refresh_from_db()
    assert email.to == ["amira@example.org"]
    assert email.extra_headers["Message-ID"] == letter.message_id
    assert letter.message_id.startswith(f"<letter-{letter.pk}.{case.reference}@")
    assert "Amira Khan" in email.body
    assert case.reference in email.body
    assert (letter.status, letter.channel, letter.cost_pence) == ("sent", "email", 0)
    # and the case moved on, with the letter on its timeline
    case.refresh_from_db()
    assert case.state == CaseState.INFORMATION_SENT
    assert CaseEvent.objects.filter(case=case, kind="letter").count() == 1
    # when the same task is delivered again, nothing more happens
    assert send_letter(letter.pk, now=SOON) == "not due, already sent or in flight"
    assert len(mail.outbox) == 1


def test_a_letter_goes_by_post_when_email_is_not_safe(force, settings):
    # given a victim whose email may not be used
    case = no_needs_case(force, safe_contact=SafeContactInput(email=False))
    letter = Letter.objects.get(case=case)
    # when it is sent
    assert send_letter(letter.pk, now=SOON) == "sent by post"
    letter.refresh_from_db()
    # then a PDF is stored, costed as post, addressed to the victim and signed
    text = pdf_text(letter.pdf.path)
    for expected in ("Amira Khan", "1 High Street", "Peterborough", "PE1 1AA", case.reference):
        assert expected in text
    assert "23 November 2026" in text
    assert "Victim Care Co-ordinator" in text
    assert letter.cost_pence == settings.LETTER_COST_PENCE["post"]
    assert len(letter.pdf_sha256) == 64
    assert mail.outbox == []


def test_no_safe_channel_flags_the_case_instead_of_writing(force):
    # given a victim who lives with the suspect and gave no email address
    case = no_needs_case(
        force, email="", safe_contact=SafeContactInput(lives_with_suspect=True, email=True)
    )
    letter = Letter.objects.get(case=case)
    # when the worker takes the letter
    outcome = send_letter(letter.pk, now=SOON)
    # then nothing is written, the letter is flagged and the case says why
    assert outcome.startswith("flagged")
    letter.refresh_from_db()
    case.refresh_from_db()
    assert letter.status == LetterStatus.FLAGGED
    assert "lives with the suspect" in case.attention
    assert case.state == CaseState.NEW
    assert mail.outbox == []
    assert not letter.pdf


def test_a_letter_not_yet_due_is_left_alone(force):
    case = no_needs_case(force)
    letter = Letter.objects.get(case=case)
    assert send_letter(letter.pk, now=OPENED - dt.timedelta(minutes=1)).startswith("not due")
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == ("planned", 0)


def test_the_sweep_rings_each_due_letter_once_until_it_is_overdue_again(force):
    # given two due letters and one not yet due
    due = [Letter.objects.get(case=no_needs_case(force, family_name=n)).pk for n in "AB"]
    later = no_needs_case(force, family_name="C")
    Letter.objects.filter(case=later).update(due_at=OPENED + dt.timedelta(days=1))
    # when the sweep runs twice in a row, the due ones are rung once
    assert ring_due_letters(now=SOON) == sorted(due)
    assert ring_due_letters(now=SOON + dt.timedelta(seconds=20)) == []
    # and rung again only if nobody answered for a while
    assert ring_due_letters(now=SOON + dt.timedelta(minutes=6)) == sorted(due)


def test_a_claim_left_by_a_killed_worker_is_taken_over_after_the_lease(force):
    # given a letter a worker claimed, then died holding it
    case = no_needs_case(force)
    letter = Letter.objects.get(case=case)
    Letter.objects.filter(pk=letter.pk).update(status="sending", claimed_at=SOON, attempts=1)
    # then before the lease runs out nobody else may take it
    assert send_letter(letter.pk, now=SOON + lease() - dt.timedelta(seconds=1)).startswith("not")
    assert ring_due_letters(now=SOON + dt.timedelta(seconds=30)) == []
    # and after it, the sweep rings it and a worker sends it, once
    after = SOON + lease() + dt.timedelta(seconds=1)
    assert ring_due_letters(now=after) == [letter.pk]
    assert send_letter(letter.pk, now=after) == "sent by email"
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


class BrokenRelay:
    """An SMTP relay that is down (the one thing outside the Hub that is faked)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("relay down")


def test_a_failed_send_is_retried_later_then_flagged_after_the_last_try(force, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenRelay"
    case = no_needs_case(force)
    letter = Letter.objects.get(case=case)
    now = SOON
    for attempt in range(1, MAX_ATTEMPTS + 1):
        # each try fails, gives the claim back and waits longer before the next
        assert send_letter(letter.pk, now=now).startswith("failed")
        letter.refresh_from_db()
        assert (letter.status, letter.attempts) == ("planned", attempt)
        assert "relay down" in letter.last_error
        assert letter.due_at > now
        now = letter.due_at
    # the try after the last is not made: a person is asked to act
    assert send_letter(letter.pk, now=now) == "flagged: too many tries"
    case.refresh_from_db()
    assert "after 5 tries" in case.attention


def three_failed_calls(force, vcc):
    """A case whose three calls went unanswered, each at the start of its window."""
    case = make_case(force, now=OPENED)
    for _ in range(3):
        attempt = case.attempts.get(outcome="")
        record_contact_attempt(
            case, attempt_id=attempt.pk, outcome="no_answer", by=vcc, now=attempt.window_start
        )
    return case


def test_the_unable_to_contact_letter_is_cancelled_when_the_victim_got_in_touch(force, vcc):
    # given three failed calls and the letter planned
    case = three_failed_calls(force, vcc)
    letter = Letter.objects.get(case=case)
    # when the victim rings the Hub before the letter goes
    record_contact_made(case, by=vcc, now=letter.due_at)
    # then the letter is not sent
    assert send_letter(letter.pk, now=letter.due_at).startswith("cancelled")
    assert mail.outbox == []


def test_the_unable_to_contact_letter_moves_the_case_to_waiting_for_a_reply(force, vcc):
    case = three_failed_calls(force, vcc)
    letter = Letter.objects.get(case=case)
    send_letter(letter.pk, now=letter.due_at)
    case.refresh_from_db()
    assert case.state == CaseState.UNABLE_TO_CONTACT
    (email,) = mail.outbox
    assert "three times" in email.body


def test_each_court_result_gets_its_own_update_once(force):
    from referrals.models import ApiClient

    # given a victim of a crime with two court results in turn
    case = make_case(force, now=OPENED)
    client = ApiClient.objects.create(name="Witness care", force=force, token_hash="x" * 64)
    results = [
        CourtResult.objects.create(
            force=force,
            api_client=client,
            source_reference=f"CR-{n}",
            crime=case.referral.crime,
            hearing_date=dt.date(2026, 11, 20 + n),
            court="Peterborough Crown Court",
            result=text,
            received_at=OPENED,
            request_hash="h",
            response_body={},
        )
        for n, text in enumerate(["Adjourned", "Guilty plea"])
    ]
    for result in results:
        record_court_result(case, court_result=result, now=OPENED)
        record_court_result(case, court_result=result, now=OPENED)  # delivered twice
    # then there is one update letter per result
    letters = Letter.objects.filter(case=case, purpose=Purpose.COURT_UPDATE)
    assert sorted(letters.values_list("trigger", flat=True)) == [
        f"court-result-{r.pk}" for r in results
    ]
    # and each tells the victim that result; the deadline to tell them stands until the
    # last update has gone
    first, last = letters.order_by("pk")
    send_letter(first.pk, now=SOON)
    case.refresh_from_db()
    assert case.victim_update_due is not None
    send_letter(last.pk, now=SOON)
    bodies = [m.body for m in mail.outbox]
    assert any("Adjourned" in b for b in bodies)
    assert any("Guilty plea" in b for b in bodies)
    case.refresh_from_db()
    assert case.victim_update_due is None


def test_a_sent_letter_can_be_made_again_from_what_was_kept(force):
    case = no_needs_case(force, safe_contact=SafeContactInput(email=False))
    letter = Letter.objects.get(case=case)
    send_letter(letter.pk, now=SOON)
    # when an administrator edits the words afterwards
    save_template_version(
        purpose="information", language="en", subject="New", body="Hello {{ victim_name }}", by=None
    )
    # then the letter still names the version it was made from, and its kept content
    # makes the same letter again
    letter.refresh_from_db()
    assert letter.template.version == 1
    kept = dict(letter.content)
    kept["date"] = dt.date.fromisoformat(kept["date"])
    for name in ("address_lines", "paragraphs"):
        kept[name] = tuple(kept[name])
    again = letter_pdf(LetterContent(**kept))
    with letter.pdf.open("rb") as handle:
        original = handle.read()
    assert _words(again) == _words(original)


def _words(pdf: bytes) -> str:
    return pdf_text(pdf, layout=False)


def test_template_edits_are_new_versions_and_unknown_placeholders_are_refused():
    first = LetterTemplate.objects.current("information")
    saved = save_template_version(
        purpose="information",
        language="en",
        subject="Support from {{ hub_name }}",
        body="Dear {{ victim_name }},\n\nWe are here.",
        by=None,
    )
    assert saved.version == first.version + 1
    assert LetterTemplate.objects.current("information") == saved
    # a Welsh speaker gets English until a Welsh version exists
    assert LetterTemplate.objects.current("information", "cy") == saved
    with pytest.raises(Exception, match="victim_nmae"):
        save_template_version(
            purpose="information",
            language="en",
            subject="Hello",
            body="Dear {{ victim_nmae }}",
            by=None,
        )
    assert LetterTemplate.objects.current("information") == saved


def postal_letter(force, name: str, *, at=SOON) -> Letter:
    case = no_needs_case(force, family_name=name, safe_contact=SafeContactInput(email=False))
    letter = Letter.objects.get(case=case)
    send_letter(letter.pk, now=at)
    letter.refresh_from_db()
    return letter


def test_the_print_run_merges_the_days_postal_letters_once(force, capsys):
    # given two postal letters made on 23 November
    letters = [postal_letter(force, name) for name in ("Ahmed", "Brown")]
    # when the print run is made for that day
    run = make_print_run(force, dt.date(2026, 11, 23))
    # then its PDF holds both letters, and its manifest lists them with their pages
    text = pdf_text(run.pdf.path)
    assert "Amira Ahmed" in text
    assert "Amira Brown" in text
    assert [item["letter"] for item in run.manifest] == [letter.pk for letter in letters]
    assert run.number == 1
    # and making it again, with nothing new, makes nothing
    assert make_print_run(force, dt.date(2026, 11, 23)) is None
    assert PrintRun.objects.count() == 1
    # the command shows the day's runs for the post room
    call_command("print_run", "--date", "2026-11-23")
    out = capsys.readouterr().out
    assert f"{force.code} 2026-11-23 run 1: 2 letters" in out


def test_a_letter_made_after_the_run_goes_in_a_second_run_alone(force):
    postal_letter(force, "Ahmed")
    first = make_print_run(force, dt.date(2026, 11, 23))
    # when another letter is made later that day and the run is made again
    late = postal_letter(force, "Brown", at=SOON + dt.timedelta(hours=7))
    second = make_print_run(force, dt.date(2026, 11, 23))
    # then the second run holds only the new letter: nothing is printed twice
    assert (first.number, second.number) == (1, 2)
    assert [item["letter"] for item in second.manifest] == [late.pk]
    text = pdf_text(second.pdf.path)
    assert "Amira Brown" in text
    assert "Amira Ahmed" not in text


def test_a_letter_is_withheld_from_the_run_when_post_became_unsafe(force):
    # given a letter made while post was safe
    letter = postal_letter(force, "Ahmed")
    # when the co-ordinator learns that the victim lives with the suspect
    Case.objects.filter(pk=letter.case_id).update(lives_with_suspect=True, post_ok=False)
    # then the print run leaves it out, and a person is asked to reach the victim otherwise
    assert make_print_run(force, dt.date(2026, 11, 23)) is None
    letter.refresh_from_db()
    assert (letter.status, letter.print_run, letter.cost_pence) == ("flagged", None, None)
    case = Case.objects.get(pk=letter.case_id)
    assert "withheld from the print run" in case.attention


def test_a_victim_referred_twice_for_one_crime_gets_one_information_letter(force):
    # given the same victim and crime referred twice (a duplicate referral)
    first = no_needs_case(force)
    second = no_needs_case(force)
    assert first.pk != second.pk
    letters = Letter.objects.filter(case__in=[first, second]).order_by("pk")
    # when both letters fall due
    outcomes = [send_letter(letter.pk, now=SOON) for letter in letters]
    # then one goes and the other is cancelled
    assert outcomes[0] == "sent by email"
    assert outcomes[1].startswith("cancelled")
    assert len(mail.outbox) == 1


def test_no_court_update_for_a_case_closed_as_a_duplicate(force):
    from casework.services import close_case
    from referrals.models import ApiClient

    case = make_case(force, now=OPENED)
    close_case(case, reason="duplicate", by=None, now=OPENED)
    client = ApiClient.objects.create(name="Witness care", force=force, token_hash="y" * 64)
    result = CourtResult.objects.create(
        force=force,
        api_client=client,
        source_reference="CR-1",
        crime=case.referral.crime,
        hearing_date=dt.date(2026, 11, 20),
        court="Peterborough Crown Court",
        result="Adjourned",
        received_at=OPENED,
        request_hash="h",
        response_body={},
    )
    record_court_result(case, court_result=result, now=OPENED)
    assert not Letter.objects.filter(case=case, purpose=Purpose.COURT_UPDATE).exists()


def test_the_print_run_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("print_run", "--date", "23/11/2026")


def test_a_worker_whose_claim_was_taken_over_cannot_flag_the_letter(force):
    from letters.sending import claim_letter, flag_letter

    letter = Letter.objects.get(case=no_needs_case(force))
    # given a worker claimed the letter, stalled past its lease, and another took over
    stale = claim_letter(letter.pk, now=SOON)
    taken = claim_letter(letter.pk, now=SOON + lease() + dt.timedelta(seconds=1))
    assert taken is not None
    # when the stalled worker wakes and tries to flag it, nothing changes
    assert flag_letter(stale, "stalled", now=SOON + lease()) is False
    letter.refresh_from_db()
    assert letter.status == "sending"
    assert letter.claimed_at == taken.claimed_at
