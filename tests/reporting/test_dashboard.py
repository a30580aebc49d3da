"""The dashboard, the cases behind a figure and the headlines: who may see them, what
they show, and how many queries each page takes."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localtime

from casework.models import Case
from reporting import rollup
from reporting.models import StaleDay
from tests.conftest import as_user
from tests.factories import ForceFactory, UserFactory, local, make_case
from tests.reporting.conftest import AFTER

pytestmark = pytest.mark.django_db

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(autouse=True)
def _after_november():
    with time_machine.travel(AFTER, tick=False):
        yield


@pytest.fixture
def analyst(force):
    return UserFactory(force=force, role="Analyst", username="analyst-dee")


def queries(client, path, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    return response, len(captured)


def test_a_manager_sees_every_figure_with_links_to_its_cases(november, manager):
    # given a manager signed in
    carol = as_user(manager)
    carol.get("/dashboard/", NOVEMBER)  # the session and the user's roles, once
    # when they open November's dashboard
    response, count = queries(carol, "/dashboard/", NOVEMBER)
    # then the figures are there beside October's, each linked to its cases
    assert response.status_code == 200
    text = response.text
    assert "1 November 2026 to 30 November 2026" in text
    assert "/dashboard/cases/?measure=referrals_received&amp;from=2026-11-01" in text
    assert "breakdown=source:self_referral" in text
    assert 'id="measure-referrals_received"' in text
    # the measure ids are documented on the page, and the charts have their tables
    assert text.count("<code>") >= 30
    assert 'id="chart-source"' in text
    assert "Referrals by source as a table" in text
    assert "chartjs/chart.umd.min.js" in text
    assert "nonce=" in text
    assert "Staffsurnameunique" in text  # a manager sees whose caseload is at the cap
    assert count == 23


def test_the_default_period_is_the_last_full_month(november, manager):
    response = as_user(manager).get("/dashboard/")
    assert "1 November 2026 to 30 November 2026" in response.text
    assert "compared with 1 October 2026 to 31 October 2026" in response.text


def test_a_bad_period_is_explained(manager):
    response = as_user(manager).get("/dashboard/", {"from": "2026-11-30", "to": "2026-11-01"})
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.text


def test_an_analyst_sees_the_figures_but_no_cases_or_names(november, analyst):
    dee = as_user(analyst)
    response = dee.get("/dashboard/", NOVEMBER)
    assert response.status_code == 200
    assert "/dashboard/cases/" not in response.text
    assert "Staffsurnameunique" not in response.text
    assert november.cases["A"].reference not in response.text
    assert (
        dee.get("/dashboard/cases/", {"measure": "referrals_received", **NOVEMBER}).status_code
        == 404
    )
    assert dee.get("/dashboard/headlines/", NOVEMBER).status_code == 200


@pytest.mark.parametrize("role", ["VCC", "Caseworker", "Volunteer", "Administrator"])
def test_other_roles_get_404(force, role):
    user = UserFactory(force=force, role=role, username=f"other-{role.lower()}")
    client = as_user(user)
    for path in ("/dashboard/", "/dashboard/headlines/", "/dashboard/report.csv"):
        assert client.get(path).status_code == 404


def test_another_forces_manager_sees_only_their_own_force(november):
    essex = ForceFactory(code="ESSEX", name="Essex Police")
    manager = UserFactory(force=essex, role="Manager", username="essex-manager")
    response = as_user(manager).get("/dashboard/", NOVEMBER)
    assert response.status_code == 200
    # Essex had one referral in November (conftest), none of Cambridgeshire's
    row = response.text.split('id="measure-referrals_received"')[1].split("</tr>")[0]
    assert ">1<" in row
    assert november.cases["A"].reference not in response.text


def test_the_cases_behind_a_figure_are_listed_25_a_page(november, manager):
    carol = as_user(manager)
    params = {"measure": "victims_supported", **NOVEMBER}
    carol.get("/dashboard/cases/", params)
    response, count = queries(carol, "/dashboard/cases/", params)
    assert response.status_code == 200
    assert november.cases["A"].reference in response.text
    assert november.cases["B"].reference in response.text
    assert november.cases["C"].reference not in response.text
    assert count == 9
    split = carol.get(
        "/dashboard/cases/",
        {"measure": "referrals_received", "breakdown": "source:self_referral", **NOVEMBER},
    )
    assert november.cases["F"].reference in split.text
    assert november.cases["A"].reference not in split.text


def test_a_restricted_case_is_not_listed_to_a_manager_not_named_on_it(november, manager):
    Case.objects.filter(pk=november.cases["B"].pk).update(restricted=True)
    response = as_user(manager).get(
        "/dashboard/cases/", {"measure": "victims_supported", **NOVEMBER}
    )
    assert november.cases["A"].reference in response.text
    assert november.cases["B"].reference not in response.text


def test_a_figure_not_about_cases_has_no_list(november, manager):
    response = as_user(manager).get(
        "/dashboard/cases/", {"measure": "volunteers_active", **NOVEMBER}
    )
    assert response.status_code == 400


def test_the_headlines_follow_the_commissioners_appendix(november, manager):
    carol = as_user(manager)
    carol.get("/dashboard/headlines/", NOVEMBER)
    response, count = queries(carol, "/dashboard/headlines/", NOVEMBER)
    text = " ".join(response.text.split())
    assert "2 victims contacted by letter or email and offered support" in text
    assert "2 victims contacted by phone and had needs assessed (of 3 reached by phone)" in text
    assert "Direct emotional and practical support provided to 2 people" in text
    assert "1 person passed to the Hub's volunteers for face-to-face support" in text
    assert "1 sought out help from the Hub through a self-referral" in text
    onward = text.split('id="onward"')[1]
    assert "Counselling for victims of crime</td>" in onward
    assert 'govuk-table__cell--numeric">2</td>' in onward
    assert count == 23


def test_a_change_not_yet_folded_is_said_to_wait_and_then_counted(november, manager):
    # given November's dashboard, up to date
    carol = as_user(manager)
    first = carol.get("/dashboard/", NOVEMBER)
    assert 'id="changes-since"' not in first.text
    received = _figure(first.text, "referrals_received")
    # when another November referral arrives
    make_case(november.force, now=local(2026, 11, 29, 9), family_name="Late")
    # then the page says changes since then (the database's clock) wait, and does not
    # count it yet
    since = localtime(StaleDay.objects.earliest("marked_at").marked_at)
    waiting = carol.get("/dashboard/", NOVEMBER)
    note = (
        f"Changes made since {since:%H:%M} on {since.day} {since:%B} are not in these figures yet"
    )
    assert note in waiting.text
    assert _figure(waiting.text, "referrals_received") == received
    # when beat folds the figures, then the page counts it and says nothing waits
    assert rollup.refresh() == 1
    counted = carol.get("/dashboard/", NOVEMBER)
    assert 'id="changes-since"' not in counted.text
    assert _figure(counted.text, "referrals_received") == received + 1


def _figure(text: str, measure: str) -> int:
    """The figure for the period in the measure's row of the dashboard."""
    row = text.split(f'id="measure-{measure}"', 1)[1].split("</tr>", 1)[0]
    cell = row.split('govuk-table__cell--numeric">', 1)[1].split("</td>", 1)[0]
    return int(re.match(r"\d+", re.sub(r"<[^>]+>", "", cell).strip()).group())
