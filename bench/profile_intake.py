"""The intake path's CPU in this process: single POSTs and 500-item batches, in-process.

    SECRET_KEY=x DATABASE_URL=postgres://…/hub_something python -m bench.profile_intake \
        [--singles 300] [--batches 4] [--profile single|batch] [--top 40]

Requests go through Django's whole handler (middleware, DRF, the views) with the test
client, on a migrated database of the caller's choosing (the referrals it writes are
committed there: each run uses new references). ``time.process_time`` counts this
process's CPU only, so PostgreSQL's own work is left out; wall time includes the round
trips. ``--profile`` prints cProfile's busiest functions for one kind of request.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import time
import uuid


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("HUB_DEMO", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    # As gunicorn loads the Hub: the WSGI module sets the process up (and its heap).
    import hub.wsgi  # noqa: F401


def _client_token() -> str:
    from hub.models import Force
    from referrals.services import create_api_client

    force, _ = Force.objects.get_or_create(
        code="CAMBS",
        defaults={
            "name": "Cambridgeshire Constabulary",
            "hub_name": "Cambridgeshire Victim and Witness Hub",
            "hub_phone": "0800 952 3000",
        },
    )
    _, token = create_api_client(
        name=f"profile {uuid.uuid4().hex[:8]}", force_code=force.code, rate_per_second=100_000
    )
    return token


def _post(client, path: str, body: str, token: str):
    return client.post(
        path,
        body,
        content_type="application/json",
        secure=True,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _expect(response, status: int) -> None:
    if response.status_code != status:
        raise SystemExit(
            f"answered {response.status_code}, not {status}: {response.content[:600]!r}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_intake")
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--profile", choices=["single", "batch"])
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    _setup()

    from django.test import Client

    from bench.bodies import Template, batch_body, keys, referral_body, today

    on = today()
    year = (on - dt.timedelta(days=2)).year
    single = Template.of(referral_body(on=on))
    adt = Template.of(referral_body(on=on, consent_basis="adt"))
    token = _client_token()
    client = Client()
    run = uuid.uuid4().hex[:6].upper()
    # Victims' names come from the sender number: a fresh one each run keeps every victim
    # new, as on the bench's fresh database, rather than linked to an earlier run's.
    sender = uuid.uuid4().int % 10_000 * 100
    # CPU time, not wall time: waits on PostgreSQL are not this process's work.
    profiler = cProfile.Profile(time.process_time)
    out = sys.stdout

    # Warm-up: imports, the offence table, the first connection.
    for n in range(5):
        response = _post(
            client,
            "/api/v1/referrals/",
            single.render(keys(run + "W", sender, n, year=year)),
            token,
        )
        _expect(response, 201)

    cpu, wall = [], []
    for n in range(args.singles):
        body = single.render(keys(run + "S", sender + 1, n, year=year))
        if args.profile == "single":
            profiler.enable()
        c0, w0 = time.process_time(), time.perf_counter()
        response = _post(client, "/api/v1/referrals/", body, token)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        if args.profile == "single":
            profiler.disable()
        _expect(response, 201)
    if cpu:
        out.write(
            f"single POST: {len(cpu)} requests, CPU median {statistics.median(cpu) * 1e3:.2f} ms "
            f"min {min(cpu) * 1e3:.2f} ms; wall median "
            f"{statistics.median(wall) * 1e3:.2f} ms\n"
        )

    cpu, wall = [], []
    for n in range(args.batches + 1):
        body = batch_body(adt, run + "B", sender + 2 + n, 0, args.batch_size, year=year)
        profiling = args.profile == "batch" and n > 0
        if profiling:
            profiler.enable()
        c0, w0 = time.process_time(), time.perf_counter()
        response = _post(client, "/api/v1/referrals/batch/", body, token)
        c, w = time.process_time() - c0, time.perf_counter() - w0
        if profiling:
            profiler.disable()
        _expect(response, 207)
        statuses = {r["http_status"] for r in response.json()["results"]}
        if statuses != {201}:
            raise SystemExit(f"batch items answered {statuses}: {response.content[:600]!r}")
        if n > 0:  # the first batch warms up
            cpu.append(c)
            wall.append(w)
    if cpu:
        per_item = statistics.median(cpu) / args.batch_size * 1e3
        out.write(
            f"batch of {args.batch_size}: {len(cpu)} batches, CPU median "
            f"{statistics.median(cpu) * 1e3:.0f} ms ({per_item:.3f} ms an item, min "
            f"{min(cpu) / args.batch_size * 1e3:.3f}); wall median "
            f"{statistics.median(wall) * 1e3:.0f} ms "
            f"({args.batch_size / statistics.median(wall):.0f} referrals/s)\n"
        )
    if args.profile:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        out.write(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
