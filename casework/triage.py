"""Triage: a case's priority, the reasons for it in words, and its deadlines.

Needs, not crime type, set priority (the Victims' Code and the Hub's rules):

| priority | who | first phone attempt due | no-needs letter or email |
| 1 | needs and (DASH medium+, under 18, most serious, repeat in 12 months) | next working day | |
| 2 | needs and any other enhanced entitlement | 2 working days | |
| 3 | needs, no enhanced entitlement | 5 working days | |
| 4 | no needs identified | | 1 working day |

Enhanced entitlement is kept twice: as the police recorded it and as the Hub derives it
from age, offence and domestic abuse. This module is pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assessments.models import DashRisk, EnhancedGroup
from hub.calendar import WorkingCalendar

FIRST_CONTACT_WORKING_DAYS = {1: 1, 2: 2, 3: 5}
INFORMATION_WORKING_DAYS = 1
REPEAT_WINDOW_DAYS = 365
# Offence classes whose complainants are always "intimidated" under the Code besides sexual
# offences: human trafficking and modern slavery.
TRAFFICKING_CODES = frozenset({"72", "106"})


@dataclass(frozen=True)
class OffenceFacts:
    code: str
    description: str
    category: str
    most_serious: bool

    @property
    def is_sexual(self) -> bool:
        return self.category == "sexual"

    @property
    def is_homicide(self) -> bool:
        return self.category == "homicide"


# Who identified the victim's needs, by the way the referral came in.
NEEDS_IDENTIFIED_BY = {
    "police_api": "police",
    "adt_batch": "police",
    "partner_agency": "the referring agency",
    "transfer_in": "the referring area",
    "self_referral": "the victim, who referred themselves",
}


@dataclass(frozen=True)
class TriageInput:
    needs_support: bool
    received_at: dt.datetime
    source: str = "police_api"
    police_groups: tuple[str, ...] = ()
    domestic_abuse: bool = False
    dash_risk: str = ""
    hate_crime: bool = False
    police_repeat_victim: bool = False
    offence: OffenceFacts | None = None
    age_when_reported: int | None = None
    earlier_referrals_in_window: int = 0


@dataclass(frozen=True)
class TriageResult:
    priority: int
    reasons: list[str]
    derived_groups: list[str] = field(default_factory=list)
    first_contact_due: dt.datetime | None = None
    information_due: dt.datetime | None = None


def derive_enhanced_groups(facts: TriageInput) -> list[str]:
    """The enhanced groups the Hub can tell for itself from age, offence and domestic abuse."""
    groups: set[str] = set()
    if facts.age_when_reported is not None and facts.age_when_reported < 18:
        groups.add(EnhancedGroup.VULNERABLE)
    if facts.domestic_abuse:
        groups |= {EnhancedGroup.MOST_SERIOUS_CRIME, EnhancedGroup.INTIMIDATED}
    if facts.hate_crime:
        groups.add(EnhancedGroup.MOST_SERIOUS_CRIME)
    offence = facts.offence
    if offence is not None:
        if offence.most_serious and not offence.is_homicide:
            groups.add(EnhancedGroup.MOST_SERIOUS_CRIME)
        if offence.is_homicide:
            groups.add(EnhancedGroup.BEREAVED)
        if offence.is_sexual:
            groups |= {EnhancedGroup.MOST_SERIOUS_CRIME, EnhancedGroup.INTIMIDATED}
        if offence.code.split("/")[0] in TRAFFICKING_CODES:
            groups |= {EnhancedGroup.MOST_SERIOUS_CRIME, EnhancedGroup.INTIMIDATED}
    return sorted(str(g) for g in groups)


def _group_label(group: str) -> str:
    try:
        return str(EnhancedGroup(group).label).lower()
    except ValueError:
        return group


def triage(facts: TriageInput, calendar: WorkingCalendar) -> TriageResult:
    """Priority, readable reasons and deadlines for one referral."""
    derived = derive_enhanced_groups(facts)
    who = NEEDS_IDENTIFIED_BY.get(facts.source, "the referrer")
    if not facts.needs_support:
        return TriageResult(
            priority=4,
            reasons=[
                f"No needs identified by {who}: send the information letter or email "
                "within 1 working day."
            ],
            derived_groups=derived,
            information_due=calendar.deadline(facts.received_at, INFORMATION_WORKING_DAYS),
        )

    reasons = [f"Needs support identified by {who}."]
    urgent: list[str] = []
    if facts.dash_risk == DashRisk.HIGH:
        urgent.append("DASH risk high: refer to MARAC and hand to the IDVA service.")
    elif facts.dash_risk == DashRisk.MEDIUM:
        urgent.append("DASH risk medium.")
    if facts.age_when_reported is not None and facts.age_when_reported < 18:
        urgent.append(f"Under 18: aged {facts.age_when_reported} when the crime was reported.")
    all_groups = set(facts.police_groups) | set(derived)
    serious = all_groups & {EnhancedGroup.MOST_SERIOUS_CRIME, EnhancedGroup.BEREAVED}
    if serious:
        what = facts.offence.description if facts.offence else "recorded by police"
        if facts.domestic_abuse:
            what = "domestic abuse"
        elif facts.hate_crime and not (facts.offence and facts.offence.most_serious):
            what = "hate crime"
        labels = " and ".join(_group_label(g) for g in sorted(serious))
        urgent.append(f"Enhanced entitlement, {labels}: {what}.")
    if facts.earlier_referrals_in_window:
        n = facts.earlier_referrals_in_window
        urgent.append(
            f"Repeat victim: {n} earlier referral{'s' if n != 1 else ''} in the last 12 months."
        )
    elif facts.police_repeat_victim:
        urgent.append("Repeat victim, as recorded by police.")

    if urgent:
        priority = 1
        reasons += urgent
    else:
        others = sorted(all_groups)
        if others:
            priority = 2
            sources = []
            for group in others:
                by = "police" if group in facts.police_groups else "derived by the Hub"
                sources.append(f"{_group_label(group)} ({by})")
            reasons.append("Enhanced entitlement: " + ", ".join(sources) + ".")
        else:
            priority = 3
            reasons.append("No enhanced entitlement.")
    days = FIRST_CONTACT_WORKING_DAYS[priority]
    reasons.append(
        "First phone attempt due by the end of the next working day."
        if days == 1
        else f"First phone attempt due within {days} working days."
    )
    return TriageResult(
        priority=priority,
        reasons=reasons,
        derived_groups=derived,
        first_contact_due=calendar.deadline(facts.received_at, days),
    )
