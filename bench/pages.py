"""The staff pages' server time on the demo's 25,000 victims: my work, search, the case page.

    python -m bench.pages [--victims 25000] [--requests 100]

Runs in a process of its own on a fresh ``hub_bench_pages`` database (``make bench`` starts
it after the API steps): migrates, seeds the demo (``seed_demo --victims N``), then times
each page through Django's request handling in this process (every middleware, the
second factor and the session included; no network), as the demo's staff sign in. Prints
the results as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

PAGES_DATABASE = "hub_bench_pages"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(client, paths: list[str]) -> dict:
    """Each path once, after a warm-up of three; p50, p95 and max in milliseconds."""
    for path in paths[:3]:
        client.get(path)
    times = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        times.append(1000 * (time.perf_counter() - started))
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
    }


def search_terms(cases, rng: random.Random) -> list[str]:
    """What staff type: a surname, a full name backwards, a postcode without its space, a
    phone number without spaces, a case or crime reference in lower case."""
    terms = []
    for case in cases:
        person = case.person
        crime = case.referral.crime
        terms += [
            person.family_name,
            f"{person.family_name} {person.given_name}",
            person.postcode.replace(" ", "").lower() if person.postcode else person.family_name,
            person.phone.replace(" ", "") if person.phone else person.given_name,
            case.reference.lower(),
            crime.reference if crime else case.reference,
        ]
    rng.shuffle(terms)
    return terms


def measure(*, requests: int) -> dict:
    from urllib.parse import urlencode

    from django.db.models import Count

    from casework.models import Case
    from hub.models import User
    from tests.conftest import HttpsClient, sign_in

    rng = random.Random(7)  # noqa: S311 (a repeatable sample, not a secret)
    # The VCC with the most open cases, and a manager: the heaviest queues there are.
    vcc = (
        User.objects.filter(groups__name="VCC", responsible_cases__closed_at__isnull=True)
        .annotate(n=Count("responsible_cases"))
        .order_by("-n")
        .first()
    )
    manager = User.objects.filter(groups__name="Manager", force=vcc.force).first()
    vcc_client = sign_in(HttpsClient(), vcc)
    manager_client = sign_in(HttpsClient(), manager)
    visible = list(
        Case.objects.visible_to(vcc)
        .select_related("person", "referral__crime")
        .order_by("?")[: max(requests, 20)]
    )
    my_work = ["/", "/?overdue=on", "/?priority=1", "/?domestic_abuse=on"]
    team = [f"/?member={vcc.pk}", "/"]
    terms = search_terms(visible, rng)[:requests]
    return {
        "victims": Case.objects.count(),
        "user_open_cases": vcc.n,
        "my_work_vcc": timed(vcc_client, [my_work[n % 4] for n in range(requests)]),
        "my_work_manager": timed(manager_client, [team[n % 2] for n in range(requests)]),
        "search": timed(vcc_client, ["/search/?" + urlencode({"q": term}) for term in terms]),
        "case_page": timed(vcc_client, [f"/cases/{c.reference}/" for c in visible[:requests]]),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--victims", type=int, default=25_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--measure-only", action="store_true", help="time the pages on the database as it is"
    )
    args = parser.parse_args(argv)

    from bench.server import ROOT, bench_database_url, drop_database, environment
    from bench.server import recreate_database as recreate

    url = bench_database_url().rsplit("/", 1)[0] + "/" + PAGES_DATABASE
    os.environ.update(environment(url, ROOT / "var" / "bench"))
    os.environ["ALLOWED_HOSTS"] += ",testserver"  # Django's test client, in this process
    if args.measure_only:
        import django

        django.setup()
        sys.stdout.write(json.dumps(measure(requests=args.requests)) + "\n")
        return 0
    recreate(url)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        started = time.monotonic()
        call_command("seed_demo", victims=args.victims, seed=1, verbosity=0)
        seeded = round(time.monotonic() - started, 1)
        from django.db import connection, connections

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connections.close_all()
        # Timed in a process of its own, as a server's worker would serve the pages: not
        # in this one, whose heap still holds the seeding's objects for the collector.
        measure_only = ["-m", "bench.pages", "--measure-only", "--requests", str(args.requests)]
        done = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
            [sys.executable, *measure_only],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        results = {"seed_seconds": seeded, **json.loads(done.stdout.strip().splitlines()[-1])}
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(url)
    sys.stdout.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
