"""Staff roles. Each role is a Django group; its permissions are defined here, once.

A data migration (``hub.migrations``) creates the groups; a later migration that adds
permissions calls ``sync_role_groups`` again. Object-level visibility is each model's
``visible_to(user)``; these permissions say what a role may do at all.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VCC = "VCC", "Victim Care Co-ordinator"
    CASEWORKER = "Caseworker", "Caseworker"
    VOLUNTEER = "Volunteer", "Volunteer"
    MANAGER = "Manager", "Manager"
    ADMINISTRATOR = "Administrator", "Administrator"
    ANALYST = "Analyst", "Analyst"


# Roles that work on cases with people's details in front of them.
CASE_ROLES = frozenset({Role.VCC, Role.CASEWORKER, Role.MANAGER})
# Roles that use the services directory: the case roles refer victims on from it, and
# administrators keep it.
DIRECTORY_ROLES = CASE_ROLES | {Role.ADMINISTRATOR}

_CASE_WORK = [
    "casework.view_case",
    "casework.change_case",
    "casework.view_caseevent",
    "casework.add_caseevent",
    "referrals.view_person",
    "referrals.change_person",
    "referrals.view_referral",
    "referrals.add_referral",
    "referrals.view_crimereport",
    "assessments.view_ivna",
    "assessments.view_dvna",
    "assessments.add_dvna",
    "assessments.change_dvna",
    "assessments.view_outcomescores",
    "assessments.add_outcomescores",
    "assessments.change_outcomescores",
    "casework.view_service",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.VCC: _CASE_WORK,
    Role.CASEWORKER: _CASE_WORK,
    Role.MANAGER: [*_CASE_WORK, "casework.allocate_case", "casework.view_restricted_stub"],
    Role.VOLUNTEER: ["casework.view_case"],
    Role.ADMINISTRATOR: [
        "hub.view_user",
        "hub.add_user",
        "hub.change_user",
        "hub.view_force",
        "hub.change_force",
        "auth.view_group",
        "referrals.view_offencetype",
        "referrals.add_offencetype",
        "referrals.change_offencetype",
        "referrals.view_apiclient",
        "referrals.add_apiclient",
        "referrals.change_apiclient",
        "casework.view_service",
        "casework.add_service",
        "casework.change_service",
    ],
    Role.ANALYST: ["casework.view_aggregates"],
}


def sync_role_groups(apps) -> None:
    """Create each role's group and give it exactly the permissions listed above."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role.value)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            wanted.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
