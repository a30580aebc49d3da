"""The figures managers and the commissioner are held to, each defined once.

Every measure has an id (the CSV's and the drill-down's), a label, a definition in words
(shown on the dashboard) and how the database counts it. A period is a range of days in
Europe/London, [first, last], and picks the cases whose referral was *received* on those
days: ``received_at >= first 00:00 London`` and ``< (last + 1) 00:00 London``, so a day is
23 or 25 hours long when the clocks change. Every case figure is about that cohort of
cases (their calls, letters, outcomes and onward referrals, whenever those happened);
an area narrows it to crimes recorded in that area (a self-referral has none). Staff
caseloads and volunteers are force-wide and counted as at the end of the period.

Everything is counted in PostgreSQL with conditional aggregates, a few days of cases at
a time, into rows folded by day (``reporting.rollup``) that the dashboard and the reports
add up; no case is loaded into Python. A measure is its ``q`` here and nowhere else:
changing one means folding every day again (``manage.py refresh_figures --all``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from assessments.models import Dvna, OutcomeScores, OutcomeStage
from casework.models import (
    CaseEvent,
    CaseEventKind,
    ClosureReason,
    ContactAttempt,
    OnwardReferral,
    VolunteerAssignment,
)
from hub.calendar import LONDON
from letters.models import Channel, Letter, LetterStatus, Purpose
from referrals.models import OffenceCategory, ReferralSource

# ---- periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` inclusive, in Europe/London."""

    first: dt.date
    last: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=LONDON)

    @property
    def end_at(self) -> dt.datetime:
        # Midnight of the day after, in London: an aware datetime picks the day's own
        # offset, so the clock change is inside the period, not at its edges.
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def _whole_months(self) -> int:
        if self.first.day != 1:
            return 0
        if self.last.day != calendar.monthrange(self.last.year, self.last.month)[1]:
            return 0
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def previous(self) -> Period:
        """The period of the same length just before: the same number of whole months
        when this is whole months (October before November), else of days."""
        months = self._whole_months()
        if months:
            last = self.first - dt.timedelta(days=1)
            index = last.year * 12 + last.month - 1 - (months - 1)
            return Period(dt.date(index // 12, index % 12 + 1, 1), last)
        return Period(self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1))

    @classmethod
    def last_full_month(cls, today: dt.date) -> Period:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return cls(last.replace(day=1), last)

    def describe(self) -> str:
        return f"{self.first:%-d %B %Y} to {self.last:%-d %B %Y}"


# ---- how a case figure is counted ----------------------------------------------------


def _cases_with(rows: QuerySet) -> Q:
    # A correlated EXISTS: the figures are folded a few days of cases at a time
    # (``reporting.rollup``), where each case's rows are an index probe away; PostgreSQL
    # may still hash the subquery when it is asked about many cases at once.
    return Q(Exists(rows.filter(case_id=OuterRef("pk"))))


def _letter_sent(*purposes: str, channel: str | None = None) -> Q:
    letters = Letter.objects.filter(status=LetterStatus.SENT, purpose__in=purposes)
    return _cases_with(letters.filter(channel=channel) if channel else letters)


def start_score(name: str) -> Subquery:
    """The outcome's score at assessment in the same episode as the closing score."""
    return Subquery(
        OutcomeScores.objects.filter(
            case=OuterRef("case"), episode=OuterRef("episode"), stage=OutcomeStage.START
        ).values(name)[:1]
    )


def _improved(name: str) -> Q:
    closing = OutcomeScores.objects.filter(stage=OutcomeStage.CLOSE)
    return _cases_with(
        closing.annotate(start=start_score(name)).filter(**{f"{name}__gt": F("start")})
    )


# The first call was made (a recorded attempt, whatever its outcome) or the victim was
# reached by the first-contact deadline: DOMAIN.md's "first phone attempt due".
_FIRST_CALL_MET = Q(first_contact_due__isnull=False) & (
    _cases_with(
        ContactAttempt.objects.filter(
            recorded_at__isnull=False, recorded_at__lte=F("case__first_contact_due")
        )
    )
    | Q(first_contact_at__lte=F("first_contact_due"))
)
_INFORMATION_MET = Q(information_due__isnull=False) & _cases_with(
    Letter.objects.filter(
        purpose=Purpose.INFORMATION,
        status=LetterStatus.SENT,
        sent_at__lte=F("case__information_due"),
    )
)
_CALLED = _cases_with(ContactAttempt.objects.filter(recorded_at__isnull=False))
_COURT_RESULTS = _cases_with(CaseEvent.objects.filter(kind=CaseEventKind.COURT_RESULT))
SUPPORTED = Q(support_started_at__isnull=False) | Q(
    closure_reason__in=[ClosureReason.SUPPORT_COMPLETE, ClosureReason.SINGLE_CONTACT_SUPPORT]
)


@dataclass(frozen=True)
class Breakdown:
    """A way to split a measure: a case field to group by, its labels, and the key
    that stands for an empty value."""

    name: str
    label: str
    field: str
    labels: dict[str, str] = field(default_factory=dict)
    empty: str = "none"
    boolean: bool = False

    def label_of(self, key: str) -> str:
        return self.labels.get(key, key) if key != self.empty else "Not recorded"

    def q(self, key: str) -> Q:
        if key == self.empty:
            return Q(**{f"{self.field}__isnull": True}) | Q(**{self.field: ""})
        return Q(**{self.field: key == "true" if self.boolean else key})


SOURCE = Breakdown("source", "Source", "referral__source", dict(ReferralSource.choices))
CATEGORY = Breakdown(
    "category",
    "Crime category",
    "referral__crime__offence__category",
    dict(OffenceCategory.choices),
)
AREA = Breakdown("area", "Area", "referral__crime__area")
DOMESTIC_ABUSE = Breakdown(
    "domestic_abuse",
    "Domestic abuse",
    "domestic_abuse",
    {"true": "Domestic abuse", "false": "Not domestic abuse"},
    boolean=True,
)
BREAKDOWNS = {b.name: b for b in (SOURCE, CATEGORY, AREA, DOMESTIC_ABUSE)}


@dataclass(frozen=True)
class Measure:
    """One figure. ``q`` picks the cohort's cases it counts (or, for a figure that
    counts something else, the cases behind it, for the drill-down)."""

    id: str
    label: str
    definition: str
    section: str
    q: Q | None = None
    # For a figure of deadlines passed: the case's deadline field. A case that ``q``
    # picks counts once that deadline is before "now", so the figure grows as time
    # passes with no row changing (``reporting.rollup`` keeps the cases still waiting).
    until: str = ""
    unit: str = "cases"
    breakdowns: tuple[Breakdown, ...] = ()
    # A figure counted by a query of its own (letters, calls, outcomes, staff) rather
    # than as a count of the cohort's cases.
    counted_by: str = ""
    # The drill-down: whether a figure's cases may be listed (staff and volunteer
    # figures are not about cases).
    lists_cases: bool = True

    def condition(self, now: dt.datetime) -> Q:
        if self.until:
            return self.q & Q(**{f"{self.until}__lt": now})
        return self.q


MEASURES: tuple[Measure, ...] = (
    Measure(
        "referrals_received",
        "Referrals received",
        "Cases whose referral was received in the period, however it came (police crime "
        "report, automatic data transfer, self-referral, partner agency, transfer in).",
        "Volumes",
        q=Q(),
        breakdowns=(SOURCE, CATEGORY, AREA),
    ),
    Measure(
        "referrals_domestic_abuse",
        "Domestic abuse referrals",
        "Of the referrals received, those marked domestic abuse (by the police's IVNA or "
        "the Hub's triage).",
        "Volumes",
        q=Q(domestic_abuse=True),
    ),
    Measure(
        "self_referrals",
        "Self-referrals",
        "Of the referrals received, victims who referred themselves (confidential from police).",
        "Volumes",
        q=Q(referral__source=ReferralSource.SELF_REFERRAL),
    ),
    Measure(
        "victims_contacted_phone",
        "Victims contacted by phone",
        "Cases where the Hub and the victim have spoken: a call reached the victim "
        "(whether they went on to want support or declined) or they rang back; the case "
        "has a first contact time.",
        "Contact",
        q=Q(first_contact_at__isnull=False),
        breakdowns=(DOMESTIC_ABUSE,),
    ),
    Measure(
        "victims_contacted_letter_email",
        "Victims contacted by letter or email",
        "Cases whose information letter (no needs identified) or unable-to-contact letter "
        "(after three failed calls) was sent, by post or email.",
        "Contact",
        q=_letter_sent(Purpose.INFORMATION, Purpose.UNABLE_TO_CONTACT),
    ),
    Measure(
        "victims_assessed",
        "Victims whose needs were assessed",
        "Cases with a completed Detailed Victim Needs Assessment (DVNA).",
        "Contact",
        q=_cases_with(Dvna.objects.filter(completed_at__isnull=False)),
    ),
    Measure(
        "victims_declined",
        "Victims who declined support",
        "Cases closed as declined: the victim was reached and did not want support.",
        "Contact",
        q=Q(closure_reason=ClosureReason.DECLINED),
        breakdowns=(DOMESTIC_ABUSE,),
    ),
    Measure(
        "victims_supported",
        "Victims supported",
        "Cases that reached support (a cope and recovery plan under way), or were closed "
        "as supported in a single contact or with support complete.",
        "Contact",
        q=SUPPORTED,
        breakdowns=(DOMESTIC_ABUSE,),
    ),
    Measure(
        "cases_passed_to_volunteers",
        "Victims passed to volunteers",
        "Cases matched to a community volunteer for face-to-face support.",
        "Contact",
        q=_cases_with(VolunteerAssignment.objects.all()),
    ),
    Measure(
        "contact_attempts",
        "Phone calls made",
        "Recorded phone attempts (any outcome) to the cohort's victims; planned calls "
        "not yet made are not counted.",
        "Contact",
        q=_CALLED,
        unit="calls",
        counted_by="attempts",
    ),
    Measure(
        "contact_attempts_per_victim",
        "Phone calls per victim called",
        "Recorded phone attempts divided by the cases with at least one recorded attempt.",
        "Contact",
        q=_CALLED,
        unit="mean",
        counted_by="attempts",
    ),
    Measure(
        "first_contact_median_hours",
        "Hours from referral to first contact (median)",
        "For cases where the Hub and the victim have spoken, the median of the hours "
        "from the referral's receipt to the first contact.",
        "Timeliness",
        q=Q(first_contact_at__isnull=False),
        unit="hours",
        counted_by="timeliness",
    ),
    Measure(
        "first_contact_by_deadline_pct",
        "First contacts by the deadline (%)",
        "Of the cases with a first-contact deadline (priorities 1 to 3) where the victim "
        "has been spoken to, the share spoken to by the deadline.",
        "Timeliness",
        q=Q(first_contact_at__isnull=False, first_contact_due__isnull=False),
        unit="percent",
        counted_by="timeliness",
    ),
    Measure(
        "code_first_call_met",
        "Victims' Code: first call by the deadline",
        "Cases with a first-contact deadline whose first call was made (or the victim "
        "reached) by the end of that working day.",
        "Victims' Code",
        q=_FIRST_CALL_MET,
    ),
    Measure(
        "code_first_call_missed",
        "Victims' Code: first call late or not made",
        "Cases with a first-contact deadline, now passed, whose first call was not made by it.",
        "Victims' Code",
        q=Q(first_contact_due__isnull=False) & ~_FIRST_CALL_MET,
        until="first_contact_due",
    ),
    Measure(
        "code_information_met",
        "Victims' Code: information letter by the deadline",
        "Cases with no needs identified (priority 4) whose information letter or email "
        "was sent within one working day.",
        "Victims' Code",
        q=_INFORMATION_MET,
    ),
    Measure(
        "code_information_missed",
        "Victims' Code: information letter late or not sent",
        "Cases with no needs identified whose information deadline has passed without the "
        "letter or email sent by it.",
        "Victims' Code",
        q=Q(information_due__isnull=False) & ~_INFORMATION_MET,
        until="information_due",
    ),
    Measure(
        "code_court_update_met",
        "Victims' Code: court results passed on in time",
        "Court results received for the cohort's cases whose update letter or email was "
        "sent by the Code's deadline (1 working day for enhanced entitlement, else 5).",
        "Victims' Code",
        q=_COURT_RESULTS,
        unit="court results",
        counted_by="court",
    ),
    Measure(
        "code_court_update_missed",
        "Victims' Code: court results passed on late or not yet",
        "Court results whose deadline has passed without the update sent by it.",
        "Victims' Code",
        q=_COURT_RESULTS,
        unit="court results",
        counted_by="court",
    ),
    Measure(
        "letters_sent",
        "Letters sent by post",
        "Letters to the cohort's victims sent by post, of any purpose.",
        "Letters and emails",
        q=_letter_sent(*Purpose.values, channel=Channel.POST),
        unit="letters",
        counted_by="letters",
    ),
    Measure(
        "letters_cost_pence",
        "Cost of letters (pence)",
        "The postage recorded on each letter sent by post.",
        "Letters and emails",
        q=_letter_sent(*Purpose.values, channel=Channel.POST),
        unit="pence",
        counted_by="letters",
    ),
    Measure(
        "emails_sent",
        "Emails sent",
        "Letters to the cohort's victims sent by email, of any purpose.",
        "Letters and emails",
        q=_letter_sent(*Purpose.values, channel=Channel.EMAIL),
        unit="emails",
        counted_by="letters",
    ),
    Measure(
        "emails_cost_pence",
        "Cost of emails (pence)",
        "The cost recorded on each email sent.",
        "Letters and emails",
        q=_letter_sent(*Purpose.values, channel=Channel.EMAIL),
        unit="pence",
        counted_by="letters",
    ),
    *(
        Measure(
            f"outcome_improved_{name}",
            f"Improved: {label}",
            f"Cases whose closing score for “{label}” is higher than their score at "
            "assessment in the same episode (both 1 to 5).",
            "Outcomes",
            q=_improved(name),
        )
        for name, label in (
            ("health", "health and wellbeing"),
            ("coping", "better able to cope"),
            ("safety", "feelings of safety"),
            ("empowerment", "empowerment (better informed)"),
        )
    ),
    Measure(
        "onward_referrals",
        "Onward referrals",
        "Referrals of the cohort's victims to services in the directory, by service.",
        "Onward referrals",
        q=_cases_with(OnwardReferral.objects.all()),
        unit="referrals",
        counted_by="onward",
    ),
    Measure(
        "caseworkers_at_cap",
        "Caseworkers at the cap",
        "Caseworkers who were given at least the cap (settings.CASEWORKER_CAP, 120) new "
        "cases in the 12 months to the end of the period, as allocation counts them.",
        "Staff",
        unit="staff",
        counted_by="staff",
        lists_cases=False,
    ),
    Measure(
        "caseworker_intake_max",
        "Most new cases given to one caseworker in 12 months",
        "The highest 12-month intake of any caseworker, against the cap.",
        "Staff",
        unit="cases",
        counted_by="staff",
        lists_cases=False,
    ),
    Measure(
        "vcc_intake_mean",
        "New cases per VCC in 12 months (mean)",
        "Cases newly allocated to each Victim Care Co-ordinator in the 12 months to the "
        "end of the period, averaged over the force's VCCs.",
        "Staff",
        unit="mean",
        counted_by="staff",
        lists_cases=False,
    ),
    Measure(
        "volunteers_active",
        "Volunteers supporting victims",
        "Volunteers with at least one assignment live at the end of the period.",
        "Volunteers",
        unit="volunteers",
        counted_by="volunteers",
        lists_cases=False,
    ),
    Measure(
        "volunteer_cases_active",
        "Victims with a volunteer",
        "Assignments live at the end of the period, by the languages their volunteer "
        "speaks besides English (a volunteer may speak several).",
        "Volunteers",
        unit="assignments",
        counted_by="volunteers",
        lists_cases=False,
    ),
)
BY_ID = {m.id: m for m in MEASURES}
OUTCOME_LABELS = {
    "health": "Improved health and wellbeing",
    "coping": "Better able to cope with aspects of everyday life",
    "safety": "Increased feelings of safety",
    "empowerment": "Improved sense of empowerment (better informed)",
}
