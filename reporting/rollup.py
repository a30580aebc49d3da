"""The figures folded by day, so that a year of a large force is added up, not recounted.

Each measure of ``reporting.measures`` is counted over the cases received on each London
day, split by the values the dashboard splits by (area, source, domestic abuse), and
kept in ``DayFigures``; ``DayTally`` holds the referrals by crime category (the one
figure split that way, so not a key of every row), letters by purpose and onward
referrals by service. The dashboard and the reports sum those rows
(``reporting.figures``): some 20,000 rows for a year of a million cases, against the
millions of cases, calls, letters and scores behind them.

**Kept up to date by the database.** Triggers on every table a figure reads (cases, their
referrals and crimes, calls, letters, court results, assessments, scores, volunteer
assignments, onward referrals) add the days their changed rows belong to to
``StaleDay``, in the writer's own transaction, however the write was made (the services,
the intake's SQL, the demo's COPY, a console). :func:`refresh` takes the stale days and
folds them again, under one advisory lock. It runs from beat every minute and before the
reports are made, so a report counts every committed change; the dashboard's pages read
what is folded and say since when changes wait (``reporting.figures.compute``).

**Why this is exact.** The rows a refresh takes are those committed before its DELETE;
each later SELECT sees at least those commits. A change committed after the DELETE left a
stale row of its own for the next refresh. A fold recounts whole days from the cases, so
folding a day twice changes nothing.

**Deadlines still to come.** Missed deadlines depend on "now", which no trigger sees.
A fold therefore stores the cases (and court results) not met by their deadline,
whatever the deadline, and ``pending_until``: the latest of those deadlines. Once that
is past, every one of them is missed. Until then, the day's missed figures are counted
afresh from its cases by the reader (only the last few days).

**When a measure's definition changes**, run ``manage.py refresh_figures --all``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import structlog
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, Extract, Greatest, TruncDate

from assessments.models import OUTCOME_FIELDS, OutcomeScores, OutcomeStage
from casework.models import Case, CaseEvent, CaseEventKind, ContactAttempt, OnwardReferral
from hub.calendar import LONDON
from letters.models import Letter, LetterStatus, Purpose
from reporting.measures import MEASURES, Period
from reporting.models import DayAllocations, DayFigures, DayTally, StaleDay, TallyKind

log = structlog.get_logger(__name__)

# One refresh at a time (a transaction-scoped advisory lock); a number of the Hub's own.
_REFRESH_LOCK = 7_262_002
# Stale days closer than this are folded as one run of days (fewer, larger statements).
_JOIN_GAP = 3
# A run of days folded in one set of statements at most (a month of a large force).
_RUN_DAYS = 31
# Folding hashes a run's case ids for each figure's semi-join.
_WORK_MEM = "256MB"

CASE_MEASURES = tuple(m for m in MEASURES if not m.counted_by)
DEADLINE_MEASURES = tuple(m for m in CASE_MEASURES if m.until)


def cohort(force_id: int, period: Period, area: str = "") -> QuerySet:
    """The cases whose referral was received in the period (and crime in the area)."""
    cases = Case.objects.filter(
        force_id=force_id,
        # The referral's force too (always the case's): the days are then a range of
        # the referrals' (force, received_at) index.
        referral__force_id=force_id,
        referral__received_at__gte=period.start_at,
        referral__received_at__lt=period.end_at,
    )
    if area:
        cases = cases.filter(referral__crime__area=area)
    return cases


def _keys(to_case: str = "") -> dict:
    """The fold's grouping, from a case (``to_case`` is the path to it from a row)."""
    return {
        "day": TruncDate(f"{to_case}referral__received_at", tzinfo=LONDON),
        "area": Coalesce(f"{to_case}referral__crime__area", Value("", output_field=CharField())),
        "source": F(f"{to_case}referral__source"),
        "domestic_abuse": F(f"{to_case}domestic_abuse"),
    }


GROUP = tuple(_keys())


def _by_keys(rows: QuerySet, to_case: str = "") -> QuerySet:
    """``rows.values()`` grouped by the fold's keys (a case's own field by its name)."""
    keys = _keys(to_case)
    if not to_case:
        del keys["domestic_abuse"]
        return rows.values("domestic_abuse", **keys)
    return rows.values(**keys)


REACHED = Q(first_contact_at__isnull=False)
FIRST_CONTACT_BY_DEADLINE = Q(
    first_contact_due__isnull=False, first_contact_at__lte=F("first_contact_due")
)
FIRST_CONTACT_WITH_DEADLINE = REACHED & Q(first_contact_due__isnull=False)


def first_contact_seconds():
    return Extract(
        ExpressionWrapper(
            F("first_contact_at") - F("referral__received_at"), output_field=DurationField()
        ),
        "epoch",
    )


def court_results(cases: QuerySet) -> QuerySet:
    """The court results of the cases, each with when the victim must be told by
    (``due``) and when the update was sent (``sent``): the letter whose trigger names it."""
    update_sent = Letter.objects.filter(
        case=OuterRef("case"),
        purpose=Purpose.COURT_UPDATE,
        status=LetterStatus.SENT,
        trigger=OuterRef("update_trigger"),
    ).values("sent_at")[:1]
    return (
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


COURT_MET = Q(sent__isnull=False, sent__lte=F("due"))
COURT_NOT_MET = Q(due__isnull=False) & ~COURT_MET


# ---- folding -------------------------------------------------------------------------


def fold(force_id: int, first: dt.date, last: dt.date) -> int:
    """Count the force's cases received from ``first`` to ``last`` again, replacing the
    days' rows. Returns the rows written."""
    cases = cohort(force_id, Period(first, last))
    rows: dict[tuple, dict] = {}

    def merge(found: Iterable[dict]) -> None:
        for row in found:
            key = tuple(row.pop(name) for name in GROUP)
            rows.setdefault(key, {}).update(row)

    merge(_case_counts(cases))
    merge(_call_counts(cases))
    merge(_court_counts(cases))
    merge(_outcome_counts(cases))
    figures = []
    for key, values in rows.items():
        values = {k: v for k, v in values.items() if v is not None}
        pending = [values.pop(k) for k in ("pending_cases", "pending_court") if k in values]
        figures.append(
            DayFigures(
                force_id=force_id,
                **dict(zip(GROUP, key, strict=True)),
                pending_until=max(pending) if pending else None,
                **values,
            )
        )
    tallies = [DayTally(force_id=force_id, **row) for row in _tallies(cases)]
    DayFigures.objects.filter(force_id=force_id, day__range=(first, last)).delete()
    DayTally.objects.filter(force_id=force_id, day__range=(first, last)).delete()
    DayFigures.objects.bulk_create(figures, batch_size=2_000)
    DayTally.objects.bulk_create(tallies, batch_size=2_000)
    return len(figures) + len(tallies) + _fold_allocations(force_id, Period(first, last))


def _case_counts(cases: QuerySet) -> QuerySet:
    pending = [Max(m.until, filter=m.q) for m in DEADLINE_MEASURES]
    return _by_keys(cases).annotate(
        **{m.id: Count("pk", filter=m.q) for m in CASE_MEASURES},
        reached_by_deadline=Count("pk", filter=FIRST_CONTACT_BY_DEADLINE),
        reached_with_deadline=Count("pk", filter=FIRST_CONTACT_WITH_DEADLINE),
        first_contact_seconds=ArrayAgg(first_contact_seconds(), filter=REACHED, default=[]),
        pending_cases=Greatest(*pending) if len(pending) > 1 else pending[0],
    )


def _call_counts(cases: QuerySet) -> QuerySet:
    attempts = ContactAttempt.objects.filter(case__in=cases.values("pk"), recorded_at__isnull=False)
    return _by_keys(attempts, "case__").annotate(
        calls=Count("pk"), called=Count("case_id", distinct=True)
    )


def _court_counts(cases: QuerySet) -> QuerySet:
    return _by_keys(court_results(cases), "case__").annotate(
        court_met=Count("pk", filter=COURT_MET),
        court_missed=Count("pk", filter=COURT_NOT_MET),
        pending_court=Max("due", filter=COURT_NOT_MET),
    )


def _outcome_counts(cases: QuerySet) -> QuerySet:
    """Distance travelled: each closing score against the score at assessment in the
    same episode (joined on, not looked up once for each aggregate that reads it)."""
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
    aggregates = {}
    for name in OUTCOME_FIELDS:
        both = Q(**{f"{name}__isnull": False, f"start_{name}__isnull": False})
        for part, lookup in (("improved", "gt"), ("same", "exact"), ("worse", "lt")):
            compared = Q(**{f"{name}__{lookup}": F(f"start_{name}")})
            aggregates[f"{name}_{part}"] = Count("case_id", distinct=True, filter=both & compared)
        aggregates[f"{name}_change"] = Sum(F(name) - F(f"start_{name}"), filter=both)
        aggregates[f"{name}_scored"] = Count("pk", filter=both)
    return _by_keys(closing, "case__").annotate(**aggregates)


def _tallies(cases: QuerySet) -> Iterator[dict]:
    keys = _keys("case__")
    day_area = {"day": keys["day"], "area": keys["area"]}
    letters = Letter.objects.filter(case__in=cases.values("pk"), status=LetterStatus.SENT)
    for row in letters.values(**day_area, kind=F("channel"), key=F("purpose")).annotate(
        count=Count("pk"), amount=Coalesce(Sum("cost_pence"), 0)
    ):
        yield row
    category = Coalesce("referral__crime__offence__category", Value("", output_field=CharField()))
    for row in cases.values(day=_keys()["day"], area=_keys()["area"], key=category).annotate(
        count=Count("pk")
    ):
        yield {**row, "kind": TallyKind.CATEGORY, "amount": 0}
    onward = OnwardReferral.objects.filter(case__in=cases.values("pk"))
    for row in onward.values(**day_area, key=Cast("service_id", TextField())).annotate(
        count=Count("pk")
    ):
        yield {**row, "kind": TallyKind.ONWARD, "amount": 0}


def _fold_allocations(force_id: int, days: Period) -> int:
    """The cases given to each member of staff on each day, with the day each of them
    was last given to the same person before (if it was), in one statement."""
    table = DayAllocations._meta.db_table
    events = CaseEvent._meta.db_table
    cases = Case._meta.db_table
    sql = f"""
        WITH given AS (
            SELECT DISTINCT (e.at AT TIME ZONE 'Europe/London')::date AS day,
                   e.detail ->> 'to' AS user_id, e.case_id
            FROM {events} e JOIN {cases} c ON c.id = e.case_id
            WHERE e.kind = %(kind)s AND c.force_id = %(force)s
              AND e.at >= %(start)s AND e.at < %(end)s AND e.detail ->> 'to' IS NOT NULL
        )
        INSERT INTO {table} (force_id, day, user_id, cases, repeats)
        SELECT %(force)s, g.day, g.user_id::bigint, COUNT(*),
               COALESCE(ARRAY_AGG(before.day) FILTER (WHERE before.day IS NOT NULL), '{{}}')
        FROM given g LEFT JOIN LATERAL (
            SELECT (MAX(b.at) AT TIME ZONE 'Europe/London')::date AS day FROM {events} b
            WHERE b.case_id = g.case_id AND b.kind = %(kind)s AND b.detail ->> 'to' = g.user_id
              AND b.at < (g.day::timestamp AT TIME ZONE 'Europe/London')
        ) before ON TRUE
        GROUP BY g.day, g.user_id
    """  # noqa: S608 (the tables are the models' own)
    DayAllocations.objects.filter(force_id=force_id, day__range=(days.first, days.last)).delete()
    params = {
        "kind": CaseEventKind.ALLOCATED,
        "force": force_id,
        "start": days.start_at,
        "end": days.end_at,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# ---- refreshing ----------------------------------------------------------------------


def runs(days: Iterable[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Sorted days as runs [first, last]: near days joined, none longer than a month."""
    first = last = None
    for day in sorted(set(days)):
        if first is None:
            first = last = day
        elif (day - last).days <= _JOIN_GAP and (day - first).days < _RUN_DAYS:
            last = day
        else:
            yield first, last
            first = last = day
    if first is not None:
        yield first, last


def refresh(*, wait: bool = True) -> int:
    """Fold again every day whose cases changed since it was last folded; the number of
    days folded. With ``wait=False`` (beat), a refresh already running is left to it."""
    with transaction.atomic(), connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFRESH_LOCK])
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_REFRESH_LOCK])
            if not cursor.fetchone()[0]:
                return 0
        cursor.execute(f"DELETE FROM {StaleDay._meta.db_table} RETURNING force_id, day")  # noqa: S608
        stale: dict[int, set[dt.date]] = {}
        for force_id, day in cursor.fetchall():
            stale.setdefault(force_id, set()).add(day)
        if not stale:
            return 0
        cursor.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        folded = 0
        for force_id, days in stale.items():
            for first, last in runs(days):
                fold(force_id, first, last)
            folded += len(days)
        if folded > _RUN_DAYS:
            # Many rows replaced at once (a rebuild): the reader's plans need their
            # statistics now, not when autovacuum next comes by.
            for model in (DayFigures, DayTally, DayAllocations):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return folded


def mark_all(force_id: int | None = None) -> int:
    """Mark every day with cases or allocations (of one force, or all) to be folded again."""
    cases = Case.objects.all() if force_id is None else Case.objects.filter(force_id=force_id)
    days = (
        cases.values("force_id", day=TruncDate("referral__received_at", tzinfo=LONDON))
        .distinct()
        .order_by()
    )
    allocated = CaseEvent.objects.filter(kind=CaseEventKind.ALLOCATED, case__in=cases)
    days = days.union(
        allocated.values(force_id=F("case__force_id"), day=TruncDate("at", tzinfo=LONDON))
        .distinct()
        .order_by()
    )
    stale = [StaleDay(force_id=row["force_id"], day=row["day"]) for row in days]
    StaleDay.objects.bulk_create(stale, batch_size=5_000)
    return len(stale)


def changes_since(force_id: int) -> dt.datetime | None:
    """When the oldest change of the force's cases not yet folded was made, if any."""
    return StaleDay.objects.filter(force_id=force_id).aggregate(since=Min("marked_at"))["since"]
