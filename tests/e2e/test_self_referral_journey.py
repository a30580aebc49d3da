"""A self-referral entered by a VCC in the browser, which police systems never see.

axe-core checks every page on the way: the empty form, the form with its errors, and the
new case's page.
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from referrals.models import Referral, ReferralSource
from tests.e2e.conftest import axe_check, sign_in
from tests.factories import api_client_with_token, make_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_self_referral_entered_in_the_browser_never_appears_through_the_api(
    page, live_server, force, staff
):
    # Given the force's crime-recording system, with a police referral of its own
    client, token = api_client_with_token(force)
    police = make_case(force).referral
    Referral.objects.filter(pk=police.pk).update(api_client=client)
    sign_in(page, staff)

    # When the VCC opens "New referral" and sends the form empty first
    page.get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("referral")
    axe_check(page)
    page.get_by_role("button", name="Record the referral").click()

    # Then the errors are summarised and linked to their fields, and nothing is written
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter the victim's first name")
    axe_check(page)
    assert Referral.objects.count() == 1

    # When the VCC fills it in as a self-referral and sends it
    page.get_by_label("Self-referral").check()
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Lee")
    page.locator("#id_phone").fill("07700 900123")
    page.get_by_role("group", name="Does the victim appear to need support?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Record the referral").click()

    # Then the new case's page opens, marked confidential from police
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Lee")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Confidential from police")
    axe_check(page)
    referral = Referral.objects.get(source=ReferralSource.SELF_REFERRAL)
    assert referral.confidential_from_police
    assert referral.crime is None

    # And the police system's token reads its own referral but never the self-referral
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get(f"/api/v1/referrals/{police.public_id}/", secure=True).status_code == 200
    assert api.get(f"/api/v1/referrals/{referral.public_id}/", secure=True).status_code == 404
    assert list(Referral.objects.visible_to(client)) == [police]
