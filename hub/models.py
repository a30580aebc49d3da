"""What every app shares: the staff user, the force the Hub serves, and a timestamped base."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from hub.calendar import DEFAULT_OPENING_HOURS, WorkingCalendar, calendar_for
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
        return calendar_for(self.opening_hours)


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


class AuditAction(models.TextChoices):
    """The kinds of processing the Data Protection Act 2018 (s.62) says must be logged."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"


class AuditEvent(models.Model):
    """One act of processing personal data: who, when, what and why; never the values.

    Append-only: a database trigger refuses any UPDATE or DELETE, whoever asks, and the
    application's role is granted only INSERT and SELECT (``grant_app_role``). Written
    through ``hub.audit`` in the transaction of the act it records; sealed into a hash
    chain afterwards (``AuditSeal``).
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    # Staff, or an API client (by label: ``hub`` does not know the referrals app), or the
    # Hub itself (a task): the label says which.
    # Not indexed alone: audit_actor_idx leads with it.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=160)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    # The case and the person concerned, where there is one: "who looked at this case",
    # and everything done with a person's data for a subject access request. Plain ids,
    # not foreign keys: the log outlives what it speaks of, and never blocks its erasure.
    case_id = models.BigIntegerField(null=True, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    fields = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    reason = models.TextField(blank=True)
    recipient = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case_id", "at"], name="audit_case_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_idx"),
            models.Index(fields=["person_id", "at"], name="audit_person_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}"


class AuditSeal(models.Model):
    """An audit event's place in the hash chain: each digest covers the event and the
    digest before it, so an altered or removed event breaks the chain from there on.

    Kept apart from the events so that sealing never updates them (and writers never wait
    on one chain head: the chain is made after commit, by ``seal_audit_events``).
    """

    position = models.BigIntegerField(primary_key=True)
    # Not a foreign key: a removed event must show as a gap, not take its seal with it.
    event_id = models.BigIntegerField(unique=True)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"seal {self.position} of event {self.event_id}"
