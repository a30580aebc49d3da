"""My work's filters, counts and team view; allocation; notes; status changes from the
case page; letters' PDFs.

Personas: Alice, the VCC responsible for a case (``vcc``); Bob, her teammate
(``teammate``); Carol, their manager; an outsider of another force.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape

from casework.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseState,
    ClosureReason,
    ContactAttempt,
)
from casework.services import record_contact_made
from letters.models import Letter, LetterStatus
from tests.conftest import as_user
from tests.factories import ForceFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def case_for(force, who=None, *, n=1, now=None, **kwargs) -> Case:
    case = make_case(
        force,
        now=now or timezone.now() - dt.timedelta(hours=1),
        crime_reference=f"35/{n}/26",
        given_name=kwargs.pop("given_name", f"Victim{n}"),
        **kwargs,
    )
    if who is not None:
        Case.objects.filter(pk=case.pk).update(responsible=who)
        case.refresh_from_db()
    return case


def rows(body: str, table_id: str) -> str:
    """The HTML of one queue's table."""
    start = body.index(f'id="{table_id}"')
    return body[start : body.index("</table>", start)]


# --- my work ------------------------------------------------------------------------------


def test_my_work_puts_the_case_whose_call_is_due_first_at_the_top(force, vcc):
    # Given two of my cases, one with its planned call later than the other's
    first = case_for(force, vcc, n=1)
    later = case_for(force, vcc, n=2)
    soon = first.attempts.get(outcome="").window_start
    later.attempts.filter(outcome="").update(
        window_start=soon + dt.timedelta(days=1), window_end=soon + dt.timedelta(days=1, hours=2)
    )

    # When I open my work
    body = as_user(vcc).get("/").text

    # Then the sooner call comes first, and each case links to its page
    mine = rows(body, "queue-mine")
    assert mine.index(first.reference) < mine.index(later.reference)
    assert f'href="/cases/{first.reference}/"' in mine


def test_my_work_counts_open_overdue_and_calls_to_make_now(force, vcc):
    # Given three cases of mine: one overdue for its first call, one whose call window is
    # open now, and one closed
    overdue = case_for(force, vcc, n=1)
    Case.objects.filter(pk=overdue.pk).update(first_contact_due=NOW - dt.timedelta(hours=2))
    overdue.attempts.filter(outcome="").update(
        window_start=NOW + dt.timedelta(days=1), window_end=NOW + dt.timedelta(days=1, hours=1)
    )
    now_call = case_for(force, vcc, n=2)
    now_call.attempts.filter(outcome="").update(
        window_start=NOW - dt.timedelta(minutes=5), window_end=NOW + dt.timedelta(hours=1)
    )
    closed = case_for(force, vcc, n=3)
    record_contact_made(closed, by=vcc, now=NOW)
    from casework.services import close_case

    close_case(Case.objects.get(pk=closed.pk), reason=ClosureReason.DECLINED, by=vcc, now=NOW)

    # When I open my work
    client = as_user(vcc)
    body = client.get("/").text

    # Then the counts say two open, one overdue, one call to make now; the tags say which
    assert '<span class="govuk-heading-l govuk-!-margin-bottom-0">2</span> open' in body
    assert '<span class="govuk-heading-l govuk-!-margin-bottom-0">1</span> overdue' in body
    assert (
        '<span class="govuk-heading-l govuk-!-margin-bottom-0">1</span> calls to make now' in body
    )
    mine = rows(body, "queue-mine")
    assert closed.reference not in mine
    assert mine.index("Overdue") < mine.index(now_call.reference)
    assert "Call now" in mine

    # And filtering to overdue only leaves the overdue case
    only = rows(client.get("/?overdue=on").text, "queue-mine")
    assert overdue.reference in only
    assert now_call.reference not in only
    assert "(1)" in only


def test_my_work_filters_by_state_priority_and_domestic_abuse(force, vcc):
    # Given a domestic-abuse case and a priority 4 case (no needs) of mine
    abuse = case_for(force, vcc, n=1, domestic_abuse=True, dash_risk="medium")
    no_needs = case_for(force, vcc, n=2, needs_support=False)
    client = as_user(vcc)

    # When I filter by each
    da = rows(client.get("/?domestic_abuse=on").text, "queue-mine")
    p4 = rows(client.get("/?priority=4").text, "queue-mine")
    new = rows(client.get("/?state=new").text, "queue-mine")
    nonsense = client.get("/?priority=9&state=nope")

    # Then each filter narrows the queue, and nonsense filters are ignored, not an error
    assert abuse.reference in da
    assert no_needs.reference not in da
    assert no_needs.reference in p4
    assert abuse.reference not in p4
    assert no_needs.reference in new
    assert abuse.reference not in new
    assert nonsense.status_code == 200
    assert abuse.reference in rows(nonsense.text, "queue-mine")


def test_a_manager_sees_the_team_and_opens_a_members_queue(force, vcc, teammate, manager):
    # Given Alice holds two cases, one overdue, and Bob one
    mine = case_for(force, vcc, n=1)
    late = case_for(force, vcc, n=2)
    Case.objects.filter(pk=late.pk).update(first_contact_due=NOW - dt.timedelta(hours=1))
    bobs = case_for(force, teammate, n=3)
    client = as_user(manager)

    # When the manager opens my work, then Alice's queue
    body = client.get("/").text
    alice = client.get(f"/?member={vcc.pk}").text

    # Then the team table shows each member's open and overdue cases, and Alice's queue
    # holds her cases and not Bob's
    team = rows(body, "team")
    assert escape(vcc.display_name) in team
    assert escape(teammate.display_name) in team
    assert '<strong class="govuk-tag govuk-tag--red">1</strong>' in team
    queue = rows(alice, "queue-mine")
    assert mine.reference in queue
    assert late.reference in queue
    assert bobs.reference not in queue
    assert f"{escape(vcc.display_name)}'s cases" in alice


def test_only_a_manager_opens_another_members_queue_and_only_of_their_force(
    force, vcc, teammate, manager
):
    # Given a VCC of another force
    other = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="VCC")

    # When Bob asks for Alice's queue, and the manager for the outsider's
    # Then neither exists for them
    assert as_user(teammate).get(f"/?member={vcc.pk}").status_code == 404
    assert as_user(manager).get(f"/?member={other.pk}").status_code == 404


@pytest.mark.parametrize("cases", [1, 25])
def test_a_managers_my_work_takes_the_same_queries_whatever_the_numbers(
    force, vcc, teammate, manager, django_assert_max_num_queries, cases
):
    for n in range(cases):
        case_for(force, (vcc, teammate, None)[n % 3], n=n)
    client = as_user(manager)
    client.get("/")  # warm the session
    # session, user, authenticator, roles; the member; counts; the filtered queues and
    # their counts (4); the team; the plans' work due (3); the rolling session's save (with
    # its savepoint, 3)
    with django_assert_max_num_queries(17):
        response = client.get(f"/?member={vcc.pk}&overdue=on")
    assert response.status_code == 200


# --- allocation ---------------------------------------------------------------------------


def test_a_manager_allocates_an_unallocated_case_and_it_reaches_the_vccs_queue(force, vcc, manager):
    # Given a case nobody holds
    case = case_for(force, None)
    client = as_user(manager)
    assert case.reference in rows(client.get("/").text, "queue-unallocated")

    # When the manager allocates it to Alice from my work
    response = client.post(f"/cases/{case.reference}/allocate/", {"to": vcc.pk, "next": "/"})

    # Then it is Alice's, on her queue, with the allocation on the timeline
    assert response.status_code == 302
    assert response["Location"] == "/"
    case.refresh_from_db()
    assert case.responsible == vcc
    assert case.reference in rows(as_user(vcc).get("/").text, "queue-mine")
    event = case.events.get(kind=CaseEventKind.ALLOCATED)
    assert event.actor == manager
    assert event.reason == f"Allocated to {vcc.display_name}."


def test_a_manager_reallocates_and_returns_a_case_to_the_queue(force, vcc, teammate, manager):
    case = case_for(force, vcc)
    client = as_user(manager)

    client.post(f"/cases/{case.reference}/allocate/", {"to": teammate.pk})
    case.refresh_from_db()
    assert case.responsible == teammate

    response = client.post(f"/cases/{case.reference}/allocate/", {"to": ""})
    case.refresh_from_db()
    assert case.responsible is None
    assert response["Location"] == f"/cases/{case.reference}/"
    assert case.events.filter(kind=CaseEventKind.ALLOCATED).count() == 2


def test_a_case_cannot_go_to_someone_of_another_force_or_outside_case_work(force, vcc, manager):
    # Given a case and two people it may not go to
    case = case_for(force, vcc)
    outsider = UserFactory(force=ForceFactory(code="NORF", name="Norfolk"), role="VCC")
    analyst = UserFactory(force=force, role="Analyst")
    client = as_user(manager)

    # When the manager tries each
    for person in (outsider, analyst):
        response = client.post(f"/cases/{case.reference}/allocate/", {"to": person.pk})
        assert response.status_code == 302

    # Then the case stays with Alice and nothing is logged
    case.refresh_from_db()
    assert case.responsible == vcc
    assert not case.events.filter(kind=CaseEventKind.ALLOCATED).exists()
    page = client.get(f"/cases/{case.reference}/").text
    assert "Choose a member of the team." in page


def test_a_vcc_cannot_allocate(force, vcc, teammate):
    case = case_for(force, vcc)
    response = as_user(teammate).post(f"/cases/{case.reference}/allocate/", {"to": teammate.pk})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.responsible == vcc


# --- notes --------------------------------------------------------------------------------


def test_a_note_goes_on_the_timeline_with_its_author(force, vcc, teammate):
    # Given Alice's case
    case = case_for(force, vcc)

    # When Bob adds a note, and then tries an empty one
    client = as_user(teammate)
    client.post(f"/cases/{case.reference}/notes/", {"text": "  Victim prefers mornings.  "})
    client.post(f"/cases/{case.reference}/notes/", {"text": "   "})

    # Then one note is on the timeline, trimmed, by Bob; the empty one was refused
    notes = list(case.events.filter(kind=CaseEventKind.NOTE))
    assert [(n.reason, n.actor) for n in notes] == [("Victim prefers mornings.", teammate)]
    page = client.get(f"/cases/{case.reference}/").text
    assert "Victim prefers mornings." in page
    assert "Write the note first." in page


# --- status changes -----------------------------------------------------------------------


def in_contact(force, vcc) -> Case:
    case = case_for(force, vcc)
    record_contact_made(case, by=vcc, now=NOW)
    return Case.objects.get(pk=case.pk)


def test_the_case_page_offers_the_changes_allowed_from_where_the_case_stands(force, vcc):
    # Given a case in contact
    case = in_contact(force, vcc)

    # When Alice opens it
    page = as_user(vcc).get(f"/cases/{case.reference}/").text

    # Then she may start the assessment or close it; closing early needs "better informed"
    assert "Start the needs assessment" in page
    assert "Close the case" in page
    assert "Needs the &quot;better informed&quot; outcome recorded first." in page
    assert "Reopen the case" not in page
    assert "Start support" not in page


def test_starting_the_assessment_moves_the_case_and_logs_who(force, vcc):
    case = in_contact(force, vcc)
    response = as_user(vcc).post(f"/cases/{case.reference}/assessment/", {"note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT
    event = case.events.filter(kind=CaseEventKind.TRANSITION).latest("id")
    assert (event.actor, event.from_state, event.to_state) == (
        vcc,
        CaseState.IN_CONTACT,
        CaseState.ASSESSMENT,
    )


def test_support_cannot_start_without_a_completed_assessment(force, vcc):
    # Given a case in assessment with no DVNA
    case = in_contact(force, vcc)
    client = as_user(vcc)
    client.post(f"/cases/{case.reference}/assessment/")

    # When Alice tries to start support
    client.post(f"/cases/{case.reference}/support/")

    # Then it is refused with the reason and the case has not moved
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT
    page = client.get(f"/cases/{case.reference}/").text
    assert "requires a completed DVNA" in page
    assert "Needs a completed DVNA first." in page


def test_closing_needs_a_reason_allowed_from_where_the_case_stands(force, vcc):
    case = in_contact(force, vcc)
    client = as_user(vcc)

    # No reason, then one not allowed from contact: refused, nothing changes
    client.post(f"/cases/{case.reference}/close/", {"closure_reason": ""})
    client.post(f"/cases/{case.reference}/close/", {"closure_reason": "no_contact"})
    case.refresh_from_db()
    assert case.state == CaseState.IN_CONTACT
    page = client.get(f"/cases/{case.reference}/").text
    assert "Choose why the case is closing." in page
    assert "cannot close as" in page

    # An allowed reason closes it; reopening then needs a reason too
    client.post(f"/cases/{case.reference}/close/", {"closure_reason": "declined", "note": "Ok"})
    case.refresh_from_db()
    assert (case.state, case.closure_reason) == (CaseState.CLOSED, ClosureReason.DECLINED)
    client.post(f"/cases/{case.reference}/reopen/", {"note": " "})
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    client.post(f"/cases/{case.reference}/reopen/", {"note": "New threats reported."})
    case.refresh_from_db()
    assert (case.state, case.episode) == (CaseState.ASSESSMENT, 2)


# --- letters' PDFs -------------------------------------------------------------------------


def test_a_posted_letters_pdf_opens_from_the_case_page_for_staff_who_see_the_case(
    force, vcc, teammate
):
    # Given a no-needs case whose information letter went by post
    case = case_for(force, vcc, needs_support=False)
    letter = Letter.objects.get(case=case)
    letter.pdf.save(f"{case.reference}-test.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    Letter.objects.filter(pk=letter.pk).update(
        pdf=letter.pdf.name, status=LetterStatus.SENT, channel="post", sent_at=NOW
    )

    # When Bob opens the case page and follows the link
    client = as_user(teammate)
    page = client.get(f"/cases/{case.reference}/").text
    link = f"/cases/{case.reference}/letters/{letter.pk}/pdf/"
    response = client.get(link)

    # Then the PDF comes back, not to be cached
    assert link in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"


def test_a_letter_without_a_pdf_or_of_another_case_is_not_found(force, vcc):
    case = case_for(force, vcc, n=1, needs_support=False)
    other = case_for(force, vcc, n=2, needs_support=False)
    letter = Letter.objects.get(case=other)
    client = as_user(vcc)
    assert client.get(f"/cases/{case.reference}/letters/{letter.pk}/pdf/").status_code == 404
    assert client.get(f"/cases/{other.reference}/letters/{letter.pk}/pdf/").status_code == 404


@pytest.mark.parametrize("events", [1, 60])
def test_the_case_page_takes_the_same_queries_for_a_manager_whatever_its_history(
    force, vcc, manager, django_assert_max_num_queries, events
):
    case = in_contact(force, vcc)
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, kind="note", at=NOW, reason=f"note {n}") for n in range(events)]
    )
    client = as_user(manager)
    client.get(f"/cases/{case.reference}/")  # warm the session
    with django_assert_max_num_queries(17):
        response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200


def test_a_long_queue_is_paged_in_the_order_things_are_due(force, vcc):
    # Given 27 cases of mine, each call due an hour after the one before
    cases = [case_for(force, vcc, n=n) for n in range(27)]
    for hour, case in enumerate(cases):
        start = NOW + dt.timedelta(days=1, hours=hour)
        case.attempts.filter(outcome="").update(
            window_start=start, window_end=start + dt.timedelta(minutes=30)
        )
    client = as_user(vcc)

    # When I read the first page, then the second (a page past the end shows the last)
    first = rows(client.get("/").text, "queue-mine")
    second = client.get("/?page=2").text
    beyond = client.get("/?page=99").text

    # Then the first 25 come first, the last two on page 2, with a way back
    assert "1 to 25 shown" in first
    assert cases[0].reference in first
    assert cases[26].reference not in first
    assert "26 to 27 shown" in second
    assert cases[26].reference in rows(second, "queue-mine")
    assert cases[0].reference not in rows(second, "queue-mine")
    assert 'rel="prev"' in second
    assert "26 to 27 shown" in beyond


def test_a_case_whose_first_call_was_made_is_not_overdue_when_its_deadline_passes(force, vcc):
    # Given a case past its first-call deadline whose first call was made (no answer)
    case = case_for(force, vcc)
    Case.objects.filter(pk=case.pk).update(first_contact_due=NOW - dt.timedelta(hours=1))
    case.attempts.filter(outcome="").update(
        outcome="no_answer", recorded_at=NOW - dt.timedelta(hours=2)
    )

    # When I open my work
    body = as_user(vcc).get("/").text

    # Then nothing is overdue: the deadline was for the first call
    assert '<span class="govuk-heading-l govuk-!-margin-bottom-0">0</span> overdue' in body
    assert "Overdue" not in rows(body, "queue-mine")


def test_a_call_to_make_now_comes_before_a_later_call_whose_first_deadline_passed(force, vcc):
    # Given a case whose first call was made (its deadline, now past, is met) with call 2
    # tomorrow, and a case whose call window is open now
    later = case_for(force, vcc, n=1)
    Case.objects.filter(pk=later.pk).update(first_contact_due=NOW - dt.timedelta(days=3))
    later.attempts.filter(outcome="").update(
        outcome="no_answer", recorded_at=NOW - dt.timedelta(days=3, hours=1)
    )
    ContactAttempt.objects.create(
        case=later,
        number=2,
        band="morning",
        window_start=NOW + dt.timedelta(days=1),
        window_end=NOW + dt.timedelta(days=1, hours=3),
        planned_at=NOW - dt.timedelta(days=3),
    )
    now_call = case_for(force, vcc, n=2)
    now_call.attempts.filter(outcome="").update(
        window_start=NOW - dt.timedelta(minutes=5), window_end=NOW + dt.timedelta(hours=1)
    )

    # When I open my work
    mine = rows(as_user(vcc).get("/").text, "queue-mine")

    # Then the call to make now comes first
    assert mine.index(now_call.reference) < mine.index(later.reference)
