"""``make bench``: the referral API under gunicorn and PostgreSQL, against its ceilings.

    python -m bench.run [--seconds 15] [--connections 16] [--bulk 100000] [--keep-db]

In one run, on a fresh ``hub_bench`` database (dropped again at the end): single POSTs
under wrk, the same load on a plain Django insert view, 500-item batches (a few alone,
then 100,000 referrals through 2 senders) and a PostgreSQL COPY of 100,000 rows; letters
through one Celery worker and the sweep (``bench.letters``); then, on a database of its
own seeded with the demo's 25,000 victims, the staff pages' server time (``bench.pages``);
and on a year of 1,000,000 cases seeded in SQL, the dashboard's (``bench.dashboard``).
Writes ``bench/results/api.json`` and ``api.md`` and prints the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

from bench import letters, report, wrk
from bench.bodies import Template, batch_body, keys, referral_body, today
from bench.report import PAGE_NAMES
from bench.server import (
    PLAIN_COLUMNS,
    PLAIN_TABLE,
    ROOT,
    Gunicorn,
    bench_database_url,
    database_name,
    drop_database,
    environment,
    recreate_database,
    request,
    send,
)

CREATE = "/api/v1/referrals/"
BATCH = "/api/v1/referrals/batch/"
PLAIN = "/bench/plain-referral/"
RESULTS = ROOT / "bench" / "results"


def say(message: str) -> None:
    sys.stdout.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--seconds", type=int, default=15, help="each wrk load test (default 15)")
    add("--warmup", type=int, default=3, help="wrk warm-up before each load test (default 3)")
    add("--connections", type=int, default=16)
    add("--threads", type=int, default=2, help="wrk threads (default 2)")
    add("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    add("--batch-size", type=int, default=500)
    add("--single-batches", type=int, default=3, help="sequential batches timed alone")
    add("--bulk", type=int, default=100_000, help="referrals pushed through batches")
    add("--senders", type=int, default=2, help="concurrent batch senders (default 2)")
    add("--bulk-budget", type=float, default=330, help="stop sending batches after (s)")
    add("--copy-rows", type=int, default=100_000)
    add("--letters", type=int, default=40, help="postal letters a round through one worker")
    add("--sweep", type=int, default=100_000, help="due letters for the sweep")
    add("--pages-victims", type=int, default=25_000, help="seed_demo size for the pages")
    add("--pages-requests", type=int, default=100, help="timed requests a page")
    add("--dashboard-cases", type=int, default=1_000_000, help="a year's cases; 0 skips it")
    add("--dashboard-requests", type=int, default=20, help="timed dashboard requests")
    add("--keep-db", action="store_true", help="keep hub_bench afterwards")
    add(
        "--only-api",
        action="store_true",
        help="steps 1-4 alone (no letters, sweep or staff pages); the table goes to "
        "var/bench/api-only.md and .json, leaving bench/results as it was",
    )
    return parser.parse_args(argv)


def prepare(database_url: str) -> str:
    """Migrate hub_bench, make the force, the plain table and an unthrottled client."""
    from django.core.management import call_command
    from django.db import connection

    from hub.models import Force

    call_command("migrate", interactive=False, verbosity=0)
    code = os.environ.get("HUB_FORCE_CODE", "CAMBS")
    Force.objects.get_or_create(
        code=code,
        defaults={
            "name": "Cambridgeshire Constabulary",
            "hub_name": "Cambridgeshire Victim and Witness Hub",
            "hub_phone": "0800 952 3000",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(PLAIN_TABLE)
    out = io.StringIO()
    # A high rate so that throttling never answers 429 and the API's own speed is measured.
    call_command(
        "create_api_client",
        "Bench crime recording",
        "--force",
        code,
        "--rate",
        "100000",
        stdout=out,
    )
    return out.getvalue().strip().splitlines()[-1]


def check_one(port: int, path: str, body: str, token: str | None) -> None:
    status, raw = request(port, "POST", path, body, token)
    if status != 201:
        raise SystemExit(f"POST {path} answered {status}, not 201: {raw[:1000]!r}")


def load_test(args, gunicorn, template, *, path, token, prefix, year) -> dict:
    common = {
        "base_url": gunicorn.base_url,
        "template": template,
        "path": path,
        "token": token,
        "year": year,
        "connections": args.connections,
        "threads": args.threads,
    }
    warm = wrk.run(prefix=prefix + "W", seconds=args.warmup, **common) if args.warmup else None
    load_before = loadavg()
    result = wrk.run(prefix=prefix, seconds=args.seconds, **common)
    # Other work on the machine moves these figures: keep the 1-minute load with them.
    result["loadavg_1m"] = {"before": load_before, "after": loadavg()}
    result["warmup"] = warm
    return result


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def _batch_outcome(status: int, raw: bytes) -> tuple[Counter, str]:
    """Items per status of one batch answer, and the first item (or body) that wasn't 201."""
    if status != 207:
        return Counter({f"batch {status}": 1}), raw[:600].decode(errors="replace")
    items = Counter()
    sample = ""
    for item in json.loads(raw)["results"]:
        items[str(item["http_status"])] += 1
        if item["http_status"] != 201 and not sample:
            sample = json.dumps(item)[:600]
    return items, sample


def single_batches(args, port, token, template, *, year) -> dict:
    runs, items, samples = [], Counter(), []
    for i in range(args.single_batches):
        body = batch_body(template, f"B{i}", 0, 0, args.batch_size, year=year)
        started = time.monotonic()
        status, raw = request(port, "POST", BATCH, body, token)
        elapsed = time.monotonic() - started
        outcome, sample = _batch_outcome(status, raw)
        items += outcome
        samples += [sample] if sample else []
        runs.append(
            {
                "http_status": status,
                "seconds": round(elapsed, 3),
                "referrals_per_s": round(outcome["201"] / elapsed, 1),
            }
        )
        say(f"  batch {i + 1}: {status} in {elapsed:.2f} s, {runs[-1]['referrals_per_s']}/s")
    return {
        "batch_size": args.batch_size,
        "runs": runs,
        "median_referrals_per_s": statistics.median([r["referrals_per_s"] for r in runs] or [0]),
        "items": dict(items),
        "items_not_201": sum(items.values()) - items["201"],
        "error_samples": samples[:3],
    }


def bulk_batches(args, port, token, template, *, year) -> dict:
    """``args.bulk`` referrals in batches from ``args.senders`` threads, each on one connection."""
    total, size = args.bulk, args.batch_size
    count = math.ceil(total / size)
    lock = threading.Lock()
    state = {"next": 0, "items": Counter(), "samples": [], "seconds": [], "failed": 0, "sent": 0}
    load_before = loadavg()
    started = time.monotonic()

    def sender() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            with lock:
                index = state["next"]
                if index >= count or time.monotonic() - started > args.bulk_budget:
                    break
                state["next"] += 1
            n = min(size, total - index * size)
            body = batch_body(template, "BK", 0, index * size, n, year=year)
            sent_at = time.monotonic()
            try:
                status, raw = send(conn, "POST", BATCH, body, token)
            except (OSError, http.client.HTTPException) as exc:
                status, raw = 0, f"{type(exc).__name__}: {exc}".encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            elapsed = time.monotonic() - sent_at
            outcome, sample = _batch_outcome(status, raw)
            with lock:
                state["items"] += outcome
                state["sent"] += n
                state["seconds"].append(elapsed)
                state["failed"] += status != 207
                if sample and len(state["samples"]) < 3:
                    state["samples"].append(sample)
                done = len(state["seconds"])
            if done % 20 == 0:
                say(f"  {done}/{count} batches, {time.monotonic() - started:.0f} s")
        conn.close()

    senders = [threading.Thread(target=sender) for _ in range(args.senders)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    wall = time.monotonic() - started
    items, seconds = state["items"], sorted(state["seconds"])
    return {
        "target": total,
        "batch_size": size,
        "senders": args.senders,
        "budget_s": args.bulk_budget,
        "complete": state["sent"] == total,
        "batches_sent": len(seconds),
        "items_sent": state["sent"],
        "referrals_created": items["201"],
        "seconds": round(wall, 2),
        "referrals_per_s": round(items["201"] / wall, 1),
        "batch_seconds_p50": round(statistics.median(seconds), 3) if seconds else None,
        "batch_seconds_max": round(seconds[-1], 3) if seconds else None,
        "items": dict(items),
        "items_not_201": sum(items.values()) - items["201"],
        "failed_batches": state["failed"],
        "error_samples": state["samples"],
        "loadavg_1m": {"before": load_before, "after": loadavg()},
    }


def copy_ceiling(database_url: str, template: Template, rows: int, *, year: int) -> dict:
    """psycopg 3 COPY of ``rows`` referral-shaped rows into bench_plain_referral: the floor."""
    import psycopg

    from bench.urls import plain_row

    base = plain_row(json.loads(template.render(keys("CP", 0, 0, year=year))))
    data = []
    for n in range(rows):
        k = keys("CP", 0, n, year=year)
        row = list(base)
        row[0], row[1], row[8] = k["sref"], k["cref"], "Khan-" + k["name"]
        data.append(row)
    with psycopg.connect(database_url) as conn:
        started = time.monotonic()
        with conn.cursor() as cursor:
            statement = "COPY bench_plain_referral (" + PLAIN_COLUMNS + ") FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in data:
                    copy.write_row(row)
        conn.commit()
        elapsed = time.monotonic() - started
    return {"rows": rows, "seconds": round(elapsed, 3), "rows_per_s": round(rows / elapsed)}


def stored_counts() -> dict:
    from django.db import connection
    from django.db.models import Count

    from referrals.models import Referral, ReferralSource

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_plain_referral")
        (plain,) = cursor.fetchone()
    people = Referral.objects.values("person_id").annotate(n=Count("id"))
    return {
        "police_api_referrals": Referral.objects.filter(source=ReferralSource.POLICE_API).count(),
        "adt_batch_referrals": Referral.objects.filter(source=ReferralSource.ADT_BATCH).count(),
        "plain_rows": plain,
        # Every body is a new victim: a person with two referrals means the bench measured
        # linking, not new work.
        "victims_referred_twice": people.filter(n__gt=1).count(),
    }


def machine() -> dict:
    from django.db import connection

    git = shutil.which("git")
    commit = "unknown"
    if git:
        head = subprocess.run(  # noqa: S603
            [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        commit = head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    import django
    import gunicorn

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    return {
        "cpus": os.cpu_count(),
        "loadavg_before": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgres": postgres,
        "commit": commit,
    }


def measure(args, gunicorn: Gunicorn, token: str, database_url: str) -> dict:
    on = today()
    year = (on - dt.timedelta(days=2)).year
    single = Template.of(referral_body(on=on))
    adt = Template.of(referral_body(on=on, consent_basis="adt"))
    port = gunicorn.port
    check_one(port, CREATE, single.render(keys("CHK", 0, 0, year=year)), token)
    check_one(port, PLAIN, single.render(keys("CHK", 0, 1, year=year)), None)
    results: dict = {"machine": machine()}

    say(f"1/7 single POSTs: {args.connections} connections, {args.seconds} s")
    results["single"] = load_test(
        args, gunicorn, single, path=CREATE, token=token, prefix="S", year=year
    )
    say(f"    {results['single']['throughput_rps']} req/s, p99 {results['single']['p99_ms']} ms")
    say(f"2/7 plain Django insert view: {args.connections} connections, {args.seconds} s")
    results["plain"] = load_test(
        args, gunicorn, single, path=PLAIN, token=None, prefix="P", year=year
    )
    say(f"    {results['plain']['throughput_rps']} req/s, p99 {results['plain']['p99_ms']} ms")
    say(f"3/7 batches of {args.batch_size}: {args.single_batches} alone, then {args.bulk:,}")
    results["batch_single"] = single_batches(args, port, token, adt, year=year)
    results["batch_bulk"] = bulk_batches(args, port, token, adt, year=year)
    say(f"    {results['batch_bulk']['referrals_per_s']} referrals/s")
    say(f"4/7 PostgreSQL COPY of {args.copy_rows:,} rows")
    results["copy"] = copy_ceiling(database_url, single, args.copy_rows, year=year)
    results["stored"] = stored_counts()
    if args.only_api:
        return results
    say(f"5/7 3 rounds of {args.letters} postal letters: bare WeasyPrint, then one worker")
    results["letters"] = letters.letters_per_worker(ROOT / "var" / "bench", count=args.letters)
    made = results["letters"]
    say(f"    {made['worker_per_s']}/s through the worker, {made['bare_weasyprint_per_s']}/s bare")
    say(f"6/7 the sweep over {args.sweep:,} due letters")
    results["sweep"] = letters.sweep(args.sweep)
    say(f"    {results['sweep']['enqueued']:,} in {results['sweep']['seconds']} s")
    return results


def staff_pages(args) -> dict:
    """bench.pages in a process of its own: it seeds a database of its own."""
    say(f"7/7 staff pages on seed_demo --victims {args.pages_victims:,}")
    done = subprocess.run(  # noqa: S603 (our own module, our own arguments)
        [
            sys.executable,
            "-m",
            "bench.pages",
            "--victims",
            str(args.pages_victims),
            "--requests",
            str(args.pages_requests),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench.pages failed:\n{done.stderr[-3000:]}")
    pages = json.loads(done.stdout.strip().splitlines()[-1])
    for name in PAGE_NAMES:
        say(f"    {name}: p95 {pages[name]['p95_ms']} ms")
    return pages


def dashboard(args) -> dict | None:
    """bench.dashboard in a process of its own: it seeds a database of its own."""
    if not args.dashboard_cases:
        say("dashboard skipped (--dashboard-cases 0)")
        return None
    say(f"the dashboard on a year of {args.dashboard_cases:,} cases")
    done = subprocess.run(  # noqa: S603 (our own module, our own arguments)
        [
            sys.executable,
            "-m",
            "bench.dashboard",
            "--cases",
            str(args.dashboard_cases),
            "--requests",
            str(args.dashboard_requests),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench.dashboard failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    say(f"    dashboard for a year: p95 {result['dashboard_year']['p95_ms']} ms")
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    database_url = bench_database_url()
    os.environ.update(environment(database_url, ROOT / "var" / "bench"))
    say(f"recreating database {database_name(database_url)} and migrating it")
    recreate_database(database_url)
    gunicorn = Gunicorn(env=dict(os.environ), workers=args.workers, log_dir=RESULTS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        import django

        django.setup()
        token = prepare(database_url)
        say(f"starting gunicorn ({args.workers} sync workers) at {gunicorn.base_url}")
        gunicorn.start()
        results = measure(args, gunicorn, token, database_url)
    finally:
        gunicorn.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(database_url)
    if not args.only_api:
        results["pages"] = staff_pages(args)
        results["dashboard"] = dashboard(args)
    results = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": {k: v for k, v in vars(args).items() if k != "keep_db"},
        **results,
        "server_log": gunicorn.log_errors(),
        "total_seconds": round(time.monotonic() - began, 1),
    }
    results["machine"]["loadavg_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results["goals"] = report.ratios_and_goals(results)
    # A partial run's table must not pass for a whole run's: it goes elsewhere.
    folder, name = (ROOT / "var" / "bench", "api-only") if args.only_api else (RESULTS, "api")
    table = report.write(results, folder, name=name)
    say(f"wrote {folder.relative_to(ROOT)}/{name}.json and .md in {results['total_seconds']} s")
    log = results["server_log"]
    if log["error_lines"]:
        kinds = "\n".join(f"  {k['count']} x {k['line']}" for k in log["kinds"])
        say(f"{log['error_lines']} error/warning lines in {log['file']}:\n{kinds}")
        if log["first_traceback"]:
            say(f"first traceback:\n{log['first_traceback']}")
    sys.stdout.write("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
