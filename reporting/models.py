"""What reporting stores: the commissioner's monthly reports as they were produced."""

from __future__ import annotations

from django.db import models

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
