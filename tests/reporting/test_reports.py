"""The commissioner's report: tidy CSV and a PDF, with no personal data in either, from
the dashboard and the command; the monthly beat job makes each report once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess

import pytest
import time_machine
from django.core.management import call_command

from reporting.models import ReportRun
from reporting.reports import first_working_day_of_month
from reporting.tasks import commissioner_report_task
from tests.conftest import as_user
from tests.factories import local
from tests.reporting.conftest import AFTER, SECRETS

pytestmark = pytest.mark.django_db

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


def assert_no_personal_data(text: str) -> None:
    for field, value in SECRETS.items():
        assert value not in text, field
    assert "19/07/1971" not in text
    assert "19 July 1971" not in text


def test_the_csv_is_tidy_one_row_a_figure(november, manager):
    # given November's work; when a manager downloads the CSV from the dashboard
    with time_machine.travel(AFTER, tick=False):
        response = as_user(manager).get("/dashboard/report.csv", NOVEMBER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "commissioner-report-2026-11-01-to-2026-11-30.csv" in response["Content-Disposition"]
    table = rows(response.content)
    # then it is measure, breakdown, value; a measure's total is "all"
    assert table[0] == ["measure", "breakdown", "value"]
    found = {(m, b): v for m, b, v in table[1:]}
    assert len(found) == len(table) - 1  # one row per figure
    assert found[("referrals_received", "all")] == "7"
    assert found[("referrals_received", "source:self_referral")] == "1"
    assert found[("referrals_received", "area:Fenland")] == "1"
    assert found[("letters_cost_pence", "all")] == "95"
    assert found[("onward_referrals", "service:Counselling for victims of crime")] == "2"
    assert found[("volunteer_cases_active", "language:Polish")] == "1"
    assert found[("outcome_change_safety", "worse")] == "1"
    assert found[("outcome_change_health", "mean_change")] == "2.0"
    assert found[("caseworkers_at_cap", "all")] == "1"
    # and no name, address, date of birth or free text, not even a member of staff's
    assert_no_personal_data(response.content.decode())


def test_the_pdf_holds_the_figures_and_no_personal_data(november, tmp_path):
    # when the command writes November's PDF
    out = tmp_path / "november.pdf"
    with time_machine.travel(AFTER, tick=False):
        call_command(
            "commissioner_report",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "pdf",
            "--output",
            str(out),
            "--force",
            "CAMBS",
        )
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    # then it reads as the report, with the figures, and nothing personal
    assert "Report to the Police and Crime Commissioner" in text
    assert "Referrals received" in text
    assert "Counselling for victims of crime" in text
    assert_no_personal_data(text)


def test_the_command_writes_csv_to_standard_output(november, capsys):
    with time_machine.travel(AFTER, tick=False):
        call_command(
            "commissioner_report", "--from", "2026-11-01", "--to", "2026-11-30", "--force", "CAMBS"
        )
    table = rows(capsys.readouterr().out.encode())
    assert ["self_referrals", "all", "1"] in table
    assert_no_personal_data("\n".join(",".join(r) for r in table))


def test_the_command_needs_the_force_named_when_there_are_several(november):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--force"):
        call_command("commissioner_report", "--from", "2026-11-01", "--to", "2026-11-30")
    with pytest.raises(CommandError, match="on or after"):
        call_command("commissioner_report", "--from", "2026-11-30", "--to", "2026-11-01")


def test_the_monthly_job_makes_each_report_once(november):
    # given the first working day of December, at beat's hour
    with time_machine.travel(local(2026, 12, 1, 7), tick=False):
        # when the job runs twice
        first = commissioner_report_task()
        second = commissioner_report_task()
    # then the first made November's PDF and CSV for each force, the second nothing
    assert first == 4  # Cambridgeshire and Essex, PDF and CSV
    assert second == 0
    runs = ReportRun.objects.filter(force=november.force)
    assert sorted(runs.values_list("format", flat=True)) == ["csv", "pdf"]
    run = runs.get(format="csv")
    assert (run.period_from, run.period_to) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert ["referrals_received", "all", "7"] in rows(run.file.read())
    # and on another day it does nothing
    with time_machine.travel(local(2026, 12, 2, 7), tick=False):
        assert commissioner_report_task() == 0
    assert ReportRun.objects.count() == 4


def test_the_stored_reports_are_listed_and_downloaded_by_their_force(november, manager):
    with time_machine.travel(local(2026, 12, 1, 7), tick=False):
        commissioner_report_task()
    carol = as_user(manager)
    page = carol.get("/dashboard/", NOVEMBER)
    run = ReportRun.objects.get(force=november.force, format="csv")
    assert f"/dashboard/reports/{run.pk}/" in page.text
    download = carol.get(f"/dashboard/reports/{run.pk}/")
    assert download.status_code == 200
    assert b"referrals_received,all,7" in b"".join(download.streaming_content)
    essex = ReportRun.objects.exclude(force=november.force).first()
    assert carol.get(f"/dashboard/reports/{essex.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (dt.date(2026, 12, 1), True),  # a Tuesday
        (dt.date(2026, 12, 2), False),
        (dt.date(2026, 8, 1), False),  # a Saturday: Monday the 3rd is the first
        (dt.date(2026, 8, 3), True),
        (dt.date(2027, 1, 1), False),  # New Year's Day
        (dt.date(2027, 1, 4), True),
        (dt.date(2027, 5, 3), False),  # the early May bank holiday
        (dt.date(2027, 5, 4), True),
    ],
)
def test_the_first_working_day_of_a_month(day, first):
    assert first_working_day_of_month(day) is first
