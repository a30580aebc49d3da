"""What every app shares: the staff user, the force the Hub serves, and a timestamped base."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from hub.calendar import DEFAULT_OPENING_HOURS, WorkingCalendar
from hub.roles import Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def default_opening_hours() -> dict:
    return {day: (list(hours) if hours else None) for day, hours in DEFAULT_OPENING_HOURS.items()}


class Force(TimeStampedModel):
    """A police force area the Hub serves, with the settings its rules depend on."""

    code = models.CharField(max_length=16, unique=True, help_text="Short code, e.g. CAMBS.")
    name = models.CharField(max_length=120)
    hub_name = models.CharField(max_length=120, help_text="The Hub's name as victims see it.")
    hub_phone = models.CharField(max_length=40, blank=True)
    hub_email = models.EmailField(blank=True)
    opening_hours = models.JSONField(
        default=default_opening_hours,
        help_text='Per weekday ("mon"…"sun") a pair ["HH:MM", "HH:MM"], or null when closed.',
    )
    extra_consent_offence_codes = ArrayField(
        models.CharField(max_length=16),
        default=list,
        blank=True,
        help_text=(
            "Home Office offence classes that this force also refers only with explicit consent, "
            "on top of the Victims' Code's sexual offences, domestic abuse and bereavement."
        ),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        try:
            WorkingCalendar(self.opening_hours)
        except (TypeError, ValueError, KeyError) as exc:
            raise ValidationError({"opening_hours": str(exc)}) from exc

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.opening_hours)


class User(AbstractUser):
    """A member of staff. Roles are groups (see ``hub.roles``)."""

    force = models.ForeignKey(
        Force, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    job_title = models.CharField(max_length=120, blank=True)

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def role_names(self) -> frozenset[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = (
                frozenset(self.groups.values_list("name", flat=True)) if self.pk else frozenset()
            )
            self._role_names = cached
        return cached

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
