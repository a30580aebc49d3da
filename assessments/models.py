"""Assessments: the IVNA as police recorded it, the DVNA, and the four outcome scores."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from casework.models import NeedCategory
from hub.models import TimeStampedModel


class EnhancedGroup(models.TextChoices):
    """The Victims' Code groups entitled to an enhanced service (a victim may be in several)."""

    MOST_SERIOUS_CRIME = "most_serious_crime", "Victim of the most serious crime"
    BEREAVED = "bereaved", "Close relative bereaved by crime"
    PERSISTENTLY_TARGETED = "persistently_targeted", "Persistently targeted"
    VULNERABLE = "vulnerable", "Vulnerable"
    INTIMIDATED = "intimidated", "Intimidated"


class DashRisk(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Ivna(TimeStampedModel):
    """The Initial Victim Needs Assessment exactly as the police recorded it."""

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="ivna"
    )
    needs_support = models.BooleanField()
    enhanced_entitlement = ArrayField(
        models.CharField(max_length=24, choices=EnhancedGroup.choices), default=list, blank=True
    )
    domestic_abuse = models.BooleanField(default=False)
    dash_risk = models.CharField(max_length=10, choices=DashRisk.choices, blank=True)
    hate_crime = models.BooleanField(default=False)
    repeat_victim = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "IVNA"
        verbose_name_plural = "IVNAs"

    def __str__(self) -> str:
        return f"IVNA for referral {self.referral_id}"


class Dvna(TimeStampedModel):
    """A Detailed Victim Needs Assessment; a victim may be re-assessed, so a case may have many."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="dvnas")
    episode = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField()
    # Staff accounts are deactivated, never deleted: the record keeps who did what.
    started_by = models.ForeignKey(
        "hub.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        "hub.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "DVNA"
        verbose_name_plural = "DVNAs"
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | Q(completed_at__gte=models.F("started_at")),
                name="dvna_completed_after_start",
            ),
            # One assessment in progress at a time: a re-assessment starts once the last
            # one is complete, and two co-ordinators opening it at once share one.
            models.UniqueConstraint(
                fields=["case"], condition=Q(completed_at__isnull=True), name="dvna_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"DVNA for case {self.case_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class OutcomeStage(models.TextChoices):
    START = "start", "At assessment"
    CLOSE = "close", "At closure"


OUTCOME_FIELDS = ("health", "coping", "safety", "empowerment")


def _score():
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class OutcomeScores(TimeStampedModel):
    """The commissioner's four outcomes, each 1 (worst) to 5 (best), at one stage of a case."""

    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="outcome_scores"
    )
    episode = models.PositiveSmallIntegerField(default=1)
    stage = models.CharField(max_length=5, choices=OutcomeStage.choices)
    health = _score()
    coping = _score()
    safety = _score()
    empowerment = _score()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "hub.User", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "outcome scores"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "episode", "stage"], name="outcome_scores_one_per_stage"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (1, 5)}),
                    name=f"outcome_{name}_1_to_5",
                )
                for name in OUTCOME_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} outcomes for case {self.case_id}"

    @property
    def is_complete(self) -> bool:
        return all(getattr(self, name) is not None for name in OUTCOME_FIELDS)


class NeedLevel(models.TextChoices):
    """How much help a victim needs in one category, as the DVNA found it."""

    NONE = "none", "No need"
    LOW = "low", "Low: information or advice will do"
    MEDIUM = "medium", "Medium: support from the Hub or a service"
    HIGH = "high", "High: urgent or specialist support"


# Levels at which a need becomes a goal of the cope and recovery plan.
PLANNED_LEVELS = (NeedLevel.LOW, NeedLevel.MEDIUM, NeedLevel.HIGH)


class DvnaNeed(TimeStampedModel):
    """One need category of a DVNA: the level found and the co-ordinator's notes."""

    dvna = models.ForeignKey(Dvna, on_delete=models.CASCADE, related_name="needs")
    category = models.CharField(max_length=20, choices=NeedCategory.choices)
    level = models.CharField(max_length=6, choices=NeedLevel.choices)
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "hub.User", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "DVNA need"
        constraints = [
            models.UniqueConstraint(fields=["dvna", "category"], name="dvna_need_one_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.level}"

    @property
    def is_planned(self) -> bool:
        return self.level in PLANNED_LEVELS
