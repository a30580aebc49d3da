"""The demo's services directory: the kinds of service a Cambridgeshire Hub refers victims to."""

from __future__ import annotations

from casework.models import Service
from hub.models import Force

# name, organisation, needs, commissioned, eligibility, how to refer, phone, hide address
SERVICES = [
    (
        "Independent Sexual Violence Advisers",
        "Cambridgeshire and Peterborough ISVA Service",
        ["safety", "health", "justice"],
        True,
        "Victims of rape or sexual assault, recent or non-recent, any age.",
        "Refer from the case page with the victim's consent; the ISVA calls within 2 working days.",
        "01223 000 101",
        False,
    ),
    (
        "Independent Domestic Violence Advisers",
        "Cambridgeshire IDVA Service",
        ["safety", "accommodation", "justice"],
        True,
        "Victims of domestic abuse assessed as high risk (DASH 14+) or heard at MARAC.",
        "Refer from the case page; high-risk cases go the same day.",
        "01223 000 102",
        False,
    ),
    (
        "Victims' mental health nurse",
        "Cambridgeshire and Peterborough NHS Foundation Trust",
        ["health", "outlook"],
        True,
        "Victims whose mental health is affected by the crime, 16 and over.",
        "Refer from the case page after the DVNA.",
        "01223 000 103",
        False,
    ),
    (
        "Young Victims Service",
        "Cambridgeshire Young Victims Service",
        ["family", "education", "health"],
        True,
        "Victims under 18, with a parent or guardian's agreement where needed.",
        "Refer from the case page.",
        "01223 000 104",
        False,
    ),
    (
        "Restorative Justice",
        "Cambridgeshire Restorative Justice Hub",
        ["restorative", "justice"],
        True,
        "Victims who want to communicate with the person who harmed them, at any stage.",
        "Refer from the case page; a facilitator assesses suitability.",
        "01223 000 105",
        False,
    ),
    (
        "Home security for older burglary victims",
        "Cambridgeshire Bobby Scheme",
        ["safety"],
        True,
        "Victims of burglary aged 60 and over, or vulnerable victims of any age.",
        "Refer from the case page; a fitter visits within a week.",
        "01223 000 106",
        False,
    ),
    (
        "Drug and alcohol service",
        "Change Grow Live Cambridgeshire",
        ["drugs_alcohol", "health"],
        False,
        "Adults whose drug or alcohol use worries them.",
        "Self-referral or referral by the Hub.",
        "01223 000 107",
        False,
    ),
    (
        "Housing options",
        "Cambridge City Council",
        ["accommodation"],
        False,
        "Anyone at risk of homelessness or unsafe in their home.",
        "Refer by phone or the council's online form.",
        "01223 000 108",
        False,
    ),
    (
        "Refuge",
        "Cambridge Women's Aid",
        ["accommodation", "safety"],
        False,
        "Women and children fleeing domestic abuse.",
        "By phone only; the refuge's address is never given out.",
        "01223 000 109",
        True,
    ),
    (
        "Counselling for victims of crime",
        "Cambridgeshire Victim Counselling",
        ["health", "outlook", "social"],
        True,
        "Victims of any crime with emotional needs, 18 and over.",
        "Refer from the case page after the DVNA.",
        "01223 000 110",
        False,
    ),
    (
        "Money and benefits advice",
        "Citizens Advice Cambridge and District",
        ["finance", "education"],
        False,
        "Anyone; priority for victims of fraud and those who lost income through the crime.",
        "Referral by the Hub or drop-in.",
        "01223 000 111",
        False,
    ),
    (
        "Help with criminal injuries compensation",
        "Victim and Witness Hub",
        ["compensation"],
        False,
        "Victims of violent crime; apply within two years of the incident (children: see rules).",
        "The VCC helps with the application.",
        "0800 952 3000",
        False,
    ),
    (
        "Hate crime support",
        "Stop Hate UK",
        ["safety", "social"],
        False,
        "Victims and witnesses of hate crime.",
        "Self-referral or referral by the Hub.",
        "0800 138 1625",
        False,
    ),
]


def ensure_services(force: Force) -> list[Service]:
    """Create or update the demo directory for ``force``."""
    services = []
    for name, organisation, needs, commissioned, eligibility, how, phone, hidden in SERVICES:
        service, _ = Service.objects.update_or_create(
            force=force,
            name=name,
            defaults={
                "organisation": organisation,
                "description": f"{name}, run by {organisation}.",
                "needs": needs,
                "commissioned": commissioned,
                "eligibility": eligibility,
                "how_to_refer": how,
                "phone": phone,
                "address": "" if hidden else "Cambridge",
                "hide_address": hidden,
            },
        )
        services.append(service)
    return services
