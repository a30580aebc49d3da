"""Letters through a real Celery worker on a real Redis, through crashes and restarts.

Whatever happens to the worker or the broker, each (case, purpose, trigger) ends with
exactly one letter: one PDF, or one email (an email resent after a crash carries the same
Message-ID), and one entry on the case's timeline. The test plays beat's part itself:
``ring_due_letters`` and a task sent by name for each id, as the sweep does.
"""

from __future__ import annotations

import email
from collections import Counter
from pathlib import Path

import pytest
from celery import Celery
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseState
from letters.models import Letter, LetterStatus
from letters.sending import ring_due_letters
from referrals.inputs import SafeContactInput
from tests.factories import make_case
from tests.processes import CeleryWorker, RedisServer, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEND = "letters.tasks.send_letters_task"
# Short limits so that a claim left by a killed worker expires within the test.
LIMITS = {"CELERY_TASK_TIME_LIMIT": "8", "LETTER_LEASE_MARGIN": "2"}


@pytest.fixture
def short_limits(settings):
    settings.CELERY_TASK_TIME_LIMIT = 8
    settings.LETTER_LEASE_MARGIN = 2
    settings.LETTER_RING_AGAIN_SECONDS = 3


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def no_needs_cases(force, count: int) -> list[Case]:
    """Victims with no needs: each is owed one information letter, due now. Every other
    one may not be emailed, so half go by post (a PDF: the slow kind)."""
    now = timezone.now()
    cases = []
    for n in range(count):
        safe = SafeContactInput(email=n % 2 == 1)
        family = f"Worker{chr(65 + n)}"
        cases.append(
            make_case(force, now=now, needs_support=False, family_name=family, safe_contact=safe)
        )
    return cases


def ring(producer: Celery, *, times: int = 1) -> list[int]:
    """Beat's part, as ``sweep_letters_task`` does it: enqueue every due letter by id, a
    few ids a message (``times`` times: duplicate delivery)."""
    ids = ring_due_letters(now=timezone.now())
    chunk = 3  # small, so that a killed worker leaves some of a message undone
    for _ in range(times):
        for start in range(0, len(ids), chunk):
            producer.send_task(SEND, args=[ids[start : start + chunk]])
    return ids


def sweep_until_all_sent(producer: Celery, cases, *, timeout: float = 120) -> None:
    def all_sent():
        ring(producer)
        waiting = Letter.objects.filter(case__in=cases).exclude(status=LetterStatus.SENT)
        return not waiting.exists()

    wait_for(all_sent, timeout=timeout, every=1, what="every letter to be sent")


def assert_exactly_one_letter_each(cases, var_dir: Path) -> None:
    letters = list(Letter.objects.filter(case__in=cases).order_by("case_id"))
    assert [letter.case_id for letter in letters] == sorted(c.pk for c in cases)
    assert {letter.status for letter in letters} == {LetterStatus.SENT}
    # one PDF file per postal letter, no more
    posted = {letter.pdf.name for letter in letters if letter.channel == "post"}
    on_disk = {f"letters/{p.name}" for p in (var_dir / "media" / "letters").glob("*.pdf")}
    assert on_disk == posted
    # emails: any resend after a crash has its letter's Message-ID, so the victim's mail
    # program shows one message; every emailed letter has its message
    sent_ids = Counter()
    for path in (var_dir / "mail").glob("*.log"):
        for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
            if raw.strip():
                sent_ids[email.message_from_string(raw.strip())["Message-ID"]] += 1
    emailed = {letter.message_id for letter in letters if letter.channel == "email"}
    assert set(sent_ids) == emailed
    # one timeline entry and one change of state per case
    for case in cases:
        assert CaseEvent.objects.filter(case=case, kind="letter").count() == 1
    states = set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True))
    assert states == {CaseState.INFORMATION_SENT}


def test_a_worker_killed_mid_letter_still_leaves_exactly_one_letter_each(
    force, var_dir, short_limits
):
    cases = no_needs_cases(force, 10)
    with RedisServer(var_dir) as broker:
        producer = Celery(broker=broker.url)
        worker = CeleryWorker(broker_url=broker.url, var_dir=var_dir, env=LIMITS).start()
        try:
            # given every letter enqueued twice (duplicate delivery from the start)
            ring(producer, times=2)
            # when the worker is SIGKILLed while it holds a letter
            wait_for(
                lambda: Letter.objects.filter(status=LetterStatus.SENDING).exists(),
                timeout=60,
                every=0.02,
                what="a letter to be in flight",
            )
            worker.kill()
            held = list(Letter.objects.filter(status=LetterStatus.SENDING).values_list("pk"))
            assert held, "the worker died holding no letter: nothing was tested"
            # and a new worker starts, with the sweep running
            worker = CeleryWorker(broker_url=broker.url, var_dir=var_dir, env=LIMITS).start()
            sweep_until_all_sent(producer, cases)
        finally:
            worker.stop()
    # then the letter the dead worker held was taken over once its claim expired
    assert set(
        Letter.objects.filter(pk__in=[pk for (pk,) in held]).values_list("attempts", flat=True)
    ) == {2}
    # and each victim got exactly one letter
    assert_exactly_one_letter_each(cases, var_dir)


def test_a_redis_restart_mid_run_loses_no_letter_and_duplicates_none(force, var_dir, short_limits):
    cases = no_needs_cases(force, 10)
    broker = RedisServer(var_dir).start()
    producer = Celery(broker=broker.url)
    worker = CeleryWorker(broker_url=broker.url, var_dir=var_dir, env=LIMITS).start()
    try:
        # given every letter enqueued and the worker part-way through them
        ring(producer)
        wait_for(
            lambda: Letter.objects.filter(status=LetterStatus.SENT).exists(),
            timeout=60,
            every=0.05,
            what="the first letter to be sent",
        )
        # when Redis dies, losing every queued message, and comes back empty
        broker.kill()
        assert Letter.objects.exclude(status=LetterStatus.SENT).exists()
        broker.start()
        # then the worker reconnects and the sweep re-drives what the broker lost
        sweep_until_all_sent(producer, cases)
    finally:
        worker.stop()
        broker.kill()
    assert_exactly_one_letter_each(cases, var_dir)
