"""Community volunteers: who they are to the Hub, the cases they are assigned to, and the
contacts and hours they record. Written only through ``casework.volunteers``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from casework.models import Case
from hub.models import TimeStampedModel


class Volunteer(TimeStampedModel):
    """A volunteer's profile: what matching reads (languages, areas, free capacity) and
    what keeps them able to visit victims (vetting and training in date)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    languages = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="Languages besides English, as victims name them (e.g. Polish).",
    )
    areas = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    vetted_until = models.DateField(help_text="When the volunteer's DBS check expires.")
    trained_until = models.DateField(help_text="When the volunteer's training expires.")
    capacity = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text="How many victims they can support at once.",
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.user.display_name

    def in_date(self, today: dt.date) -> bool:
        return self.vetted_until >= today and self.trained_until >= today


class VolunteerAssignment(TimeStampedModel):
    """A volunteer matched to a case: the only case data they may see is through this."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="volunteer_assignments")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="assignments")
    brief = models.TextField(help_text="What the volunteer is to help with.")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "volunteer"],
                condition=Q(ended_at__isnull=True),
                name="volunteer_one_live_assignment",
            )
        ]
        indexes = [
            models.Index(
                fields=["volunteer"],
                condition=Q(ended_at__isnull=True),
                name="volunteer_live_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} on {self.case_id}"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class VolunteerContactKind(models.TextChoices):
    VISIT = "visit", "Face to face"
    PHONE = "phone", "Phone call"
    ACCOMPANIED = "accompanied", "Went with the victim (court, appointment)"


class VolunteerContact(models.Model):
    """One contact a volunteer had with the victim, and the time it took."""

    assignment = models.ForeignKey(
        VolunteerAssignment, on_delete=models.CASCADE, related_name="contacts"
    )
    on = models.DateField()
    kind = models.CharField(max_length=12, choices=VolunteerContactKind.choices)
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=24 * 60), name="volunteer_minutes_in_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.on} ({self.minutes} min)"
