"""The demo's support records: what each completed DVNA found, the cope and recovery plans
of supported victims, their onward referrals and the few passed to volunteers.

Drawn from a generator of their own (so the journeys and everything before them are
unchanged) and written in bulk, like the rest of the demo. The shares follow the
Cambridgeshire Hub's year: about one in three supported victims referred on, and about
one in seventy passed to a volunteer (43 of nearly 3,000).
"""

from __future__ import annotations

import datetime as dt
import random

from assessments.models import Dvna, DvnaNeed, NeedLevel
from casework.demo_data import VOLUNTEER_LANGUAGES
from casework.demo_rows import write_tables
from casework.models import NeedCategory
from casework.plan_models import (
    CarePlan,
    GoalStatus,
    OnwardReferral,
    OnwardStatus,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from casework.volunteer_models import (
    Volunteer,
    VolunteerAssignment,
    VolunteerContact,
    VolunteerContactKind,
)
from hub.sql import build

ONWARD_SHARE = 0.35
VOLUNTEER_SHARE = 0.015

# What a victim's goal sounds like for each need, in the words a VCC would write.
GOALS = {
    NeedCategory.HEALTH: "Sleep and eat normally again",
    NeedCategory.OUTLOOK: "Stop blaming myself for what happened",
    NeedCategory.SOCIAL: "Go out and see friends again",
    NeedCategory.FINANCE: "Replace what was stolen and claim what I am owed",
    NeedCategory.EDUCATION: "Get back to work with my employer's support",
    NeedCategory.DRUGS_ALCOHOL: "Cut down on drinking to cope",
    NeedCategory.FAMILY: "Help the children feel safe again",
    NeedCategory.ACCOMMODATION: "Stay safely in my home, or move",
    NeedCategory.SAFETY: "Feel safe at home again",
    NeedCategory.JUSTICE: "Understand what happens at court",
    NeedCategory.COMPENSATION: "Apply to the CICA in time",
    NeedCategory.RESTORATIVE: "Find out about restorative justice",
}
ACTIONS = {
    NeedCategory.SAFETY: "Ask the home security scheme to fit locks",
    NeedCategory.HEALTH: "Talk to the GP about sleep",
    NeedCategory.JUSTICE: "Arrange a court familiarisation visit",
    NeedCategory.COMPENSATION: "Help fill in the CICA application",
}


def _levels(rng: random.Random) -> dict[str, str]:
    """A DVNA's findings: two to four needs, most at medium."""
    found = rng.sample(NeedCategory.values, rng.randint(2, 4))
    weights = [NeedLevel.LOW] * 3 + [NeedLevel.MEDIUM] * 5 + [NeedLevel.HIGH] * 2
    return {c: (rng.choice(weights) if c in found else NeedLevel.NONE) for c in NeedCategory}


def write_support(
    planner, cases, dvnas: dict[int, Dvna], services, *, seed, now: dt.datetime
) -> None:
    """Needs for each completed DVNA; a plan, onward referrals and volunteers for each
    victim whose support started."""
    rng = random.Random(f"{seed}/support")  # noqa: S311 - demo data, not secrets
    volunteers = list(Volunteer.objects.select_related("user").order_by("pk"))
    needs, plans, goal_rows, onward, assignments = [], [], [], [], []
    for index, (plan, case) in enumerate(zip(planner.plans, cases, strict=True)):
        dvna = dvnas.get(index)
        if dvna is None or dvna.completed_at is None:
            continue
        levels = _levels(rng)
        needs += [
            build(
                DvnaNeed,
                dvna=dvna,
                category=category,
                level=level,
                notes="",
                recorded_at=dvna.completed_at,
                recorded_by_id=plan.vcc.pk,
                created_at=dvna.completed_at,
            )
            for category, level in levels.items()
        ]
        started = plan.realised.support_started_at
        if started is None:
            continue
        ended = plan.realised.closed_at
        plans.append(
            build(
                CarePlan,
                case=case,
                episode=case.episode,
                created_by_id=plan.vcc.pk,
                exit_strategy="Support ended as agreed." if ended else "",
                exit_agreed_on=ended.date() if ended else None,
                created_at=started,
            )
        )
        wanted = [c for c, level in levels.items() if level != NeedLevel.NONE]
        goal_rows.append((plan, wanted, started, ended))
        offered = [s for s in services if set(s.needs) & set(wanted)]
        if offered and rng.random() < ONWARD_SHARE:
            service = rng.choice(offered)
            answered = started + dt.timedelta(days=rng.randint(2, 12))
            status = OnwardStatus.DONE if ended else OnwardStatus.ACCEPTED
            if rng.random() < 0.15:
                status = OnwardStatus.DECLINED
            onward.append(
                build(
                    OnwardReferral,
                    case=case,
                    episode=case.episode,
                    service=service,
                    status=status,
                    shared=["contact_details", "name"],
                    reason=f"Needs help with {NeedCategory(wanted[0]).label.lower()}.",
                    sent_at=started,
                    sent_by_id=plan.vcc.pk,
                    status_at=ended or answered,
                    created_at=started,
                )
            )
        if volunteers and rng.random() < VOLUNTEER_SHARE:
            assignments.append(
                build(
                    VolunteerAssignment,
                    case=case,
                    volunteer=_match(
                        rng, volunteers, planner.persons[plan.person].fields["preferred_language"]
                    ),
                    brief="Weekly visits while the case goes to court.",
                    started_at=started,
                    started_by_id=plan.vcc.pk,
                    ended_at=ended,
                    ended_by_id=plan.vcc.pk if ended else None,
                    created_at=started,
                )
            )
    goals, reviews, actions = _goals(plans, goal_rows)
    contacts = [
        build(
            VolunteerContact,
            assignment=a,
            on=(a.started_at + dt.timedelta(days=7 * (n + 1))).date(),
            kind=rng.choice(VolunteerContactKind.values),
            minutes=rng.choice([45, 60, 90, 120]),
            recorded_at=a.started_at + dt.timedelta(days=7 * (n + 1), hours=2),
        )
        for a in assignments
        for n in range(rng.randint(1, 4))
        if a.started_at + dt.timedelta(days=7 * (n + 1)) < (a.ended_at or now)
    ]
    write_tables(
        (DvnaNeed, needs),
        (CarePlan, plans),
        (PlanGoal, goals),
        (PlanReview, reviews),
        (PlanAction, actions),
        (OnwardReferral, onward),
        (VolunteerAssignment, assignments),
        (VolunteerContact, contacts),
    )


def _match(rng, volunteers, language: str):
    speaking = [v for v in volunteers if language in v.languages]
    return rng.choice(speaking or volunteers)


def _goals(plans, rows) -> tuple[list[PlanGoal], list[PlanReview], list[PlanAction]]:
    """Each plan's goals (one a need found), its first review, and the actions of its goals."""
    goals, reviews = [], []
    for care_plan, (_, wanted, started, ended) in zip(plans, rows, strict=True):
        for need in wanted:
            goals.append(
                build(
                    PlanGoal,
                    plan=care_plan,
                    need=need,
                    description=GOALS[need],
                    status=GoalStatus.ACHIEVED if ended else GoalStatus.OPEN,
                    created_at=started,
                )
            )
        review_on = (started + dt.timedelta(days=28)).date()
        reviews.append(
            build(
                PlanReview,
                plan=care_plan,
                due_on=review_on,
                done_at=ended if ended and ended.date() >= review_on else None,
                note="Reviewed with the victim." if ended and ended.date() >= review_on else "",
                created_at=started,
            )
        )
    actions = [
        build(
            PlanAction,
            goal=goal,
            description=ACTIONS[goal.need],
            owner_id=goal.plan.created_by_id,
            due_on=(goal.created_at + dt.timedelta(days=14)).date(),
            done_at=goal.created_at + dt.timedelta(days=10)
            if goal.status == GoalStatus.ACHIEVED
            else None,
            done_by_id=goal.plan.created_by_id if goal.status == GoalStatus.ACHIEVED else None,
            created_at=goal.created_at,
        )
        for goal in goals
        if goal.need in ACTIONS
    ]
    return goals, reviews, actions


def volunteer_profiles(users, roster, *, as_of: dt.date, areas: list[str]) -> None:
    """A profile for each seeded volunteer: the languages of their title, two areas, and
    vetting and training a year out (one lapsed and one due soon, as in any team)."""
    volunteers = [m for m in roster if m.role == "Volunteer"]
    existing = {
        v.user_id: v
        for v in Volunteer.objects.filter(user__in=[users[m.username] for m in volunteers])
    }
    profiles = []
    for number, member in enumerate(volunteers):
        user = users[member.username]
        spoken = member.job_title.partition("(")[2].rstrip(")").split(",")
        codes = [VOLUNTEER_LANGUAGES[name.strip()] for name in spoken if name.strip()]
        until = as_of + dt.timedelta(days=200 + 17 * number)
        if number == 1:
            until = as_of - dt.timedelta(days=20)
        elif number == 2:
            until = as_of + dt.timedelta(days=12)
        profile = existing.get(user.pk) or Volunteer(user=user)
        profile.languages = [c for c in codes if c]
        profile.areas = [areas[number % len(areas)], areas[(number + 2) % len(areas)]]
        profile.vetted_until = until
        profile.trained_until = until + dt.timedelta(days=60)
        profile.capacity = 2 + number % 2
        profiles.append(profile)
    # Two statements whatever the size of the team: seeding makes none per person.
    Volunteer.objects.bulk_create([p for p in profiles if p.pk is None])
    Volunteer.objects.bulk_update(
        [p for p in profiles if p.pk is not None],
        ["languages", "areas", "vetted_until", "trained_until", "capacity", "updated_at"],
    )
