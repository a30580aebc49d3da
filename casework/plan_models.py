"""The cope and recovery plan: goals from the assessed needs, actions with an owner and a
date, scheduled reviews and an exit strategy; onward referrals to the services directory;
help with a CICA claim. Written only through ``casework.plans``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.models import Case, NeedCategory, Service
from hub.models import TimeStampedModel


class CarePlan(TimeStampedModel):
    """A victim's cope and recovery plan for one episode of their case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    episode = models.PositiveSmallIntegerField(default=1)
    exit_strategy = models.TextField(
        blank=True, help_text="How support will end, agreed with the victim."
    )
    exit_agreed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "episode"], name="care_plan_one_per_episode")
        ]

    def __str__(self) -> str:
        return f"Plan for case {self.case_id} (episode {self.episode})"


class GoalStatus(models.TextChoices):
    OPEN = "open", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "No longer wanted"


class PlanGoal(TimeStampedModel):
    """What the victim wants to get to for one need."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    need = models.CharField(max_length=20, choices=NeedCategory.choices)
    description = models.TextField()
    status = models.CharField(max_length=8, choices=GoalStatus.choices, default=GoalStatus.OPEN)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]


class PlanAction(TimeStampedModel):
    """A step towards a goal, with who does it and by when."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    # A member of staff or a volunteer, or someone outside the Hub (the victim, a service)
    # named in words; exactly one of the two.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_other = models.CharField(max_length=120, blank=True)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner__isnull=False) & Q(owner_other=""))
                | (Q(owner__isnull=True) & ~Q(owner_other="")),
                name="plan_action_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def owner_name(self) -> str:
        return self.owner.display_name if self.owner_id else self.owner_other


class PlanReview(TimeStampedModel):
    """A scheduled review of the plan with the victim; it shows on the co-ordinator's work."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["due_on"], condition=Q(done_at__isnull=True), name="plan_review_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Review due {self.due_on}"


class OnwardStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    DONE = "done", "Done"


# A referral the service still owes an answer or support on: chased when quiet.
LIVE_ONWARD = (OnwardStatus.SENT, OnwardStatus.ACCEPTED)
ONWARD_NEXT = {
    OnwardStatus.SENT: (OnwardStatus.ACCEPTED, OnwardStatus.DECLINED),
    OnwardStatus.ACCEPTED: (OnwardStatus.DONE,),
}


class OnwardReferral(TimeStampedModel):
    """A referral of the victim to a service in the directory: a disclosure of their data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="onward_referrals")
    episode = models.PositiveSmallIntegerField(default=1)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(max_length=8, choices=OnwardStatus.choices, default=OnwardStatus.SENT)
    # What was passed to the service (field names, as on the audit row).
    shared = models.JSONField(default=list)
    reason = models.TextField(help_text="Why the victim is referred, as sent.")
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status_at = models.DateTimeField(help_text="When the status last changed.")
    chased_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "service"],
                condition=Q(status__in=["sent", "accepted"]),
                name="onward_one_live_per_service",
            )
        ]
        indexes = [
            models.Index(
                fields=["status_at"],
                condition=Q(status__in=["sent", "accepted"]),
                name="onward_live_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} to {self.service_id}: {self.status}"

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return ONWARD_NEXT.get(self.status, ())


class CicaStatus(models.TextChoices):
    ADVISED = "advised", "Told about CICA"
    HELPING = "helping", "Helping with the application"
    SUBMITTED = "submitted", "Application submitted"
    DECIDED = "decided", "Decision received"
    NOT_PURSUED = "not_pursued", "Not pursued"


class CicaClaim(TimeStampedModel):
    """Help with a Criminal Injuries Compensation Authority claim, against its deadline."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="cica")
    deadline = models.DateField(help_text="The last day an application may be made.")
    deadline_rule = models.TextField(help_text="How the deadline was worked out, in words.")
    status = models.CharField(max_length=12, choices=CicaStatus.choices, default=CicaStatus.ADVISED)
    submitted_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"CICA for case {self.case_id}: {self.status}"
