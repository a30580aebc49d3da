"""What reporting stores: the commissioner's monthly reports as they were produced."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now

from hub.models import Force


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class ReportRun(models.Model):
    """One commissioner's report of a force for a period, in one format. Unique, so that
    beat running the monthly job twice (or two workers at once) makes one report."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField()
    period_to = models.DateField()
    format = models.CharField(max_length=3, choices=ReportFormat.choices)
    file = models.FileField(upload_to="reports/%Y/")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-period_from", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "period_from", "period_to", "format"],
                name="report_run_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.force_id} {self.period_from} to {self.period_to} {self.format}"

    @property
    def filename(self) -> str:
        first, last = self.period_from.isoformat(), self.period_to.isoformat()
        return f"commissioner-report-{first}-to-{last}.{self.format}"


# ---- the figures folded by day -------------------------------------------------------
#
# The dashboard and the reports add these up rather than counting a year of cases each
# time (``reporting.rollup``): one row per force, London day of receipt and the values the
# figures are split by. They are derived data, rebuilt from the cases at will.


class StaleDay(models.Model):
    """A day of a force whose cases changed since its figures were folded.

    Written by database triggers on every table a figure reads (a statement's changed
    rows give one row per day they touch), so no write, however made, is missed. Rows
    are only ever added and taken: no unique key, so that writers never wait on each
    other or on a refresh."""

    force_id = models.BigIntegerField()
    day = models.DateField()
    # The writer's transaction's start: the dashboard says since when changes wait.
    marked_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.force_id} {self.day}"


# The folded counts of a day's cases, one column each (``reporting.rollup.FOLDS`` says
# what each one counts).
CASE_COLUMNS = (
    "referrals_received",
    "referrals_domestic_abuse",
    "self_referrals",
    "victims_contacted_phone",
    "victims_contacted_letter_email",
    "victims_assessed",
    "victims_declined",
    "victims_supported",
    "cases_passed_to_volunteers",
    "code_first_call_met",
    "code_first_call_missed",
    "code_information_met",
    "code_information_missed",
    "outcome_improved_health",
    "outcome_improved_coping",
    "outcome_improved_safety",
    "outcome_improved_empowerment",
)
PART_COLUMNS = (
    "calls",
    "called",
    "reached_by_deadline",
    "reached_with_deadline",
    "court_met",
    "court_missed",
    *(
        f"{name}_{part}"
        for name in ("health", "coping", "safety", "empowerment")
        for part in ("improved", "same", "worse", "change", "scored")
    ),
)


class DayFigures(models.Model):
    """A force's cases received on one London day with the same area, source and
    domestic-abuse flag, counted."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    area = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20)
    domestic_abuse = models.BooleanField()
    # Seconds from receipt to first contact of each case reached, for the median.
    first_contact_seconds = ArrayField(models.FloatField(), default=list)
    # The latest deadline among the cases (and court results) counted as missed while
    # it is still to come: until then the day's missed figures are counted afresh.
    pending_until = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["force", "day"], name="dayfigures_force_day_idx")]

    def __str__(self) -> str:
        return f"{self.force_id} {self.day} {self.area or '-'} {self.source}"


for _column in CASE_COLUMNS + PART_COLUMNS:
    DayFigures.add_to_class(_column, models.IntegerField(default=0))


class TallyKind(models.TextChoices):
    CATEGORY = "category", "Referrals by crime category"
    POST = "post", "Letters sent by post"
    EMAIL = "email", "Emails sent"
    ONWARD = "onward", "Onward referrals"


class DayTally(models.Model):
    """A day's referrals by crime category, letters by purpose (count and cost) or
    onward referrals by service."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    area = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=8, choices=TallyKind.choices)
    key = models.CharField(max_length=40)
    count = models.IntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["force", "day"], name="daytally_force_day_idx")]

    def __str__(self) -> str:
        return f"{self.force_id} {self.day} {self.kind} {self.key}"


class DayAllocations(models.Model):
    """The cases newly given to one member of staff on one London day, for the caseload
    figures' 12-month sums. ``repeats`` holds, for each of those cases given to them
    before, the day it last was: a sum over a window takes off those inside it, so a
    case given back and again counts once (as ``casework.services.caseworker_intake``)."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    user_id = models.BigIntegerField()
    cases = models.IntegerField()
    repeats = ArrayField(models.DateField(), default=list)

    class Meta:
        indexes = [models.Index(fields=["force", "day"], name="dayallocations_force_day_idx")]

    def __str__(self) -> str:
        return f"{self.force_id} {self.day} {self.user_id}"
