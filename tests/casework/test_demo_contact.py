"""``seed_demo``'s calls and letters: the rows the live contact code would have left."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.db.models import Q

from casework.contact_plan import MIN_GAP, contact_windows
from casework.demo_journey import CaseFacts, Clock, JourneyPlanner
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
from hub.calendar import LONDON, WorkingCalendar, local_date
from hub.models import Force
from letters.models import Letter, LetterStatus, PrintRun, Purpose
from letters.sending import choose_channel, letter_content
from tests.casework.test_seed_demo import AS_OF, canonical_dump, seed

pytestmark = pytest.mark.django_db

# The smallest round seed with cases at every stage of contact on the as-of date: new,
# awaiting a call, unable to contact, reached.
VICTIMS = 500
CUTOFF = dt.datetime.combine(dt.date.fromisoformat(AS_OF), dt.time(0), tzinfo=LONDON)
SPOKE = {ContactOutcome.WANTS_SUPPORT, ContactOutcome.DECLINED}


def _transitions() -> dict[int, dict[str, dt.datetime]]:
    """When each case first entered each state."""
    entered: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    events = CaseEvent.objects.filter(kind=CaseEventKind.TRANSITION).order_by("at", "id")
    for case_id, to_state, at in events.values_list("case_id", "to_state", "at"):
        entered[case_id].setdefault(to_state, at)
    return entered


def _in_a_safe_window(calendar, case: Case, start: dt.datetime, end: dt.datetime) -> bool:
    windows = contact_windows(calendar, local_date(start), case.safe_times)
    return any(w.start <= start and end <= w.end for w in windows)


def test_every_case_awaiting_contact_has_one_call_planned_in_a_safe_window():
    # given a seeded year
    seed(VICTIMS)
    calendar = Force.objects.get(code="CAMBS").calendar

    # when the planned calls are read
    planned = ContactAttempt.objects.filter(outcome="").select_related("case")

    # then every case awaiting contact has exactly one, and no other case has any
    awaiting = set(
        Case.objects.filter(state=CaseState.AWAITING_CONTACT).values_list("pk", flat=True)
    )
    assert awaiting
    assert Counter(a.case_id for a in planned) == dict.fromkeys(awaiting, 1)
    for attempt in planned:
        case = attempt.case
        # and it is the next of the three calls, after those already made
        made = case.attempts.exclude(outcome="").filter(episode=attempt.episode)
        assert attempt.number == made.count() + 1 <= MAX_PHONE_ATTEMPTS, case.reference
        assert not made.filter(outcome__in=SPOKE).exists(), case.reference
        # and it lies inside the Hub's hours and the victim's safe times, still to come
        assert _in_a_safe_window(calendar, case, attempt.window_start, attempt.window_end), (
            case.reference
        )
        assert attempt.window_start >= CUTOFF, case.reference
        assert attempt.recorded_at is None
        assert attempt.recorded_by is None
        if made:
            last = max(a.recorded_at for a in made)
            assert attempt.planned_at == last, case.reference
            assert attempt.window_start >= last + MIN_GAP, case.reference
        else:
            assert attempt.planned_at == case.opened_at, case.reference


def test_recorded_calls_agree_with_each_case_history():
    # given a seeded year
    seed(VICTIMS)
    calendar = Force.objects.get(code="CAMBS").calendar
    entered = _transitions()

    # when each case's recorded calls are read
    calls: dict[int, list[ContactAttempt]] = defaultdict(list)
    for attempt in ContactAttempt.objects.exclude(outcome="").order_by("recorded_at", "id"):
        calls[attempt.case_id].append(attempt)

    # then a case unable to contact had three failed calls (or a wrong number) first
    cases = Case.objects.in_bulk()
    unable = [pk for pk, states in entered.items() if CaseState.UNABLE_TO_CONTACT in states]
    assert unable
    for pk in unable:
        outcomes = [a.outcome for a in calls[pk] if a.episode == cases[pk].episode]
        failed = [o for o in outcomes if o in FAILED_OUTCOMES]
        assert len(failed) == MAX_PHONE_ATTEMPTS or ContactOutcome.WRONG_NUMBER in outcomes, cases[
            pk
        ].reference
        assert max(a.recorded_at for a in calls[pk]) < entered[pk][CaseState.UNABLE_TO_CONTACT]
    # and a case reached by phone was reached on its last call, when it came into contact
    reached = [pk for pk, states in entered.items() if CaseState.IN_CONTACT in states]
    assert reached
    for pk in reached:
        case, last = cases[pk], calls[pk][-1]
        assert [a.outcome in SPOKE for a in calls[pk]].count(True) == 1, case.reference
        assert last.outcome in SPOKE, case.reference
        assert last.recorded_at == entered[pk][CaseState.IN_CONTACT] == case.first_contact_at
        declined = last.outcome == ContactOutcome.DECLINED
        assert declined == (case.closure_reason == ClosureReason.DECLINED), case.reference
    # and only victims with needs were phoned
    assert not Case.objects.filter(priority=4, attempts__isnull=False).exists()
    assert set(calls) <= set(Case.objects.exclude(priority=4).values_list("pk", flat=True))
    # and each call was made by the case's VCC, in turn, in its window, on a safe line
    for pk, made in calls.items():
        case = cases[pk]
        assert [a.number for a in made] == list(range(1, len(made) + 1)), case.reference
        for before, after in itertools.pairwise(made):
            assert after.window_start >= before.recorded_at + MIN_GAP, case.reference
        for attempt in made:
            assert case.responsible_id is not None, case.reference
            assert attempt.recorded_by_id == case.responsible_id, case.reference
            assert attempt.window_start <= attempt.recorded_at < attempt.window_end
            assert attempt.recorded_at < CUTOFF
            assert _in_a_safe_window(calendar, case, attempt.window_start, attempt.window_end)


def test_each_recorded_call_has_its_event_as_the_live_code_writes_it():
    # given a seeded year
    seed(VICTIMS)

    # when the calls' events are read
    events = CaseEvent.objects.filter(kind=CaseEventKind.CONTACT_ATTEMPT)
    by_attempt = {e.detail["attempt"]: e for e in events}

    # then each recorded call has exactly one, and each event its call
    made = ContactAttempt.objects.exclude(outcome="")
    assert made.exists()
    assert len(by_attempt) == events.count() == made.count()
    for attempt in made:
        event = by_attempt[attempt.pk]
        label = ContactOutcome(attempt.outcome).label
        assert event.case_id == attempt.case_id
        assert (event.at, event.actor_id) == (attempt.recorded_at, attempt.recorded_by_id)
        assert event.reason == f"Call {attempt.number}: {label}."
        assert event.detail == {
            "attempt": attempt.pk,
            "number": attempt.number,
            "outcome": attempt.outcome,
        }


def test_no_voicemail_is_left_where_the_safe_contact_instructions_forbid_one():
    # given a seeded year
    seed(VICTIMS)

    # when the calls that left a voicemail are read
    voicemails = ContactAttempt.objects.filter(outcome=ContactOutcome.VOICEMAIL_LEFT)

    # then there are some, and none where a voicemail was unsafe
    assert voicemails.exists()
    assert not voicemails.filter(Q(case__voicemail_ok=False) | Q(case__lives_with_suspect=True))
    # and unanswered calls where one was unsafe are recorded as no answer
    unsafe = ContactAttempt.objects.filter(case__voicemail_ok=False).exclude(outcome="")
    assert unsafe.filter(outcome=ContactOutcome.NO_ANSWER).exists()


def test_every_sent_letter_has_its_event_and_every_letter_event_its_letter():
    # given a seeded year
    seed(VICTIMS)

    # when the sent letters and the letter events are read
    sent = Letter.objects.filter(status=LetterStatus.SENT).select_related(
        "case__person",
        "case__force",
        "case__referral__crime",
        "case__responsible",
        "template",
        "print_run",
    )
    events = CaseEvent.objects.filter(kind=CaseEventKind.LETTER)
    by_letter = {e.detail["letter"]: e for e in events}

    # then they pair off one to one, at the moment the letter went
    assert sent.exists()
    assert len(by_letter) == events.count() == sent.count()
    assert set(by_letter) == {letter.pk for letter in sent}
    for letter in sent:
        event = by_letter[letter.pk]
        how = "by email" if letter.channel == "email" else "by post"
        assert event.case_id == letter.case_id
        assert (event.at, event.actor_id) == (letter.sent_at, None)
        assert event.reason == f"{letter.get_purpose_display()} sent {how}."
        assert event.detail == {
            "letter": letter.pk,
            "purpose": letter.purpose,
            "channel": letter.channel,
        }
    # and each went as the live sender would have sent it, with what it said kept
    for letter in sent:
        case = letter.case
        assert letter.channel == choose_channel(case)[0], case.reference
        assert letter.cost_pence == settings.LETTER_COST_PENCE[letter.channel]
        assert (letter.template.purpose, letter.template.version) == (letter.purpose, 1)
        assert letter.due_at <= letter.sent_at < CUTOFF
        content = letter.content
        assert content["subject"]
        assert content["recipient_name"] in content["paragraphs"][0]
        assert (
            content
            == letter_content(
                letter, letter.template, channel=letter.channel, now=letter.sent_at
            ).to_json()
        ), case.reference
        assert letter.pdf.name == ""
        if letter.channel == "email":
            assert letter.message_id.startswith(f"<letter-{letter.pk}.{case.reference}@")
            assert letter.print_run_id is None
        else:
            assert letter.message_id == ""
            assert letter.print_run.date == local_date(letter.sent_at)
    # and each case has the letters its history called for
    letters = Counter(sent.values_list("case_id", "purpose"))
    entered = _transitions()
    for pk, states in entered.items():
        assert letters[pk, Purpose.INFORMATION] == (CaseState.INFORMATION_SENT in states)
        assert letters[pk, Purpose.UNABLE_TO_CONTACT] == (CaseState.UNABLE_TO_CONTACT in states)


def test_each_postal_letter_is_in_exactly_one_print_run_of_its_day():
    # given a seeded year
    seed(VICTIMS)

    # when the print runs are read
    runs = PrintRun.objects.all()

    # then each postal letter sent is listed once, in its own run, and no email is
    posted = Letter.objects.filter(status=LetterStatus.SENT, channel="post")
    assert posted.exists()
    listed = Counter(item["letter"] for run in runs for item in run.manifest)
    assert listed == dict.fromkeys(posted.values_list("pk", flat=True), 1)
    for run in runs:
        assert set(run.letters.values_list("pk", flat=True)) == {
            item["letter"] for item in run.manifest
        }
        assert run.created_at < CUTOFF
    # and each force has one run a day
    days = list(runs.values_list("force_id", "date"))
    assert len(days) == len(set(days))


def test_a_case_is_new_exactly_while_its_information_letter_is_planned():
    # given a seeded year
    seed(VICTIMS)

    # when the letters still to go are read
    planned = Letter.objects.filter(status=LetterStatus.PLANNED).select_related("case")

    # then each case still new has its information letter planned, due since it opened,
    # so the demo's worker sends it at once; and no other case has one
    new = set(Case.objects.filter(state=CaseState.NEW).values_list("pk", flat=True))
    assert new
    information = planned.filter(purpose=Purpose.INFORMATION)
    assert set(information.values_list("case_id", flat=True)) == new
    assert information.count() == len(new)
    for letter in information:
        assert (letter.trigger, letter.episode) == ("referral", 1)
        assert letter.due_at == letter.case.opened_at < CUTOFF
        assert letter.channel == ""
        assert letter.sent_at is None
    # and an unable-to-contact letter waits only for a case whose three calls have failed
    for letter in planned.filter(purpose=Purpose.UNABLE_TO_CONTACT):
        case = letter.case
        assert case.state == CaseState.AWAITING_CONTACT
        assert case.attempts.filter(outcome__in=FAILED_OUTCOMES).count() == MAX_PHONE_ATTEMPTS
        assert not case.attempts.filter(outcome="").exists()


def test_a_letter_still_to_go_after_three_failed_calls_is_planned_and_no_call_is():
    # given journeys of victims with needs, one of them never reached by phone
    rng, detail_rng = random.Random(7), random.Random(8)  # noqa: S311 - demo data
    planner = JourneyPlanner(rng, Clock(WorkingCalendar()), detail_rng)
    received = dt.datetime(2026, 11, 2, 9, 30, tzinfo=LONDON)
    facts = CaseFacts(
        received_at=received,
        allocated_at=received + dt.timedelta(minutes=5),
        has_needs=True,
        domestic_abuse=False,
        first_contact_due=dt.datetime(2026, 11, 3, 20, tzinfo=LONDON),
        safe_times=[],
        written_channel="post",
        voicemail=True,
    )
    journey = next(j for j in iter(lambda: planner.plan(facts), None) if len(j.letters) == 1)
    third, letter = journey.calls[-1], journey.letters[0]

    # when it stands between the third call and the letter it called for
    realised = journey.until(third.at + dt.timedelta(minutes=1))

    # then the three failed calls are made, none is planned, and the letter is due
    assert realised.state == CaseState.AWAITING_CONTACT
    assert [c.outcome in FAILED_OUTCOMES for c in realised.calls] == [True] * 3
    assert realised.next_call is None
    assert realised.letters_sent == []
    assert realised.letters_due == [letter]
    assert (letter.purpose, letter.trigger, letter.due_at) == (
        Purpose.UNABLE_TO_CONTACT,
        "episode-1",
        third.at,
    )
    # and a moment before the third call, it is the one planned
    before = journey.until(third.at)
    assert before.next_call == third
    assert before.letters_due == []


def test_two_seedings_write_the_same_calls_and_letters():
    # given a seeded year
    seed(VICTIMS)
    first = canonical_dump()

    # when it is seeded again with the same arguments
    seed(VICTIMS, "--replace")

    # then the calls, letters, print runs and their events are the same
    second = canonical_dump()
    assert first["attempts"]
    assert first["letters"]
    assert first["print_runs"]
    for key in first:
        assert second[key] == first[key], f"{key} differ between two runs"


# The statements of a seeding: most ensure the staff and the services directory, a few for
# each of them; then for each table one draw of its ids and one INSERT (per 5,000 rows; one
# COPY for the timelines), each row with its own ``updated_at``; an ANALYZE of each table
# filled in bulk; the volunteers' profiles a statement or two; the support records (needs,
# plans, goals, reviews, actions, onward referrals, assignments, contacts) one draw of all
# their ids and one INSERT of them all (per 5,000 rows). None is made for each victim,
# call or letter.
SEED_QUERIES = 289


@pytest.mark.parametrize("victims", [100, 250])
def test_seeding_issues_the_same_statements_for_more_victims(
    victims, django_assert_max_num_queries
):
    # when the demo data is seeded, at sizes where every table fits in one batch of rows
    # then the statements are the same few, not one or more for each victim, call or letter
    with django_assert_max_num_queries(SEED_QUERIES):
        seed(victims)
