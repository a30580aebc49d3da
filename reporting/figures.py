"""Computing the measures of ``reporting.measures`` for a force, a period and an area.

The figures are added up from the days folded by ``reporting.rollup`` (after folding any
day changed since), both periods (the one asked for and the one before it) in the same
statements, each sum filtered by which side of the split its day falls. The page's
query count is therefore fixed, whatever the volume (two more when a day in the period has
a deadline still to come). Staff caseloads and volunteers are
counted from their own (small) tables as at the end of each period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value, When

from assessments.models import OUTCOME_FIELDS
from casework.models import (
    Case,
    OnwardReferral,
    Service,
    VolunteerAssignment,
)
from hub.roles import Role
from letters.models import Channel, Letter, LetterStatus, Purpose
from reporting import rollup
from reporting.measures import BREAKDOWNS, CATEGORY, OUTCOME_LABELS, Measure, Period
from reporting.models import (
    CASE_COLUMNS,
    PART_COLUMNS,
    DayAllocations,
    DayFigures,
    DayTally,
    TallyKind,
)
from reporting.rollup import cohort


@dataclass
class Figure:
    value: float | int | None
    previous: float | int | None
    # breakdown name -> [(key, label, value, previous)]
    breakdowns: dict[str, list[tuple[str, str, float | int, float | int]]] = field(
        default_factory=dict
    )


@dataclass
class Figures:
    period: Period
    previous_period: Period
    area: str
    figures: dict[str, Figure]
    outcomes: list[dict]
    staff: list[dict]
    languages: list[tuple[str, int]]
    # When the oldest change not yet counted was made (None: every change is counted).
    changes_since: dt.datetime | None = None

    def value(self, measure_id: str):
        return self.figures[measure_id].value


def cases_behind(
    force_id: int,
    measure: Measure,
    period: Period,
    area: str,
    *,
    now: dt.datetime,
    breakdown: str = "",
) -> QuerySet:
    """The cases a figure counts (for figures of calls, letters or referrals: the cases
    that have them), narrowed to one breakdown's value as ``name:key``."""
    cases = cohort(force_id, period, area).filter(measure.condition(now))
    if breakdown:
        name, _, key = breakdown.partition(":")
        if name in BREAKDOWNS:
            cases = cases.filter(BREAKDOWNS[name].q(key))
        elif name == "service":
            cases = cases.filter(
                Exists(OnwardReferral.objects.filter(case=OuterRef("pk"), service_id=key))
            )
        elif name == "purpose":
            cases = cases.filter(
                Exists(
                    Letter.objects.filter(
                        case=OuterRef("pk"), status=LetterStatus.SENT, purpose=key
                    )
                )
            )
    return cases


def compute(
    force_id: int, period: Period, area: str = "", *, now: dt.datetime, fresh: bool = True
) -> Figures:
    """Every measure for the period and the one before it, added up from the folded days.

    ``fresh``: fold the days changed since they were last folded first, so that every
    committed change is counted (the reports). The dashboard's pages read what beat
    folded instead (at most a minute behind) and say since when changes wait: folding
    today's cases of a large force as they arrive would cost every page view that much.
    """
    if fresh:
        rollup.refresh()
    with transaction.atomic(), connection.cursor() as cursor:
        # Read-only work: SET LOCAL ends with this transaction. A year's folded rows
        # are sorted and hashed in memory; the few dozen sums are not worth compiling.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        figures = _compute(force_id, period, area, now=now)
    if not fresh:
        figures.changes_since = rollup.changes_since(force_id)
    return figures


def _compute(force_id: int, period: Period, area: str, *, now: dt.datetime) -> Figures:
    previous = period.previous()
    where = _Where(force_id, Period(previous.first, period.last), period.first, area)
    sums = _sums(where, now)
    figures: dict[str, Figure] = {}
    totals = sums.get(("", ""), {})
    for m in rollup.CASE_MEASURES:
        figures[m.id] = Figure(*_sides(totals, m.id))
    for name, breakdown in BREAKDOWNS.items():
        split = [m for m in rollup.CASE_MEASURES if breakdown in m.breakdowns]
        for (set_name, key), sides in sorted(sums.items()):
            if set_name != name:
                continue
            for m in split:
                cur, prev = _sides(sides, m.id)
                if cur or prev:
                    figures[m.id].breakdowns.setdefault(name, []).append(
                        (key, breakdown.label_of(key), cur, prev)
                    )
    for m in rollup.CASE_MEASURES:
        for rows in figures[m.id].breakdowns.values():
            rows.sort(key=lambda row: (-row[2], row[1]))

    calls, called = _sides(totals, "calls"), _sides(totals, "called")
    figures["contact_attempts"] = Figure(*calls)
    figures["contact_attempts_per_victim"] = Figure(
        _ratio(calls[0], called[0]), _ratio(calls[1], called[1])
    )
    median = _median(where)
    met, due = _sides(totals, "reached_by_deadline"), _sides(totals, "reached_with_deadline")
    figures["first_contact_median_hours"] = Figure(
        _hours(median.get(True)), _hours(median.get(False))
    )
    figures["first_contact_by_deadline_pct"] = Figure(
        _ratio(met[0], due[0], 100), _ratio(met[1], due[1], 100)
    )
    figures["code_court_update_met"] = Figure(*_sides(totals, "court_met"))
    figures["code_court_update_missed"] = Figure(*_sides(totals, "court_missed"))
    pending = sorted({day for side in totals.values() for day in side["pending_days"]})
    _still_to_come(where, pending, figures, now=now)
    _tallied(where, figures)
    outcomes = [
        {
            "outcome": name,
            "label": OUTCOME_LABELS[name],
            "improved": totals.get(True, {}).get(f"{name}_improved", 0),
            "same": totals.get(True, {}).get(f"{name}_same", 0),
            "worse": totals.get(True, {}).get(f"{name}_worse", 0),
            "mean_change": _ratio(
                totals.get(True, {}).get(f"{name}_change", 0),
                totals.get(True, {}).get(f"{name}_scored", 0),
            ),
        }
        for name in OUTCOME_FIELDS
    ]
    staff = _staff(force_id, period, previous, figures)
    languages = _volunteers(force_id, period, previous, figures)
    return Figures(period, previous, area, figures, outcomes, staff, languages)


@dataclass(frozen=True)
class _Where:
    """The folded rows of a force's days in ``span`` (and an area), split at ``split``:
    the days from it are the period asked for, those before it the previous one."""

    force_id: int
    span: Period
    split: dt.date
    area: str

    def sql(self) -> str:
        area = " AND area = %(area)s" if self.area else ""
        return f"force_id = %(force)s AND day BETWEEN %(first)s AND %(last)s{area}"

    def params(self, **more) -> dict:
        return {
            "force": self.force_id,
            "first": self.span.first,
            "last": self.span.last,
            "area": self.area,
            "split": self.split,
            **more,
        }


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sides(sides: dict, column: str) -> tuple:
    return sides.get(True, {}).get(column, 0), sides.get(False, {}).get(column, 0)


# The breakdowns kept as keys of the folded rows, each a grouping set, with a key the
# breakdown's own (an empty value is its ``empty``); the crime category is tallied.
_SPLITS = {
    "source": "source",
    "area": "NULLIF(area, '')",
    "domestic_abuse": "CASE WHEN domestic_abuse THEN 'true' ELSE 'false' END",
}


def _sums(where: _Where, now: dt.datetime) -> dict[tuple[str, str], dict[bool, dict]]:
    """Every folded column summed for each side of the split, in total (``("", "")``),
    and the measures that are split summed by each breakdown's keys (grouping sets, in
    a second statement: the totals' few dozen sums are not repeated for every key). A
    missed figure here counts every case not met by its deadline: :func:`_still_to_come`
    takes off those whose deadline is still to come."""
    table = DayFigures._meta.db_table

    def sums(columns) -> str:
        return ", ".join(f"SUM({c})" for c in columns)

    params = where.params(now=now)
    columns = CASE_COLUMNS + PART_COLUMNS
    # With the days that have a deadline still to come, for _still_to_come.
    totals = f"""
        SELECT day >= %(split)s, ARRAY_AGG(day) FILTER (WHERE pending_until >= %(now)s),
               {sums(columns)}
        FROM {table} WHERE {where.sql()} GROUP BY 1
    """  # noqa: S608 (the table and columns are the models' own)
    found: dict[tuple[str, str], dict[bool, dict]] = {}
    for cur, pending, *values in _fetch(totals, params):
        side = dict(zip(columns, (v or 0 for v in values), strict=True))
        found.setdefault(("", ""), {})[cur] = side | {"pending_days": pending or []}

    split = [m.id for m in rollup.CASE_MEASURES if m.breakdowns]
    names = list(_SPLITS)
    keys = ", ".join(f"{sql} AS k_{name}" for name, sql in _SPLITS.items())
    by_key = f"""
        SELECT cur, {", ".join(f"k_{name}" for name in names)},
               {", ".join(f"GROUPING(k_{name})" for name in names)}, {sums(split)}
        FROM (
            SELECT day >= %(split)s AS cur, {keys}, pending_until, {", ".join(split)}
            FROM {table} WHERE {where.sql()}
        ) f
        GROUP BY GROUPING SETS ({", ".join(f"(cur, k_{name})" for name in names)})
    """  # noqa: S608 (the table and columns are the models' own)
    for row in _fetch(by_key, params):
        cur, found_keys = row[0], row[1 : 1 + len(names)]
        grouped = row[1 + len(names) : 1 + 2 * len(names)]
        values = dict(zip(split, (v or 0 for v in row[1 + 2 * len(names) :]), strict=True))
        name = next(n for n, g in zip(names, grouped, strict=True) if not g)
        key = found_keys[names.index(name)]
        found.setdefault((name, BREAKDOWNS[name].empty if key is None else key), {})[cur] = values
    return found


def _median(where: _Where) -> dict[bool, float]:
    """The median seconds to first contact of each side, over every case reached."""
    table = DayFigures._meta.db_table
    sql = f"""
        SELECT day >= %(split)s, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY seconds)
        FROM {table}, unnest(first_contact_seconds) AS seconds
        WHERE {where.sql()} GROUP BY 1
    """  # noqa: S608 (the table is the model's own)
    return dict(_fetch(sql, where.params()))


def _still_to_come(where: _Where, days: list[dt.date], figures: dict, *, now: dt.datetime) -> None:
    """Take off the missed figures the cases and court results whose deadline is still
    to come: the folded rows count every one not met by its deadline, whenever that
    is. Only ``days`` are looked at, those whose latest such deadline is after ``now``
    (the last few), and of their cases only those with a deadline after it."""
    if not days:
        return
    cases = Case.objects.none()
    for first, last in rollup.runs(days):
        cases |= rollup.cohort(where.force_id, Period(first, last), where.area)
    split_at = Period(where.split, where.split).start_at
    to_come = {m.id: Q(**{f"{m.until}__gte": now}) for m in rollup.DEADLINE_MEASURES}
    waiting = cases.filter(_any(to_come.values()))
    sided = waiting.annotate(
        is_current=DbCase(
            When(Q(referral__received_at__gte=split_at), then=Value(True)), default=Value(False)
        )
    )
    counts = {m.id: Count("pk", filter=to_come[m.id] & m.q) for m in rollup.DEADLINE_MEASURES}
    for row in sided.values("is_current").annotate(**counts):
        for m in rollup.DEADLINE_MEASURES:
            _add(figures[m.id], row["is_current"], -row[m.id])
    court = rollup.court_results(cases).filter(Q(due__gte=now) & rollup.COURT_NOT_MET)
    court_current = Q(case__referral__received_at__gte=split_at)
    for row in court.values(
        is_current=DbCase(When(court_current, then=Value(True)), default=Value(False))
    ).annotate(n=Count("pk")):
        _add(figures["code_court_update_missed"], row["is_current"], -row["n"])


def _any(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def _add(figure: Figure, current: bool, n: int) -> None:
    if current:
        figure.value += n
    else:
        figure.previous += n


def _tallied(where: _Where, figures: dict) -> None:
    """Referrals by crime category, letters and emails by purpose (with their cost) and
    onward referrals by service."""
    table = DayTally._meta.db_table
    sql = f"""
        SELECT kind, key,
               SUM(count) FILTER (WHERE day >= %(split)s),
               SUM(count) FILTER (WHERE day < %(split)s),
               SUM(amount) FILTER (WHERE day >= %(split)s),
               SUM(amount) FILTER (WHERE day < %(split)s)
        FROM {table} WHERE {where.sql()} GROUP BY kind, key
    """  # noqa: S608 (the table is the model's own)
    rows = [
        (kind, key, *(v or 0 for v in values)) for kind, key, *values in _fetch(sql, where.params())
    ]
    purposes = dict(Purpose.choices)
    for channel, count_id, cost_id in (
        (Channel.POST, "letters_sent", "letters_cost_pence"),
        (Channel.EMAIL, "emails_sent", "emails_cost_pence"),
    ):
        mine = [r for r in rows if r[0] == channel]
        count = Figure(sum(r[2] for r in mine), sum(r[3] for r in mine))
        count.breakdowns["purpose"] = sorted(
            ((key, purposes.get(key, key), n, n_prev) for _, key, n, n_prev, _, _ in mine),
            key=lambda row: (-row[2], row[1]),
        )
        figures[count_id] = count
        figures[cost_id] = Figure(sum(r[4] for r in mine), sum(r[5] for r in mine))
    # The crime category splits the referrals received (of every case) alone: tallied.
    received = figures["referrals_received"]
    by_category = [
        (key or CATEGORY.empty, CATEGORY.label_of(key or CATEGORY.empty), n, n_prev)
        for kind, key, n, n_prev, _, _ in rows
        if kind == TallyKind.CATEGORY
    ]
    if by_category:
        received.breakdowns["category"] = sorted(by_category, key=lambda row: (-row[2], row[1]))
        order = list(BREAKDOWNS)
        received.breakdowns = dict(
            sorted(received.breakdowns.items(), key=lambda item: order.index(item[0]))
        )
    onward = [r for r in rows if r[0] == TallyKind.ONWARD]
    names = dict(
        Service.objects.filter(pk__in=[int(r[1]) for r in onward]).values_list("pk", "name")
    )
    figure = Figure(sum(r[2] for r in onward), sum(r[3] for r in onward))
    services = [(key, names.get(int(key), key), n, n_prev) for _, key, n, n_prev, _, _ in onward]
    if services:
        figure.breakdowns["service"] = sorted(services, key=lambda row: (-row[2], row[1]))
    figures["onward_referrals"] = figure


def _ratio(numerator, denominator, scale=1):
    return round(scale * numerator / denominator, 2) if denominator else None


def _hours(seconds):
    return None if seconds is None else round(seconds / 3600, 1)


def _staff(force_id: int, period: Period, previous: Period, figures: dict) -> list[dict]:
    """Each caseworker's and VCC's intake in the 12 months (365 London days) to the end
    of each period, as ``casework.services.caseworker_intake`` counts it (a case given
    back and again once), summed from the days folded, both periods in one statement."""
    from hub.models import User

    table = DayAllocations._meta.db_table
    last_year = dt.timedelta(days=364)
    windows = {
        "cur_lo": period.last - last_year,
        "cur_hi": period.last,
        "prev_lo": previous.last - last_year,
        "prev_hi": previous.last,
    }
    intake_in = (
        "SUM(cases - (SELECT COUNT(*) FROM unnest(repeats) AS r WHERE r >= %({side}_lo)s)) "
        "FILTER (WHERE day BETWEEN %({side}_lo)s AND %({side}_hi)s)"
    )
    sql = f"""
        SELECT user_id, {intake_in.format(side="cur")}, {intake_in.format(side="prev")}
        FROM {table} WHERE force_id = %(force)s AND day BETWEEN %(prev_lo)s AND %(cur_hi)s
        GROUP BY user_id
    """  # noqa: S608 (the table is the model's own)
    intake = {
        user_id: {"n": n or 0, "n_prev": n_prev or 0}
        for user_id, n, n_prev in _fetch(sql, {"force": force_id, **windows})
    }
    cap = settings.CASEWORKER_CAP
    staff = []
    for user in (
        User.objects.filter(
            force_id=force_id, is_active=True, groups__name__in=[Role.CASEWORKER, Role.VCC]
        )
        .values("pk", "first_name", "last_name", "groups__name")
        .order_by("groups__name", "last_name", "first_name")
    ):
        row = intake.get(user["pk"], {"n": 0, "n_prev": 0})
        staff.append(
            {
                "role": user["groups__name"],
                "name": f"{user['first_name']} {user['last_name']}".strip(),
                "intake": row["n"],
                "intake_prev": row["n_prev"],
                "cap": cap if user["groups__name"] == Role.CASEWORKER else None,
            }
        )
    caseworkers = [s for s in staff if s["role"] == Role.CASEWORKER]
    vccs = [s for s in staff if s["role"] == Role.VCC]
    figures["caseworkers_at_cap"] = Figure(
        sum(s["intake"] >= cap for s in caseworkers),
        sum(s["intake_prev"] >= cap for s in caseworkers),
    )
    figures["caseworker_intake_max"] = Figure(
        max((s["intake"] for s in caseworkers), default=0),
        max((s["intake_prev"] for s in caseworkers), default=0),
    )
    figures["vcc_intake_mean"] = Figure(
        _ratio(sum(s["intake"] for s in vccs), len(vccs)),
        _ratio(sum(s["intake_prev"] for s in vccs), len(vccs)),
    )
    return staff


def _volunteers(force_id: int, period: Period, previous: Period, figures: dict) -> list:
    """Live assignments at the end of each period, with their volunteers' languages: one
    statement (a volunteer's languages are an array, unnested in SQL)."""
    table = VolunteerAssignment._meta.db_table
    volunteers = VolunteerAssignment._meta.get_field("volunteer").related_model._meta.db_table
    cases = Case._meta.db_table
    sql = f"""
        WITH live AS (
            SELECT a.id, a.volunteer_id, v.languages,
                   (a.started_at < %(end)s AND (a.ended_at IS NULL OR a.ended_at >= %(end)s))
                       AS cur,
                   (a.started_at < %(prev_end)s
                    AND (a.ended_at IS NULL OR a.ended_at >= %(prev_end)s)) AS prev
            FROM {table} a
            JOIN {volunteers} v ON v.id = a.volunteer_id
            JOIN {cases} c ON c.id = a.case_id
            WHERE c.force_id = %(force)s AND a.started_at < %(end)s
        )
        SELECT '' AS language,
               COUNT(DISTINCT volunteer_id) FILTER (WHERE cur),
               COUNT(DISTINCT volunteer_id) FILTER (WHERE prev),
               COUNT(*) FILTER (WHERE cur), COUNT(*) FILTER (WHERE prev)
        FROM live
        UNION ALL
        SELECT language, 0, 0, COUNT(*) FILTER (WHERE cur), COUNT(*) FILTER (WHERE prev)
        FROM live, unnest(languages) AS language
        GROUP BY language
    """  # noqa: S608 (the tables are the models' own)
    params = {"force": force_id, "end": period.end_at, "prev_end": previous.end_at}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total = next(row for row in rows if row[0] == "")
    figures["volunteers_active"] = Figure(total[1], total[2])
    assignments = Figure(total[3], total[4])
    by_language = sorted(
        ((lang, lang, cur, prev) for lang, _, _, cur, prev in rows if lang and (cur or prev)),
        key=lambda row: (-row[2], row[1]),
    )
    if by_language:
        assignments.breakdowns["language"] = by_language
    figures["volunteer_cases_active"] = assignments
    return [(lang, cur) for lang, _, cur, _ in by_language]
