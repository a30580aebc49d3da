"""The dashboard in the browser: Chart.js draws each chart from the page's data, and the
page passes axe-core with the charts and their tables in it."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from reporting import rollup
from tests.e2e.conftest import PASSWORD, axe_check, sign_in
from tests.factories import local, make_case, self_referral

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_dashboards_charts_are_drawn_from_its_figures(page, live_server, force, manager):
    # Given October's referrals (the last full month on 23 November): two from police,
    # one self-referral
    make_case(force, now=local(2026, 10, 5), family_name="One", crime_reference="35/1/26")
    make_case(force, now=local(2026, 10, 6), family_name="Two", crime_reference="35/2/26")
    self_referral(force, now=local(2026, 10, 7))
    rollup.refresh()  # as beat does every minute
    manager.set_password(PASSWORD)
    manager.save(update_fields=["password"])
    TOTPDevice.objects.create(user=manager, name="Authenticator app", confirmed=True)
    sign_in(page, manager)

    # When the manager opens the dashboard from the navigation
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    # Then Chart.js has drawn the referrals by source from the same figures as the table
    drawn = page.evaluate(
        "() => { const c = Chart.getChart('chart-source');"
        " return c ? [c.data.labels, c.data.datasets[0].data] : null; }"
    )
    assert drawn == [["Police (crime report)", "Self-referral"], [2, 1]]
    assert page.evaluate("() => Chart.getChart('chart-outcomes') !== undefined")
    axe_check(page)
