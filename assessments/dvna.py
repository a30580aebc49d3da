"""The DVNA's conversation: its steps in order, with what a co-ordinator asks at each."""

from __future__ import annotations

from dataclasses import dataclass

from casework.models import NeedCategory

OUTCOMES_STEP = "outcomes"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    prompts: tuple[str, ...]


_PROMPTS = {
    NeedCategory.HEALTH: (
        "How have you been sleeping and eating since it happened?",
        "Have you been hurt, or has an injury or illness got worse?",
        "Are you seeing your GP or anyone else about how you feel?",
    ),
    NeedCategory.OUTLOOK: (
        "How do you feel about what happened now?",
        "Do you blame yourself, or worry it will happen again?",
    ),
    NeedCategory.SOCIAL: (
        "Are you going out and seeing people as you did before?",
        "Is there someone you can talk to?",
    ),
    NeedCategory.FINANCE: (
        "Has the crime cost you money: property, time off work, repairs?",
        "Do you need help with benefits, debts or replacing things?",
    ),
    NeedCategory.EDUCATION: (
        "Has it affected your work, studies or training?",
        "Does your employer or school know, and do they help?",
    ),
    NeedCategory.DRUGS_ALCOHOL: ("Are you drinking or using drugs more than before to cope?",),
    NeedCategory.FAMILY: (
        "Are children or other family members affected?",
        "Do you care for anyone, and can you still?",
    ),
    NeedCategory.ACCOMMODATION: (
        "Do you feel safe staying where you live?",
        "Is there a risk of losing your home, or do you need to move?",
    ),
    NeedCategory.SAFETY: (
        "Do you feel safe at home and when you go out?",
        "Would locks, lighting or an alarm help you feel safer?",
    ),
    NeedCategory.JUSTICE: (
        "Do you know what happens next with the investigation?",
        "Would you like to know about going to court, and help to get there?",
    ),
    NeedCategory.COMPENSATION: (
        "Were you injured? You may be able to claim from the Criminal Injuries "
        "Compensation Authority (CICA).",
        "Would you like help with an application?",
    ),
    NeedCategory.RESTORATIVE: (
        "Would you be interested in hearing about restorative justice: a chance to "
        "communicate with the person responsible, if you want to?",
    ),
}

STEPS: tuple[Step, ...] = (
    Step(
        OUTCOMES_STEP,
        "How the victim is now",
        (
            "Before talking about each need, ask the victim to score four things from 1 "
            "(worst) to 5 (best), as they feel today.",
        ),
    ),
    *(Step(c.value, c.label, _PROMPTS[c]) for c in NeedCategory),
)
STEP_SLUGS = tuple(step.slug for step in STEPS)


def step(slug: str) -> Step | None:
    return next((s for s in STEPS if s.slug == slug), None)


def following(slug: str) -> str | None:
    index = STEP_SLUGS.index(slug)
    return STEP_SLUGS[index + 1] if index + 1 < len(STEP_SLUGS) else None
