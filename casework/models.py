"""The case: one victim of one crime, from referral to closure, and its timeline.

The state machine lives here (django-fsm-2). Transitions only check their guards and
change fields on their own row; each is called from exactly one function in
``casework.services``, which locks the row, saves and writes the timeline event.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from hub.errors import TransitionRefused
from hub.models import Force, TimeStampedModel
from hub.roles import CASE_ROLES, DIRECTORY_ROLES


class CaseState(models.TextChoices):
    NEW = "new", "New"
    AWAITING_CONTACT = "awaiting_contact", "Awaiting contact"
    INFORMATION_SENT = "information_sent", "Information sent"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact (letter sent, awaiting reply)"
    IN_CONTACT = "in_contact", "In contact"
    ASSESSMENT = "assessment", "Assessment"
    SUPPORT = "support", "Support"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"


OPEN_STATES = [s for s in CaseState if s != CaseState.CLOSED]


class ClosureReason(models.TextChoices):
    SUPPORT_COMPLETE = "support_complete", "Support complete"
    SINGLE_CONTACT_SUPPORT = "single_contact_support", "Supported in a single contact"
    DECLINED = "declined", "Declined support"
    NO_CONTACT = "no_contact", "No contact"
    INFORMATION_ONLY = "information_only", "Information only"
    TRANSFERRED_OUT = "transferred_out", "Transferred to another area"
    RETURNED_TO_POLICE = "returned_to_police", "Returned to police"
    HANDED_TO_IDVA = "handed_to_idva", "Handed to the IDVA service"
    MOVED_AWAY = "moved_away", "Moved away"
    DUPLICATE = "duplicate", "Duplicate referral"
    DECEASED = "deceased", "Deceased"
    OTHER = "other", "Other"


# Reasons that end a case early, whatever stage it reached before support.
EARLY_EXIT_REASONS = (
    ClosureReason.DECLINED,
    ClosureReason.TRANSFERRED_OUT,
    ClosureReason.RETURNED_TO_POLICE,
    ClosureReason.HANDED_TO_IDVA,
    ClosureReason.MOVED_AWAY,
    ClosureReason.DUPLICATE,
    ClosureReason.DECEASED,
    ClosureReason.OTHER,
)


# Cases closed for these reasons are not written to: the victim is someone else's to
# contact, was referred twice, or has died.
NOT_WRITTEN_TO = frozenset(
    {
        ClosureReason.DUPLICATE,
        ClosureReason.DECEASED,
        ClosureReason.TRANSFERRED_OUT,
        ClosureReason.RETURNED_TO_POLICE,
    }
)


class Priority(models.IntegerChoices):
    P1 = 1, "Priority 1"
    P2 = 2, "Priority 2"
    P3 = 3, "Priority 3"
    P4 = 4, "Priority 4 (no needs identified)"


def _has_needs(case: Case) -> bool:
    return case.priority in (Priority.P1, Priority.P2, Priority.P3)


def _has_no_needs(case: Case) -> bool:
    return case.priority == Priority.P4


# Guards read the current episode only: a reopened case is assessed and scored afresh.
def _has_completed_dvna(case: Case) -> bool:
    return case.dvnas.filter(episode=case.episode, completed_at__isnull=False).exists()


def _has_better_informed_outcome(case: Case) -> bool:
    return case.outcome_scores.filter(episode=case.episode, empowerment__isnull=False).exists()


def _has_both_outcome_sets(case: Case) -> bool:
    complete = Q(health__isnull=False, coping__isnull=False, safety__isnull=False)
    complete &= Q(empowerment__isnull=False, episode=case.episode)
    return case.outcome_scores.filter(complete).values("stage").distinct().count() == 2


_has_needs.hint = "needs identified at triage"
_has_no_needs.hint = "no needs identified at triage"
_has_completed_dvna.hint = "a completed DVNA"
_has_better_informed_outcome.hint = 'the "better informed" outcome recorded'
_has_both_outcome_sets.hint = "all four outcomes scored at assessment and at closure"


class CaseQuerySet(models.QuerySet):
    def reachable_by(self, user) -> CaseQuerySet:
        """Cases of the user's force, restricted or not, for a member of staff in a case
        role: what may be shown at least as a restricted case's stub. Never the content."""
        if not user.is_authenticated or not user.force_id or not (CASE_ROLES & user.role_names):
            return self.none()
        return self.filter(force_id=user.force_id)

    def visible_to(self, user) -> CaseQuerySet:
        """Cases of the user's force; a restricted one only to the staff named on it, and
        to those a manager granted access for a while."""
        cases = self.reachable_by(user)
        if not user.is_authenticated:
            return cases
        # Subqueries, not joins: a join on the named staff would repeat a case per name
        # and need a DISTINCT over every row of every queue.
        named = Q(responsible=user) | Q(
            pk__in=Case.named_staff.through.objects.filter(user=user).values("case_id")
        )
        granted = Q(
            pk__in=CaseAccess.objects.filter(
                requested_by=user, status=AccessStatus.GRANTED, expires_at__gt=timezone.now()
            ).values("case_id")
        )
        return cases.filter(Q(restricted=False) | named | granted)

    def open(self) -> CaseQuerySet:
        # A list of states, not "not closed": the planner can read it from an index on
        # the state (most of a year's cases are closed).
        return self.filter(state__in=OPEN_STATES)


class Case(ConcurrentTransitionMixin, TimeStampedModel):
    """A victim's case. ``state`` changes only through ``casework.services``."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    # Not indexed alone: case_queue_idx leads with it.
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="cases", db_index=False)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="case"
    )
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="cases")
    state = FSMField(choices=CaseState.choices, default=CaseState.NEW, protected=True)
    closure_reason = models.CharField(max_length=24, choices=ClosureReason.choices, blank=True)
    episode = models.PositiveSmallIntegerField(
        default=1, help_text="Counts reopenings: each episode is assessed and scored afresh."
    )

    # Triage: the priority, the reasons in words a VCC reads, and the enhanced groups as
    # police recorded them and as the Hub derived them (both kept).
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    priority_reasons = ArrayField(models.TextField(), default=list)
    enhanced_police = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    enhanced_derived = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    domestic_abuse = models.BooleanField(default=False)
    first_contact_due = models.DateTimeField(null=True, blank=True)
    information_due = models.DateTimeField(null=True, blank=True)
    victim_update_due = models.DateTimeField(
        null=True, blank=True, help_text="When the victim must be told of a court result."
    )

    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_cases",
        verbose_name="responsible VCC",
        # Not indexed alone: case_responsible_idx leads with it.
        db_index=False,
    )
    restricted = models.BooleanField(default=False)
    named_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="named_cases"
    )

    # Safe-contact instructions. ``lives_with_suspect`` overrides post and voicemail.
    voicemail_ok = models.BooleanField(default=False)
    post_ok = models.BooleanField(default=False)
    email_ok = models.BooleanField(default=False)
    sms_ok = models.BooleanField(default=False)
    lives_with_suspect = models.BooleanField(default=False)
    safe_times = models.JSONField(default=list, blank=True)
    interpreter = models.CharField(max_length=40, blank=True)
    communication_needs = models.TextField(blank=True)
    large_print = models.BooleanField(default=False, help_text="Letters in large print.")

    attention = models.TextField(
        blank=True,
        help_text="Why the Hub's automatic contact stopped and a co-ordinator must act; "
        "empty when nothing is waiting on a person.",
    )

    opened_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    support_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Retention (``casework.retention``): reviewed for erasure from this day, unless held.
    retention_review_on = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        permissions = [
            ("allocate_case", "Can allocate cases to staff"),
            ("view_restricted_stub", "Can see that a restricted case exists"),
            ("view_aggregates", "Can see aggregate figures"),
        ]
        indexes = [
            models.Index(fields=["force", "state", "first_contact_due"], name="case_queue_idx"),
            models.Index(fields=["responsible", "state"], name="case_responsible_idx"),
            # Open cases are a small share of the table and every queue reads only them:
            # the team's loads, the unallocated queue and each member's queue.
            models.Index(
                fields=["force", "responsible"],
                condition=Q(state__in=OPEN_STATES),
                name="case_open_idx",
            ),
            models.Index(fields=["opened_at"], name="case_opened_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=4), name="case_priority_1_to_4"
            ),
            models.CheckConstraint(
                condition=(Q(state="closed") & ~Q(closure_reason="") & Q(closed_at__isnull=False))
                | (~Q(state="closed") & Q(closure_reason="") & Q(closed_at__isnull=True)),
                name="case_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # Safe contact, as the letters and the contact planner must read it.
    @property
    def may_leave_voicemail(self) -> bool:
        return self.voicemail_ok and not self.lives_with_suspect

    @property
    def may_post(self) -> bool:
        return self.post_ok and not self.lives_with_suspect

    @property
    def may_email(self) -> bool:
        return self.email_ok

    @property
    def enhanced_groups(self) -> list[str]:
        return sorted(set(self.enhanced_police) | set(self.enhanced_derived))

    def allowed_closure_reasons(self) -> list[ClosureReason]:
        """The closure reasons the case may close with from where it is now."""
        if self.state == CaseState.CLOSED:
            return []
        if self.state == CaseState.CLOSING:
            if self.support_started_at is None:
                return [ClosureReason.SINGLE_CONTACT_SUPPORT, ClosureReason.OTHER]
            if not _has_both_outcome_sets(self):
                return []
            return [ClosureReason.SUPPORT_COMPLETE, *EARLY_EXIT_REASONS]
        if self.state == CaseState.SUPPORT:
            # Everyone leaves support through closing, where the outcomes are scored again;
            # only a death closes a case in support directly.
            return [ClosureReason.DECEASED]
        extra = {
            CaseState.INFORMATION_SENT: [ClosureReason.INFORMATION_ONLY],
            CaseState.UNABLE_TO_CONTACT: [ClosureReason.NO_CONTACT],
        }.get(self.state, [])
        return [*extra, *EARLY_EXIT_REASONS]

    # ---- transitions: guards and this row's fields only; see casework.services ----

    @transition(
        field=state,
        source=CaseState.NEW,
        target=CaseState.AWAITING_CONTACT,
        conditions=[_has_needs],
    )
    def await_contact(self) -> None:
        """Triaged with needs: the victim is to be phoned."""

    @transition(
        field=state,
        source=CaseState.NEW,
        target=CaseState.INFORMATION_SENT,
        conditions=[_has_no_needs],
    )
    def send_information(self) -> None:
        """No needs identified: the information letter or email has gone."""

    @transition(
        field=state,
        source=[
            CaseState.AWAITING_CONTACT,
            CaseState.UNABLE_TO_CONTACT,
            CaseState.INFORMATION_SENT,
        ],
        target=CaseState.IN_CONTACT,
    )
    def make_contact(self, *, now) -> None:
        """The Hub and the victim have spoken."""
        if self.first_contact_at is None:
            self.first_contact_at = now

    @transition(field=state, source=CaseState.AWAITING_CONTACT, target=CaseState.UNABLE_TO_CONTACT)
    def mark_unable_to_contact(self) -> None:
        """Three phone attempts failed and the unable-to-contact letter or email has gone."""

    @transition(field=state, source=CaseState.IN_CONTACT, target=CaseState.ASSESSMENT)
    def start_assessment(self) -> None:
        """The victim wants support: the DVNA begins."""

    @transition(
        field=state,
        source=CaseState.ASSESSMENT,
        target=CaseState.SUPPORT,
        conditions=[_has_completed_dvna],
    )
    def start_support(self, *, now) -> None:
        """The DVNA is complete and the cope and recovery plan is under way."""
        if self.support_started_at is None:
            self.support_started_at = now

    @transition(
        field=state,
        source=[CaseState.IN_CONTACT, CaseState.ASSESSMENT],
        target=CaseState.CLOSING,
        conditions=[_has_better_informed_outcome],
    )
    @transition(field=state, source=CaseState.SUPPORT, target=CaseState.CLOSING)
    def begin_closure(self) -> None:
        """Support is ending (or was given in a single contact): outcomes are scored."""

    @transition(field=state, source=OPEN_STATES, target=CaseState.CLOSED)
    def close(self, *, reason: str, now) -> None:
        """The case ends, with a reason allowed from where it stood."""
        if reason not in self.allowed_closure_reasons():
            allowed = ", ".join(r.value for r in self.allowed_closure_reasons()) or "none yet"
            raise TransitionRefused(
                f"A case in {self.get_state_display().lower()} cannot close as "
                f"{reason!r}: allowed now: {allowed}."
            )
        self.closure_reason = reason
        self.closed_at = now

    @transition(field=state, source=CaseState.CLOSED, target=CaseState.ASSESSMENT)
    def reopen(self) -> None:
        """The victim's needs changed: the case is re-assessed, as a new episode."""
        self.closure_reason = ""
        self.closed_at = None
        self.support_started_at = None
        self.episode += 1


class CaseEventKind(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", "Referral received"
    TRIAGED = "triaged", "Triaged"
    TRANSITION = "transition", "Status changed"
    ALLOCATED = "allocated", "Allocated"
    COURT_RESULT = "court_result", "Court result"
    CONTACT_ATTEMPT = "contact_attempt", "Phone call"
    LETTER = "letter", "Letter or email"
    FLAGGED = "flagged", "Needs a co-ordinator"
    ACCESS = "access", "Access to a restricted case"
    NOTE = "note", "Note"
    DISCLOSURE = "disclosure", "Disclosed to police"
    RETENTION = "retention", "Retention"
    ASSESSMENT = "assessment", "Needs assessment"
    OUTCOMES = "outcomes", "Outcomes scored"
    PLAN = "plan", "Cope and recovery plan"
    ONWARD_REFERRAL = "onward_referral", "Onward referral"
    VOLUNTEER = "volunteer", "Volunteer"


class CaseEvent(models.Model):
    """One entry on the case's timeline; a state change records who, when, from, to and why."""

    # Not indexed alone: caseevent_case_at_idx leads with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=24, choices=CaseEventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="caseevent_case_at_idx"),
            # The dashboard's caseloads: a year's allocations of a force, without reading
            # every other event (most of the table) to find them.
            models.Index(
                fields=["at"], condition=Q(kind="allocated"), name="caseevent_allocated_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor else "The Hub"

    @property
    def to_state_label(self) -> str:
        return CaseState(self.to_state).label if self.to_state in CaseState.values else ""


class ContactOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL_LEFT = "voicemail_left", "Voicemail left"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DECLINED = "declined", "Spoke: declined support"
    WANTS_SUPPORT = "wants_support", "Spoke: wants support"
    UNSAFE_TO_TALK = "unsafe_to_talk", "Unsafe to talk"
    CALL_BACK = "call_back", "Call back at a time"


# The outcomes that count towards the three attempts: the victim was not reached.
FAILED_OUTCOMES = frozenset(
    {ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL_LEFT, ContactOutcome.UNSAFE_TO_TALK}
)
MAX_PHONE_ATTEMPTS = 3


class ContactAttempt(models.Model):
    """A phone call to the victim: planned in a window, then its outcome recorded.

    A case has at most one planned (unrecorded) attempt, held by a partial unique index,
    so two co-ordinators recording at once cannot plan two next calls.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attempts")
    episode = models.PositiveSmallIntegerField(default=1)
    number = models.PositiveSmallIntegerField(
        help_text="Which of the three attempts this is; a call-back keeps the number it follows."
    )
    band = models.CharField(max_length=12)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    late = models.BooleanField(
        default=False, help_text="No safe window allowed the first call by its deadline."
    )
    call_back = models.BooleanField(default=False, help_text="At a time the victim asked for.")
    planned_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=ContactOutcome.choices, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["window_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(outcome=""), name="one_planned_attempt_per_case"
            ),
            models.CheckConstraint(
                condition=Q(outcome="", recorded_at__isnull=True)
                | (~Q(outcome="") & Q(recorded_at__isnull=False)),
                name="attempt_outcome_with_time",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="attempt_window_order"
            ),
        ]
        indexes = [
            models.Index(
                fields=["window_start"], condition=Q(outcome=""), name="attempt_planned_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} attempt {self.number} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def is_planned(self) -> bool:
        return not self.outcome


class AccessStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a manager"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"


class CaseAccess(models.Model):
    """A request to see a restricted case and a manager's answer. A grant lasts for a
    limited time; the request, the answer and each use are on the case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=AccessStatus.choices, default=AccessStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requested_by"],
                condition=Q(status="pending"),
                name="one_pending_access_request",
            ),
            models.CheckConstraint(
                condition=~Q(status="granted")
                | (Q(expires_at__isnull=False) & Q(decided_by__isnull=False)),
                name="access_grant_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} access for {self.requested_by_id} ({self.status})"

    def is_active(self, now) -> bool:
        return self.status == AccessStatus.GRANTED and self.expires_at > now


class NeedCategory(models.TextChoices):
    """The need categories of the DVNA, by which services are found."""

    HEALTH = "health", "Mental and physical health"
    OUTLOOK = "outlook", "Outlook and attitudes"
    SOCIAL = "social", "Social interactions"
    FINANCE = "finance", "Finance and benefits"
    EDUCATION = "education", "Education, skills and employment"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs and alcohol"
    FAMILY = "family", "Family, friends and children"
    ACCOMMODATION = "accommodation", "Shelter and accommodation"
    SAFETY = "safety", "Personal safety and home security"
    JUSTICE = "justice", "Understanding the criminal justice process"
    COMPENSATION = "compensation", "Compensation (CICA)"
    RESTORATIVE = "restorative", "Restorative justice"


class ServiceQuerySet(models.QuerySet):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user) -> ServiceQuerySet:
        """The services of the user's force, for staff in a case role or an administrator."""
        if (
            not user.is_authenticated
            or not user.force_id
            or not (DIRECTORY_ROLES & user.role_names)
        ):
            return self.none()
        return self.filter(force_id=user.force_id)


class Service(TimeStampedModel):
    """A service in the directory that victims can be referred on to."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="services")
    # The service's id in Open Referral UK exports, kept so that a directory exported and
    # imported elsewhere (or back) updates the same services rather than adding copies.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    description = models.TextField()
    needs = ArrayField(models.CharField(max_length=20, choices=NeedCategory.choices), default=list)
    areas = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, help_text="Empty: force-wide."
    )
    eligibility = models.TextField(blank=True)
    how_to_refer = models.TextField(blank=True)
    commissioned = models.BooleanField(
        default=False, help_text="Commissioned by the Police and Crime Commissioner."
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    address = models.TextField(blank=True)
    hide_address = models.BooleanField(
        default=False, help_text="A refuge: the address is never shown or printed."
    )
    is_active = models.BooleanField(default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="service_name_unique_in_force")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def need_labels(self) -> list[str]:
        return [NeedCategory(need).label for need in self.needs if need in NeedCategory.values]


class SubjectAccessStatus(models.TextChoices):
    PREPARED = "prepared", "Prepared: waiting for a manager's review"
    RELEASED = "released", "Reviewed and released"


class SubjectAccessRequest(models.Model):
    """A victim's request for a copy of everything the Hub holds about them (UK GDPR
    art. 15, DPA 2018 s.45): compiled when prepared, reviewed for other people's
    information by a manager who did not prepare it, then released as PDF and JSON."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(help_text="When the victim asked: the month runs from it.")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=SubjectAccessStatus.choices, default=SubjectAccessStatus.PREPARED
    )
    # What was found, as compiled: sections of items, each with a stable id.
    content = models.JSONField()
    # Item ids withheld at review (other people's information), and why.
    withheld = models.JSONField(default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "prepared_at"], name="sar_person_idx")]

    def __str__(self) -> str:
        return f"Subject access {self.pk} for person {self.person_id} ({self.status})"


# The plan's and the volunteers' models live in modules of their own (this one is long);
# imported here so that Django registers them with the app.
from casework.plan_models import (  # noqa: E402
    CarePlan,
    CicaClaim,
    OnwardReferral,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from casework.volunteer_models import (  # noqa: E402
    Volunteer,
    VolunteerAssignment,
    VolunteerContact,
)

__all__ = [
    "CarePlan",
    "CicaClaim",
    "OnwardReferral",
    "PlanAction",
    "PlanGoal",
    "PlanReview",
    "Volunteer",
    "VolunteerAssignment",
    "VolunteerContact",
]
