"""Letters and emails: the templates administrators edit, each one sent, and print runs.

A ``Letter`` is planned work as much as a record: it is written, with a due time, in the
same transaction as the change that calls for it, and a worker later claims, renders and
sends it (``letters.sending``). Its unique (case, purpose, trigger) is what makes "one
letter per reason" hold whatever the broker or the workers do.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from hub.models import Force, TimeStampedModel


class Purpose(models.TextChoices):
    INFORMATION = "information", "Information (no needs identified)"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
    COURT_UPDATE = "court_update", "Court result update"
    CLOSING = "closing", "Closing (support complete)"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    POST = "post", "Post"


class LetterStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FLAGGED = "flagged", "Needs a co-ordinator"
    CANCELLED = "cancelled", "Cancelled"


class LetterTemplateQuerySet(models.QuerySet):
    def current(self, purpose: str, language: str = "en") -> LetterTemplate | None:
        """The newest version for ``purpose`` in ``language``, else in English."""
        found = self.filter(purpose=purpose, language=language).order_by("-version").first()
        if found is None and language != "en":
            return self.current(purpose, "en")
        return found


class LetterTemplate(TimeStampedModel):
    """The words of one letter or email, per purpose and language, in numbered versions.

    A version is never changed once saved: the admin saves an edit as the next version,
    so a letter already sent can always be reproduced from the version it names.
    """

    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    language = models.CharField(max_length=12, default="en")
    version = models.PositiveIntegerField(editable=False)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Paragraphs separated by a blank line. Placeholders such as "
        "{{ victim_name }} are filled in when the letter is made."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = LetterTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["purpose", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "language", "version"], name="letter_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.language}) v{self.version}"

    def clean(self):
        from letters.rendering import check_placeholders

        errors = {}
        for name in ("subject", "body"):
            problems = check_placeholders(getattr(self, name) or "")
            if problems:
                errors[name] = problems
        if errors:
            raise ValidationError(errors)


class LetterQuerySet(models.QuerySet):
    def visible_to(self, user) -> LetterQuerySet:
        """Letters of the cases ``user`` may see."""
        from casework.models import Case

        return self.filter(case__in=Case.objects.visible_to(user))


class Letter(TimeStampedModel):
    """One letter or email to a victim, from planned to sent (or flagged to a person)."""

    # Not indexed alone: one_letter_per_reason leads with it.
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="letters", db_index=False
    )
    episode = models.PositiveSmallIntegerField(default=1)
    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    trigger = models.CharField(
        max_length=64,
        help_text="What called for it (a referral, the third failed call, a court result): "
        "one letter per case, purpose and trigger.",
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=LetterStatus.choices, default=LetterStatus.PLANNED
    )
    # Delivery bookkeeping: the sweep rings the doorbell (enqueued_at), a worker claims
    # the row (claimed_at, attempts) and records the outcome.
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # What was sent, kept so that it can be reproduced.
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    template = models.ForeignKey(
        LetterTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    content = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="letters/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cost_pence = models.PositiveIntegerField(null=True, blank=True)
    print_run = models.ForeignKey(
        "PrintRun", null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "purpose", "trigger"], name="one_letter_per_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | (Q(sent_at__isnull=False) & ~Q(channel="")),
                name="sent_letter_has_channel_and_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["planned", "sending"]),
                name="letter_due_idx",
            ),
            models.Index(fields=["sent_at"], name="letter_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for case {self.case_id} ({self.status})"


class PrintRun(TimeStampedModel):
    """Postal letters of one force merged into one PDF for the post room: the day's run,
    and a further numbered run for letters made after it. A letter is in one run only,
    so no run reprints another's letters."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="print_runs")
    date = models.DateField()
    number = models.PositiveSmallIntegerField(default=1, help_text="The day's first run is 1.")
    pdf = models.FileField(upload_to="print-runs/%Y/", blank=True)
    manifest = models.JSONField(default=list)

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "date", "number"], name="print_run_number_in_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.force.code} print run {self.date} no. {self.number}"
