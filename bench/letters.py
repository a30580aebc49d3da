"""Letters in ``make bench``: rendering through a real worker, and the sweep at volume.

1. Letters per second for one Celery worker (concurrency 1) sending postal letters end to
   end (claim, render, store the PDF, record it), enqueued as the sweep enqueues them,
   against bare WeasyPrint printing the same letter's HTML and stylesheets to the same
   kind of PDF in the same process: the ceiling for any letter the Hub makes.
2. The sweep over 100,000 due letters: ``sweep_letters_task`` run until nothing is due,
   each letter rung (enqueued by id on Redis) exactly once.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections import Counter
from pathlib import Path

import redis

# Redis database numbers the bench may empty: its broker, never the Hub's own.
BROKER_DB = 14


def broker_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return base.rsplit("/", 1)[0] + f"/{BROKER_DB}"


def _postal_cases(count: int) -> list[int]:
    """``count`` victims with no needs who may only be written to by post: their
    information letters are planned, due now. Returns the letters' ids."""
    from django.utils import timezone

    from hub.models import Force
    from letters.models import Letter
    from referrals.inputs import CrimeInput, IvnaInput, PersonInput, ReferralInput
    from referrals.inputs import SafeContactInput as Safe
    from referrals.services import receive_referral

    force = Force.objects.order_by("pk").first()
    now = timezone.now()
    ids = []
    for n in range(count):
        data = ReferralInput(
            source="police_api",
            consent_basis="consent",
            person=PersonInput(
                given_name="Amira",
                family_name=f"Letterbench{n}",
                address_line1=f"{n + 1} High Street",
                town="Peterborough",
                postcode="PE1 1AA",
            ),
            crime=CrimeInput(
                reference=f"35/LB{n:05d}/26", offence_code="28/3", reported_on=now.date()
            ),
            ivna=IvnaInput(needs_support=False),
            safe_contact=Safe(email=False, post=True),
        )
        referral = receive_referral(force, data, now=now)
        ids.append(Letter.objects.get(case=referral.case).pk)
    return ids


def letters_per_worker(var_dir: Path, *, count: int = 40, rounds: int = 3) -> dict:
    """Rounds of ``count`` letters, each round bare WeasyPrint then the worker, back to
    back: this machine's speed drifts by a third within minutes, so each round's ratio
    compares two runs made under the same conditions, and the median round is reported."""
    from django.utils import timezone

    from letters.models import Letter, LetterStatus, LetterTemplate
    from letters.rendering import letter_html, letter_stylesheets
    from letters.sending import letter_content
    from letters.tasks import LETTERS_PER_TASK
    from tests.processes import CeleryWorker, wait_for

    # One more than measured: the first letter warms the worker (WeasyPrint's start-up and
    # fonts, about a second), as it is warm for every letter after it in production.
    warm, *ids = _postal_cases(rounds * count + 1)
    # The HTML of the first of these letters, printed by WeasyPrint as anyone would call
    # it (its default fetcher, the stylesheets read from disk and parsed for each letter,
    # the same PDF options): the ceiling.
    probe = Letter.objects.select_related("case__person", "case__force").get(pk=ids[0])
    template = LetterTemplate.objects.current(probe.purpose)
    content = letter_content(probe, template, channel="post", now=timezone.now())
    html = letter_html(content)
    import weasyprint
    from django.contrib.staticfiles import finders

    sheets = [Path(finders.find(name)) for name in letter_stylesheets(content)]

    def bare() -> bytes:
        return weasyprint.HTML(string=html).write_pdf(
            stylesheets=[weasyprint.CSS(filename=str(sheet)) for sheet in sheets],
            pdf_variant="pdf/ua-1",
            pdf_identifier=False,
        )

    bare()  # warm, as the worker is
    flush_broker()
    worker = CeleryWorker(broker_url=broker_url(), var_dir=var_dir).start()
    measured = []
    try:
        from celery import Celery

        producer = Celery(broker=broker_url())
        producer.send_task("letters.tasks.send_letters_task", args=[[warm]])
        wait_for(
            lambda: Letter.objects.filter(pk=warm, status=LetterStatus.SENT).exists(),
            timeout=120,
            what="the warm-up letter",
        )
        for round_ids in (ids[n : n + count] for n in range(0, len(ids), count)):
            started = time.monotonic()
            for _ in range(count):
                bare()
            bare_seconds = time.monotonic() - started
            started = time.monotonic()
            # As the sweep sends them: a few letters a message.
            for start in range(0, len(round_ids), LETTERS_PER_TASK):
                chunk = round_ids[start : start + LETTERS_PER_TASK]
                producer.send_task("letters.tasks.send_letters_task", args=[chunk])
            wait_for(
                lambda batch=round_ids: (
                    not (
                        Letter.objects.filter(pk__in=batch)
                        .exclude(status=LetterStatus.SENT)
                        .exists()
                    )
                ),
                timeout=600,
                every=0.05,
                what="the worker to send the letters",
            )
            worker_seconds = time.monotonic() - started
            measured.append((count / bare_seconds, count / worker_seconds))
    finally:
        worker.stop()
        flush_broker()
    statuses = Counter(Letter.objects.filter(pk__in=ids).values_list("status", flat=True))
    # The median round by its ratio (rounds is odd, so it is one real round).
    bare_rate, ours = sorted(measured, key=lambda m: m[1] / m[0])[len(measured) // 2]
    return {
        "letters": count * rounds,
        "rounds": rounds,
        "round_ratios": [round(o / b, 3) for b, o in measured],
        "bare_weasyprint_per_s": round(bare_rate, 2),
        "bare_ms_per_letter": round(1000 / bare_rate, 1),
        "worker_per_s": round(ours, 2),
        "worker_ms_per_letter": round(1000 / ours, 1),
        "ratio": round(ours / bare_rate, 3),
        "statuses": dict(statuses),
    }


def sweep(count: int = 100_000) -> dict:
    """Make ``count`` letters due at once (one per case, as many cases as there are),
    then run the sweep until nothing is due; count what it enqueued."""
    from django.db import connection

    from letters.tasks import sweep_letters_task

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO letters_letter (created_at, updated_at, case_id, episode, purpose,
                trigger, due_at, status, attempts, last_error, channel, content, pdf,
                pdf_sha256, message_id)
            SELECT now(), now(), id, episode, 'court_update', 'bench-sweep',
                now() - interval '1 minute', 'planned', 0, '', '', '{}', '', '', ''
            FROM casework_case ORDER BY id LIMIT %s
            ON CONFLICT DO NOTHING
            """,
            [count],
        )
        cursor.execute("SELECT count(*) FROM letters_letter WHERE status = 'planned'")
        (due,) = cursor.fetchone()
    flush_broker()
    client = redis.Redis.from_url(broker_url())
    started = time.monotonic()
    rounds = []
    while True:
        enqueued = sweep_letters_task()
        rounds.append(enqueued)
        if not enqueued:
            break
    seconds = time.monotonic() - started
    queued = client.llen("celery")
    # Each message names up to LETTERS_PER_TASK letters: an id twice would be a duplicate.
    ids = Counter()
    for raw in client.lrange("celery", 0, -1):
        body = json.loads(base64.b64decode(json.loads(raw)["body"]))
        ids.update(body[0][0])
    flush_broker()
    return {
        "due": due,
        "seconds": round(seconds, 2),
        "per_s": round(sum(rounds) / seconds) if seconds else 0,
        "rounds": len(rounds) - 1,
        "enqueued": sum(rounds),
        "messages_in_queue": queued,
        "distinct_letters": len(ids),
        "duplicates": sum(n - 1 for n in ids.values()),
    }


def flush_broker() -> None:
    redis.Redis.from_url(broker_url()).flushdb()
