"""Computing the measures of ``reporting.measures`` for a force, a period and an area.

Both periods (the one asked for and the one before it) are counted in the same statements:
the cohort spans both, and each count is filtered by which side of the split its
referral's receipt falls. The page's query count is therefore fixed, whatever the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, Extract, NullIf

from assessments.models import OUTCOME_FIELDS, OutcomeScores, OutcomeStage
from casework.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    ContactAttempt,
    OnwardReferral,
    VolunteerAssignment,
)
from hub.roles import Role
from letters.models import Channel, Letter, LetterStatus, Purpose
from reporting.measures import BREAKDOWNS, MEASURES, OUTCOME_LABELS, Measure, Period


class Median(Aggregate):
    """PostgreSQL's continuous median, an ordered-set aggregate."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


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

    def value(self, measure_id: str):
        return self.figures[measure_id].value


def cohort(force_id: int, period: Period, area: str = "") -> QuerySet:
    """The cases whose referral was received in the period (and crime in the area)."""
    cases = Case.objects.filter(
        force_id=force_id,
        referral__received_at__gte=period.start_at,
        referral__received_at__lt=period.end_at,
    )
    if area:
        cases = cases.filter(referral__crime__area=area)
    return cases


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


# The figures' semi-joins hash the case ids of a table (a year of a large force: millions);
# under the default 4 MB PostgreSQL gives up the hash and rescans the subquery per case.
REPORTING_WORK_MEM = "256MB"


def compute(force_id: int, period: Period, area: str = "", *, now: dt.datetime) -> Figures:
    """Every measure for the period and the one before it."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Read-only work: SET LOCAL ends with this transaction.
        cursor.execute(f"SET LOCAL work_mem = '{REPORTING_WORK_MEM}'")
        # Compiling a few dozen filtered aggregates costs more than it saves on a
        # statement run once (3 s of 30 on a year of a million cases, measured).
        cursor.execute("SET LOCAL jit = off")
        return _compute(force_id, period, area, now=now)


def _compute(force_id: int, period: Period, area: str, *, now: dt.datetime) -> Figures:
    previous = period.previous()
    span = Period(previous.first, period.last)
    cases = cohort(force_id, span, area)
    current = Q(referral__received_at__gte=period.start_at)
    figures: dict[str, Figure] = {}

    case_measures = [m for m in MEASURES if not m.counted_by]
    counts = {m.id: Count("pk", filter=m.condition(now)) for m in case_measures}
    # Grouped by the side of the split rather than filtered twice: each figure's
    # semi-join is then hashed once for both periods.
    sided = cases.annotate(is_current=DbCase(When(current, then=Value(True)), default=Value(False)))
    totals = {row["is_current"]: row for row in sided.values("is_current").annotate(**counts)}
    for m in case_measures:
        figures[m.id] = Figure(
            totals.get(True, {}).get(m.id, 0), totals.get(False, {}).get(m.id, 0)
        )

    # One grouped query for each way of splitting, carrying every measure split that way.
    for breakdown in BREAKDOWNS.values():
        split = [m for m in case_measures if breakdown in m.breakdowns]
        key = Coalesce(
            NullIf(Cast(breakdown.field, TextField()), Value("", output_field=TextField())),
            Value(breakdown.empty, output_field=TextField()),
        )
        by_key: dict[str, dict] = {}
        for row in sided.values("is_current", key=key).annotate(
            **{m.id: counts[m.id] for m in split}
        ):
            by_key.setdefault(row["key"] or breakdown.empty, {})[row["is_current"]] = row
        for found, sides in sorted(by_key.items()):
            for m in split:
                cur = sides.get(True, {}).get(m.id, 0)
                prev = sides.get(False, {}).get(m.id, 0)
                if cur or prev:
                    figures[m.id].breakdowns.setdefault(breakdown.name, []).append(
                        (found, breakdown.label_of(found), cur, prev)
                    )
    for m in case_measures:
        for name, rows in figures[m.id].breakdowns.items():
            rows.sort(key=lambda row: (-row[2], row[1]))
            figures[m.id].breakdowns[name] = rows

    _attempts(cases, period.start_at, figures)
    _timeliness(cases, current, figures)
    _court_updates(cases, period.start_at, figures, now=now)
    _letters(cases, period.start_at, figures)
    outcomes = _outcomes(cases, period.start_at)
    _onward(cases, period.start_at, figures)
    staff = _staff(force_id, period, previous, figures)
    languages = _volunteers(force_id, period, previous, figures)
    return Figures(period, previous, area, figures, outcomes, staff, languages)


def _attempts(cases: QuerySet, split_at: dt.datetime, figures: dict) -> None:
    attempts = ContactAttempt.objects.filter(case__in=cases.values("pk"), recorded_at__isnull=False)
    cur = Q(case__referral__received_at__gte=split_at)
    row = attempts.aggregate(
        calls=Count("pk", filter=cur),
        called=Count("case_id", distinct=True, filter=cur),
        calls_prev=Count("pk", filter=~cur),
        called_prev=Count("case_id", distinct=True, filter=~cur),
    )
    figures["contact_attempts"] = Figure(row["calls"], row["calls_prev"])
    figures["contact_attempts_per_victim"] = Figure(
        _ratio(row["calls"], row["called"]), _ratio(row["calls_prev"], row["called_prev"])
    )


def _ratio(numerator, denominator, scale=1):
    return round(scale * numerator / denominator, 2) if denominator else None


def _timeliness(cases: QuerySet, current: Q, figures: dict) -> None:
    reached = Q(first_contact_at__isnull=False)
    by_deadline = Q(first_contact_due__isnull=False, first_contact_at__lte=F("first_contact_due"))
    with_deadline = reached & Q(first_contact_due__isnull=False)
    hours = Extract(
        ExpressionWrapper(
            F("first_contact_at") - F("referral__received_at"), output_field=DurationField()
        ),
        "epoch",
    )
    row = cases.aggregate(
        median=Median(hours, filter=reached & current),
        median_prev=Median(hours, filter=reached & ~current),
        met=Count("pk", filter=by_deadline & current),
        met_prev=Count("pk", filter=by_deadline & ~current),
        due=Count("pk", filter=with_deadline & current),
        due_prev=Count("pk", filter=with_deadline & ~current),
    )
    figures["first_contact_median_hours"] = Figure(
        _hours(row["median"]), _hours(row["median_prev"])
    )
    figures["first_contact_by_deadline_pct"] = Figure(
        _ratio(row["met"], row["due"], 100), _ratio(row["met_prev"], row["due_prev"], 100)
    )


def _hours(seconds):
    return None if seconds is None else round(seconds / 3600, 1)


def _court_updates(
    cases: QuerySet, split_at: dt.datetime, figures: dict, *, now: dt.datetime
) -> None:
    # Each court result is an event on its case saying when the victim must be told by;
    # its update is the letter whose trigger names that court result.
    update_sent = Letter.objects.filter(
        case=OuterRef("case"),
        purpose=Purpose.COURT_UPDATE,
        status=LetterStatus.SENT,
        trigger=OuterRef("update_trigger"),
    ).values("sent_at")[:1]
    events = (
        CaseEvent.objects.filter(case__in=cases.values("pk"), kind=CaseEventKind.COURT_RESULT)
        .annotate(
            update_trigger=Concat(
                Value("court-result-", output_field=TextField()),
                KT("detail__court_result"),
                output_field=TextField(),
            )
        )
        .annotate(
            due=Cast(KT("detail__tell_victim_by"), DateTimeField()),
            sent=Subquery(update_sent),
        )
    )
    cur = Q(case__referral__received_at__gte=split_at)
    met = Q(sent__isnull=False, sent__lte=F("due"))
    missed = Q(due__lt=now) & ~met
    row = events.aggregate(
        met=Count("pk", filter=met & cur),
        met_prev=Count("pk", filter=met & ~cur),
        missed=Count("pk", filter=missed & cur),
        missed_prev=Count("pk", filter=missed & ~cur),
    )
    figures["code_court_update_met"] = Figure(row["met"], row["met_prev"])
    figures["code_court_update_missed"] = Figure(row["missed"], row["missed_prev"])


def _letters(cases: QuerySet, split_at: dt.datetime, figures: dict) -> None:
    letters = Letter.objects.filter(case__in=cases.values("pk"), status=LetterStatus.SENT)
    cur = Q(case__referral__received_at__gte=split_at)
    rows = letters.values("channel", "purpose").annotate(
        n=Count("pk", filter=cur),
        n_prev=Count("pk", filter=~cur),
        cost=Coalesce(Sum("cost_pence", filter=cur), 0),
        cost_prev=Coalesce(Sum("cost_pence", filter=~cur), 0),
    )
    purposes = dict(Purpose.choices)
    for channel, count_id, cost_id in (
        (Channel.POST, "letters_sent", "letters_cost_pence"),
        (Channel.EMAIL, "emails_sent", "emails_cost_pence"),
    ):
        mine = [r for r in rows if r["channel"] == channel]
        count = Figure(sum(r["n"] for r in mine), sum(r["n_prev"] for r in mine))
        count.breakdowns["purpose"] = sorted(
            (
                (r["purpose"], purposes.get(r["purpose"], r["purpose"]), r["n"], r["n_prev"])
                for r in mine
            ),
            key=lambda row: (-row[2], row[1]),
        )
        figures[count_id] = count
        figures[cost_id] = Figure(sum(r["cost"] for r in mine), sum(r["cost_prev"] for r in mine))


def _outcomes(cases: QuerySet, split_at: dt.datetime) -> list[dict]:
    """Distance travelled on each outcome: closing score against the score at assessment
    in the same episode, for each case scored at both."""
    # The score at assessment joined on, not looked up by a subquery in each of the
    # aggregates that reads it.
    start = FilteredRelation(
        "case__outcome_scores",
        condition=Q(
            case__outcome_scores__stage=OutcomeStage.START,
            case__outcome_scores__episode=F("episode"),
        ),
    )
    closing = (
        OutcomeScores.objects.filter(case__in=cases.values("pk"), stage=OutcomeStage.CLOSE)
        .annotate(start=start)
        .annotate(**{f"start_{name}": F(f"start__{name}") for name in OUTCOME_FIELDS})
    )
    cur = Q(case__referral__received_at__gte=split_at)
    aggregates = {}
    for name in OUTCOME_FIELDS:
        both = Q(**{f"{name}__isnull": False, f"start_{name}__isnull": False}) & cur
        aggregates |= {
            f"{name}_improved": Count("case_id", distinct=True, filter=both & _cmp(name, "gt")),
            f"{name}_same": Count("case_id", distinct=True, filter=both & _cmp(name, "exact")),
            f"{name}_worse": Count("case_id", distinct=True, filter=both & _cmp(name, "lt")),
            f"{name}_change": Avg(F(name) - F(f"start_{name}"), filter=both),
        }
    row = closing.aggregate(**aggregates)
    return [
        {
            "outcome": name,
            "label": OUTCOME_LABELS[name],
            "improved": row[f"{name}_improved"],
            "same": row[f"{name}_same"],
            "worse": row[f"{name}_worse"],
            "mean_change": None
            if row[f"{name}_change"] is None
            else round(float(row[f"{name}_change"]), 2),
        }
        for name in OUTCOME_FIELDS
    ]


def _cmp(name: str, lookup: str) -> Q:
    return Q(**{f"{name}__{lookup}": F(f"start_{name}")})


def _onward(cases: QuerySet, split_at: dt.datetime, figures: dict) -> None:
    cur = Q(case__referral__received_at__gte=split_at)
    rows = (
        OnwardReferral.objects.filter(case__in=cases.values("pk"))
        .values("service_id", "service__name")
        .annotate(n=Count("pk", filter=cur), n_prev=Count("pk", filter=~cur))
        .order_by("-n", "service__name")
    )
    figure = Figure(0, 0)
    for row in rows:
        figure.value += row["n"]
        figure.previous += row["n_prev"]
        figure.breakdowns.setdefault("service", []).append(
            (str(row["service_id"]), row["service__name"], row["n"], row["n_prev"])
        )
    figures["onward_referrals"] = figure


def _staff(force_id: int, period: Period, previous: Period, figures: dict) -> list[dict]:
    """Each caseworker's and VCC's intake in the 12 months to the end of the period, as
    ``casework.services.caseworker_intake`` counts it (a case given back and again once),
    in one grouped query for both periods."""
    from hub.models import User

    year = dt.timedelta(days=365)
    allocated = CaseEvent.objects.filter(case__force_id=force_id, kind=CaseEventKind.ALLOCATED)
    cur = Q(at__gt=period.end_at - year, at__lte=period.end_at)
    prev = Q(at__gt=previous.end_at - year, at__lte=previous.end_at)
    intake = {
        row["to"]: row
        for row in allocated.filter(cur | prev)
        .values(to=KT("detail__to"))
        .annotate(
            n=Count("case_id", distinct=True, filter=cur),
            n_prev=Count("case_id", distinct=True, filter=prev),
        )
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
        row = intake.get(str(user["pk"]), {"n": 0, "n_prev": 0})
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
