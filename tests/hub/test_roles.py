"""Staff roles are groups created by migration, with the permissions hub.roles defines."""

import pytest
from django.contrib.auth.models import Group

from hub.roles import ROLE_PERMISSIONS, Role


@pytest.mark.django_db
def test_every_role_exists_as_a_group_with_exactly_its_permissions():
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        granted = {
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        }
        assert granted == set(codes), role


@pytest.mark.django_db
def test_the_six_roles_and_no_others():
    assert set(Group.objects.values_list("name", flat=True)) == {r.value for r in Role}


def test_analysts_and_administrators_get_no_case_content():
    for role in (Role.ANALYST, Role.ADMINISTRATOR):
        codes = ROLE_PERMISSIONS[role]
        assert not any(c.startswith(("casework.view_case", "referrals.view_person")) for c in codes)


def test_has_role_takes_the_role_or_its_name(vcc):
    assert vcc.has_role(Role.VCC)
    assert vcc.has_role("VCC")
    assert not vcc.has_role(Role.MANAGER)
