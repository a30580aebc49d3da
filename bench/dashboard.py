"""The dashboard's server time on a year of a large force, and the commissioner's report's.

    python -m bench.dashboard [--cases 1000000] [--requests 20] [--keep-db]

Runs in a process of its own on a fresh ``hub_bench_dashboard`` database (``make bench``
starts it after the staff pages; ``--dashboard-cases 0`` there skips it): migrates, seeds
a year of one force in SQL (``bench.dashboard_seed``), then, in a fresh process, times
``/dashboard/`` for the year through Django's whole request handling as the force's
manager (after one warm-up request), and the report as CSV and PDF for the last month and
for the year. Prints the results as one JSON line. ``--database NAME`` seeds an existing,
migrated database of another name instead, and leaves it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time

from bench.pages import percentile

DASHBOARD_DATABASE = "hub_bench_dashboard"


def year_to_last_month(today: dt.date):
    from reporting.measures import Period

    month = Period.last_full_month(today)
    index = month.last.year * 12 + month.last.month - 12
    return Period(dt.date(index // 12, index % 12 + 1, 1), month.last), month


def _timed(call, times: int) -> dict:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append(1000 * (time.perf_counter() - started))
    return {
        "runs": times,
        "p50_ms": round(sorted(spent)[len(spent) // 2], 1),
        "p95_ms": round(percentile(spent, 0.95), 1),
        "max_ms": round(max(spent), 1),
    }


def measure(*, requests: int, report_runs: int) -> dict:
    from django.utils import timezone

    from casework.models import Case
    from hub.models import Force, User
    from reporting.reports import report_csv, report_pdf
    from tests.conftest import HttpsClient, sign_in

    force = Force.objects.get(code="BENCHDASH")
    manager = User.objects.get(username="bench-manager")
    client = sign_in(HttpsClient(), manager)
    now = timezone.now()
    year, month = year_to_last_month(timezone.localdate(now))
    path = f"/dashboard/?from={year.first.isoformat()}&to={year.last.isoformat()}"

    def page():
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    page()  # warm-up: the session, the templates
    dashboard = _timed(page, requests)
    return {
        "cases": Case.objects.filter(force=force).count(),
        "period": [year.first.isoformat(), year.last.isoformat()],
        "dashboard_year": dashboard,
        "report_csv_month": _timed(lambda: report_csv(force, month, now=now), report_runs),
        "report_pdf_month": _timed(lambda: report_pdf(force, month, now=now), report_runs),
        "report_csv_year": _timed(lambda: report_csv(force, year, now=now), report_runs),
        "report_pdf_year": _timed(lambda: report_pdf(force, year, now=now), report_runs),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--report-runs", type=int, default=3)
    parser.add_argument("--database", default=DASHBOARD_DATABASE)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--measure-only", action="store_true", help="time the pages on the database as it is"
    )
    args = parser.parse_args(argv)

    from bench.server import ROOT, bench_database_url, drop_database, environment
    from bench.server import recreate_database as recreate

    url = bench_database_url().rsplit("/", 1)[0] + "/" + args.database
    own = "bench" in args.database
    os.environ.update(environment(url, ROOT / "var" / "bench"))
    os.environ["ALLOWED_HOSTS"] += ",testserver"  # Django's test client, in this process
    import django

    if args.measure_only:
        django.setup()
        result = measure(requests=args.requests, report_runs=args.report_runs)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    if own:
        recreate(url)
    try:
        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from bench.dashboard_seed import seed

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        now = timezone.now()
        year, _ = year_to_last_month(timezone.localdate(now))
        started = time.monotonic()
        seed(cases=args.cases, first=year.first, days=year.days, now=now)
        seeded = round(time.monotonic() - started, 1)
        # The triggers marked every seeded day: folding them all is the rebuild a force
        # moving to the Hub would run once (``manage.py refresh_figures``).
        from reporting.rollup import refresh

        started = time.monotonic()
        refresh()
        folded = round(time.monotonic() - started, 1)
        from django.db import connections

        connections.close_all()
        # Timed in a process of its own, as a server's worker would serve the page.
        command = [
            sys.executable,
            "-m",
            "bench.dashboard",
            "--measure-only",
            "--database",
            args.database,
            "--requests",
            str(args.requests),
            "--report-runs",
            str(args.report_runs),
        ]
        done = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
            command, capture_output=True, text=True, check=False, cwd=ROOT
        )
        if done.returncode:
            raise RuntimeError(f"bench.dashboard failed:\n{done.stderr[-3000:]}")
        results = {
            "seed_seconds": seeded,
            "fold_seconds": folded,
            **json.loads(done.stdout.strip().splitlines()[-1]),
        }
    finally:
        from django.db import connections

        connections.close_all()
        if own and not args.keep_db:
            drop_database(url)
    sys.stdout.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
