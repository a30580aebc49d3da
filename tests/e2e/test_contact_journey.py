"""A VCC's first contact in the browser: three failed calls, then the unable-to-contact letter.

The same journey twice: with the mouse, and with the keyboard alone. Every page on the way
is checked with axe-core (WCAG 2.2 AA, serious and critical violations fail).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.models import Case, ContactAttempt, ContactOutcome
from letters.models import Letter, LetterStatus, Purpose
from letters.sending import send_letter
from tests.e2e.conftest import axe_check, sign_in, skip_to_main, tab_to
from tests.factories import make_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The outcome buttons pressed, in turn: all three fail to reach the victim.
FAILED_CALLS = [ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL_LEFT, ContactOutcome.NO_ANSWER]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(force, staff):
    """A referral with needs, received an hour ago and allocated to the VCC."""
    case = make_case(force, now=timezone.now() - dt.timedelta(hours=1))
    Case.objects.filter(pk=case.pk).update(responsible=staff)
    case.refresh_from_db()
    return case


def make_planned_call_due(case) -> ContactAttempt:
    """Bring the planned call's window to now. The plan spreads the three calls over
    different times of day; the test cannot wait for them, and a failed call made before
    its window is refused (it would not count as one of the three)."""
    attempt = case.attempts.get(outcome="")
    ContactAttempt.objects.filter(pk=attempt.pk).update(
        window_start=timezone.now() - dt.timedelta(minutes=1)
    )
    return attempt


def letters_section(page: Page):
    return page.locator("h2", has_text="Letters and emails").locator(
        "xpath=following-sibling::*[1]"
    )


def timeline(page: Page):
    return page.locator(".moj-timeline")


def then_the_letter_is_planned_and_goes(page: Page, case) -> None:
    """After the third call: the letter is planned, and once the worker sends it the page
    and the timeline say so."""
    letter = Letter.objects.get(case=case)
    assert letter.purpose == Purpose.UNABLE_TO_CONTACT
    expect(letters_section(page)).to_contain_text("Unable to contact")
    expect(letters_section(page)).to_contain_text("Planned")
    expect(timeline(page)).to_contain_text("Call 3: No answer.")
    expect(page.locator("#next-call + p")).to_have_text("No call is planned.")
    # when the letter worker sends it (by email: the victim gave an address, safe to use)
    assert send_letter(letter.pk) == "sent by email"
    assert len(mail.outbox) == 1
    page.reload()
    axe_check(page)
    expect(letters_section(page)).to_contain_text("Sent")
    expect(letters_section(page)).to_contain_text("Email")
    expect(timeline(page)).to_contain_text("Unable to contact sent by email.")
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.SENT


def test_three_failed_calls_in_the_browser_send_the_unable_to_contact_letter(page, staff, case):
    # given the VCC signed in with password and code
    sign_in(page, staff)
    axe_check(page)
    # when she opens the case from her work
    queue = page.locator("#queue-mine")
    expect(queue).to_contain_text(case.person.full_name)
    queue.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case.person.full_name)
    axe_check(page)
    # and records three failed calls, each in its planned window
    for number, outcome in enumerate(FAILED_CALLS, start=1):
        make_planned_call_due(case)
        expect(page.locator("#next-call + p")).to_contain_text(f"Call {number} of 3")
        page.get_by_role("button", name=outcome.label, exact=True).click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Call recorded.")
        expect(timeline(page)).to_contain_text(f"Call {number}: {outcome.label}.")
        axe_check(page)
    # then the unable-to-contact letter is planned, then sent
    then_the_letter_is_planned_and_goes(page, case)


def test_the_same_journey_works_with_the_keyboard_alone(page, staff, case):
    # given the VCC signs in with keys only
    sign_in(page, staff, keyboard=True)
    axe_check(page)
    # when she skips to the main content and tabs to the case
    skip_to_main(page)
    tab_to(page, f"#queue-mine a[href='/cases/{case.reference}/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(case.person.full_name)
    axe_check(page)
    # and records three failed calls with the outcome buttons
    for number, outcome in enumerate(FAILED_CALLS, start=1):
        make_planned_call_due(case)
        if number == 1:
            skip_to_main(page)
        else:
            # after a call is recorded, GOV.UK's success banner takes the focus (and is
            # announced), inside the main content: the keyboard goes on from there
            expect(page.locator(".govuk-notification-banner--success")).to_be_focused()
        button = f"#next-call ~ form button[name='outcome'][value='{outcome.value}']"
        tab_to(page, button)
        if number == 2:
            # one step too far and back again: Shift+Tab leaves the buttons as Tab came
            page.keyboard.press("Tab")
            tab_to(page, button, back=True, most=1)
        page.keyboard.press("Space" if number % 2 else "Enter")
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Call recorded.")
        expect(timeline(page)).to_contain_text(f"Call {number}: {outcome.label}.")
        axe_check(page)
    # then the unable-to-contact letter is planned, then sent
    then_the_letter_is_planned_and_goes(page, case)
