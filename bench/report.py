"""The results as JSON and as a short Markdown table (``bench/results/api.{json,md}``)."""

from __future__ import annotations

import json
from pathlib import Path

GOALS = {
    "single_vs_plain": 0.25,  # single POST throughput / plain insert throughput, at least
    "single_p99_ms": 100,  # below
    "batch_referrals_per_s": 2000,  # at least
    "letters_vs_bare": 0.8,  # letters/s through one worker / bare WeasyPrint, at least
    "sweep_seconds": 60,  # 100,000 due letters enqueued, below
    "page_p95_ms": 150,  # each staff page's p95 server time on the demo's data, below
    "dashboard_p95_ms": 1000,  # the dashboard for a year of a large force, below
}
DASHBOARD_REPORTS = {
    "report_csv_month": "the commissioner's report as CSV, one month",
    "report_pdf_month": "the commissioner's report as PDF, one month",
    "report_csv_year": "the commissioner's report as CSV, a year",
    "report_pdf_year": "the commissioner's report as PDF, a year",
}

PAGE_NAMES = ("my_work_vcc", "my_work_manager", "search", "case_page")
PAGE_LABELS = {
    "my_work_vcc": "my work, the VCC with the most cases (with filters)",
    "my_work_manager": "my work, a manager (the team; a member's queue)",
    "search": "search (names, postcodes, phones, references)",
    "case_page": "the case page",
}


def ratios_and_goals(results: dict) -> dict:
    single, plain = results["single"], results["plain"]
    bulk, batches = results["batch_bulk"], results["batch_single"]
    ratio = single["throughput_rps"] / plain["throughput_rps"] if plain["throughput_rps"] else 0
    return {
        "single_vs_plain": {
            "value": round(ratio, 3),
            "goal": f">= {GOALS['single_vs_plain']}",
            "met": ratio >= GOALS["single_vs_plain"],
        },
        "single_p99_ms": {
            "value": single["p99_ms"],
            "goal": f"< {GOALS['single_p99_ms']} ms",
            "met": single["p99_ms"] < GOALS["single_p99_ms"],
        },
        "single_non_201": {
            "value": single["non_201"] + sum(single["socket_errors"].values()),
            "goal": "0",
            "met": single["non_201"] == 0 and not any(single["socket_errors"].values()),
        },
        "batch_referrals_per_s": {
            "value": bulk["referrals_per_s"],
            "goal": f">= {GOALS['batch_referrals_per_s']:,}/s",
            "met": bulk["referrals_per_s"] >= GOALS["batch_referrals_per_s"],
        },
        "batch_single_referrals_per_s": {
            "value": batches["median_referrals_per_s"],
            "goal": f">= {GOALS['batch_referrals_per_s']:,}/s",
            "met": batches["median_referrals_per_s"] >= GOALS["batch_referrals_per_s"],
        },
        "batch_items_not_201": {
            "value": bulk["items_not_201"] + batches["items_not_201"],
            "goal": "0",
            "met": bulk["items_not_201"] + batches["items_not_201"] == 0
            and bulk["complete"]
            and not bulk["failed_batches"],
        },
        "stored_as_answered": stored_as_answered(results),
        # A run with --only-api has none of these.
        **(letter_goals(results) if "letters" in results else {}),
        **(page_goals(results) if "pages" in results else {}),
        **dashboard_goals(results),
    }


def dashboard_goals(results: dict) -> dict:
    dashboard = results.get("dashboard")
    if not dashboard:  # skipped with --dashboard-cases 0
        return {}
    p95 = dashboard["dashboard_year"]["p95_ms"]
    return {
        "dashboard_year": {
            "value": p95,
            "goal": f"< {GOALS['dashboard_p95_ms']:,} ms",
            "met": p95 < GOALS["dashboard_p95_ms"],
        }
    }


def page_goals(results: dict) -> dict:
    pages = results["pages"]
    return {
        f"page_{name}": {
            "value": pages[name]["p95_ms"],
            "goal": f"< {GOALS['page_p95_ms']} ms",
            "met": pages[name]["p95_ms"] < GOALS["page_p95_ms"],
        }
        for name in PAGE_NAMES
    }


def letter_goals(results: dict) -> dict:
    made, swept = results["letters"], results["sweep"]
    return {
        "letters_vs_bare": {
            "value": made["ratio"],
            "goal": f">= {GOALS['letters_vs_bare']}",
            "met": made["ratio"] >= GOALS["letters_vs_bare"]
            and made["statuses"] == {"sent": made["letters"]},
        },
        "sweep_seconds": {
            "value": swept["seconds"],
            "goal": f"< {GOALS['sweep_seconds']} s, each due letter once",
            "met": swept["seconds"] < GOALS["sweep_seconds"]
            and swept["enqueued"] == swept["due"] == swept["distinct_letters"]
            and swept["duplicates"] == 0,
        },
    }


def stored_as_answered(results: dict) -> dict:
    """Every 201 has its row. wrk stops counting with requests in flight, which the server
    still completes, so the single path may store up to one request a connection more
    per wrk run (warm-up and measured); batches are counted exactly."""
    stored, single = results["stored"], results["single"]
    warm = single.get("warmup") or {"statuses": {}}
    # 1: the check request before the load.
    answered_single = 1 + single["statuses"].get("201", 0) + warm["statuses"].get("201", 0)
    answered_batch = sum(results[k]["items"].get("201", 0) for k in ("batch_single", "batch_bulk"))
    in_flight = stored["police_api_referrals"] - answered_single
    runs = 2 if single.get("warmup") else 1
    return {
        "value": {
            "police_api_stored": stored["police_api_referrals"],
            "police_api_answered_201": answered_single,
            "adt_batch_stored": stored["adt_batch_referrals"],
            "adt_batch_answered_201": answered_batch,
            "victims_referred_twice": stored.get("victims_referred_twice"),
        },
        "goal": "each 201 stored, each victim new",
        "met": 0 <= in_flight <= runs * single["connections"]
        and stored["adt_batch_referrals"] == answered_batch
        and stored.get("victims_referred_twice") == 0,
    }


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _met(goal: dict) -> str:
    return "met" if goal["met"] else "**not met**"


def letter_rows(results: dict) -> list[tuple]:
    lt, sw, g = results["letters"], results["sweep"], results["goals"]
    return [
        (
            f"postal letters, one Celery worker (median of {lt['rounds']} rounds of "
            f"{lt['letters'] // lt['rounds']})",
            f"{lt['worker_per_s']:.2f}/s ({lt['worker_ms_per_letter']} ms each)",
            "",
            "",
        ),
        (
            "bare WeasyPrint, the same letter's HTML",
            f"{lt['bare_weasyprint_per_s']:.2f}/s ({lt['bare_ms_per_letter']} ms each)",
            "",
            "",
        ),
        (
            "worker / bare WeasyPrint (each round's)",
            f"{lt['ratio']:.2f} ({', '.join(f'{r:.2f}' for r in lt['round_ratios'])})",
            g["letters_vs_bare"],
        ),
        (
            f"sweep over {_n(sw['due'])} due letters (enqueued; duplicates)",
            f"{sw['seconds']} s ({_n(sw['enqueued'])}; {sw['duplicates']})",
            g["sweep_seconds"],
        ),
    ]


def page_rows(results: dict) -> list[tuple]:
    pages, g = results["pages"], results["goals"]
    return [
        (
            f"{PAGE_LABELS[name]}: p50 / p95 server time, {pages[name]['requests']} requests "
            f"on {_n(pages['victims'])} victims",
            f"{pages[name]['p50_ms']} / {pages[name]['p95_ms']} ms",
            g[f"page_{name}"],
        )
        for name in PAGE_NAMES
    ]


def markdown(results: dict) -> str:
    s, p = results["single"], results["plain"]
    bs, bk, cp = results["batch_single"], results["batch_bulk"], results["copy"]
    g, st = results["goals"], results["stored"]
    conns = s["connections"]
    bulk_label = (
        f"{_n(bk['items_sent'])} referrals in {bk['batches_sent']} batches of "
        f"{bk['batch_size']}, {bk['senders']} senders"
    )
    if not bk["complete"]:
        bulk_label += f" (stopped by the {bk['budget_s']} s budget; {_n(bk['target'])} asked)"
    not_201 = bk["items_not_201"] + bs["items_not_201"]
    rows = [
        ("single POST, throughput", f"{_n(s['throughput_rps'], 1)} req/s", "", ""),
        ("single POST, p50 / p99", f"{s['p50_ms']} / {s['p99_ms']} ms", g["single_p99_ms"]),
        (
            "single POST, answers not 201",
            f"{_n(g['single_non_201']['value'])} of {_n(s['requests'])}",
            g["single_non_201"],
        ),
        ("plain Django insert, throughput", f"{_n(p['throughput_rps'], 1)} req/s", "", ""),
        ("plain Django insert, p50 / p99", f"{p['p50_ms']} / {p['p99_ms']} ms", "", ""),
        ("single / plain throughput", f"{g['single_vs_plain']['value']:.2f}", g["single_vs_plain"]),
        (
            f"one batch of {bs['batch_size']} (median of {len(bs['runs'])}, sequential)",
            f"{_n(bs['median_referrals_per_s'], 1)} referrals/s",
            g["batch_single_referrals_per_s"],
        ),
        (bulk_label, f"{_n(bk['referrals_per_s'], 1)} referrals/s", g["batch_referrals_per_s"]),
        ("batch items not 201", _n(not_201), g["batch_items_not_201"]),
        (
            "referrals stored (single; batch); victims with two",
            f"{_n(st['police_api_referrals'])}; {_n(st['adt_batch_referrals'])}; "
            f"{_n(st.get('victims_referred_twice', 0))}",
            g["stored_as_answered"],
        ),
        (f"PostgreSQL COPY of {_n(cp['rows'])} rows", f"{_n(cp['rows_per_s'])} rows/s", "", ""),
    ]
    if "letters" in results:
        rows += letter_rows(results)
    if "pages" in results:
        rows += page_rows(results)
    dashboard = results.get("dashboard")
    if dashboard:
        cases = _n(dashboard["cases"])
        year = dashboard["dashboard_year"]
        rows.append(
            (
                f"the dashboard for a year: p50 / p95 server time, {year['runs']} requests on "
                f"{cases} cases (seeded in {dashboard['seed_seconds']} s, folded by day in "
                f"{dashboard.get('fold_seconds', '?')} s)",
                f"{year['p50_ms']} / {year['p95_ms']} ms",
                g["dashboard_year"],
            )
        )
        rows += [
            (f"{label} ({cases} cases): p50", f"{dashboard[name]['p50_ms']} ms", "", "")
            for name, label in DASHBOARD_REPORTS.items()
        ]
    lines = [
        f"# Referral API, letters and staff pages benchmark ({results['generated_at']})",
        "",
        f"gunicorn {results['config']['workers']} sync workers, DEBUG off, PostgreSQL "
        f"{results['machine']['postgres']}, {results['machine']['cpus']} cores, "
        f"{conns} connections for {s['duration_s']:.0f} s per load test; "
        f"commit {results['machine']['commit']}; load average before "
        f"{results['machine']['loadavg_before']}.",
        "",
        "| measure | result | goal | |",
        "| --- | --- | --- | --- |",
    ]
    for label, value, *goal in rows:
        if goal and isinstance(goal[0], dict):
            lines.append(f"| {label} | {value} | {goal[0]['goal']} | {_met(goal[0])} |")
        else:
            lines.append(f"| {label} | {value} | | |")
    log = results["server_log"]
    if log["error_lines"]:
        lines += ["", f"Server log: {log['error_lines']} error or warning lines, mostly:", ""]
        lines += [f"- {k['count']} x `{k['line']}`" for k in log["kinds"][:5]]
    return "\n".join(lines) + "\n"


def write(results: dict, folder: Path, *, name: str = "api") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    table = markdown(results)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (folder / f"{name}.md").write_text(table)
    return table
