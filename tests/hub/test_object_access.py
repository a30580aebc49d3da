"""Every case URL on real cases, as every principal: hub.access.OBJECT_MATRIX.

The principal belongs to the Cambridgeshire force; the scenario's case is one of its own,
one of another force's, or a restricted one of its own that does not name them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from casework.models import Case, CaseAccess
from hub.access import ANONYMOUS, API_CLIENT, OBJECT_MATRIX, PRINCIPALS, SIGN_IN
from tests.factories import ForceFactory, UserFactory, make_case
from tests.hub.test_access_matrix import client_for

pytestmark = pytest.mark.django_db


def build(scenario: str, force):
    """The scenario's case, with a teammate's waiting request to see it."""
    home = ForceFactory(code="NORF", name="Norfolk") if scenario == "other_force" else force
    case = make_case(home, now=timezone.now() - dt.timedelta(hours=1))
    if scenario in ("restricted", "other_force"):
        Case.objects.filter(pk=case.pk).update(restricted=True)
    teammate = UserFactory(force=home, role="VCC", username=f"requester-{scenario}")
    access = CaseAccess.objects.create(
        case=case, requested_by=teammate, reason="Covering", requested_at=timezone.now()
    )
    return case, access


PAIRS = [
    (name, scenario) for name, (_, _, scenarios) in OBJECT_MATRIX.items() for scenario in scenarios
]


def test_every_row_names_every_principal_in_every_scenario():
    for name, (_, _, scenarios) in OBJECT_MATRIX.items():
        for scenario, expect in scenarios.items():
            assert set(expect) == set(PRINCIPALS), (name, scenario)


@pytest.mark.parametrize(("name", "scenario"), PAIRS, ids=str)
def test_each_principal_reaches_each_case_as_the_matrix_says(name, scenario, force):
    # Given the scenario's case, built once: each principal's request runs in a
    # transaction rolled back after it, so what one principal changes (a note, a status)
    # is not there for the next
    method, template, scenarios = OBJECT_MATRIX[name]
    case, access = build(scenario, force)
    path = template.format(reference=case.reference, access=access.pk)
    wrong = []
    for principal in PRINCIPALS:
        client = client_for(principal, force)
        with transaction.atomic():
            response = client.post(path, {}) if method == "POST" else client.get(path)
            transaction.set_rollback(True)
        expected = scenarios[scenario][principal]
        if response.status_code != expected:
            wrong.append((principal, response.status_code, expected))
            continue
        if expected == SIGN_IN and principal in (ANONYMOUS, API_CLIENT):
            assert response["Location"].startswith("/sign-in/"), (principal, response["Location"])
        if name == "case-detail" and expected == 200:
            # the stub of a restricted case says nothing about the victim
            shown = "Amira" in response.text
            assert shown == (scenario == "own_force"), principal
    # Then every principal got the status its cell says (principal, got, expected)
    assert wrong == []
