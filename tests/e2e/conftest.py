"""Browser tests: the Hub served live, driven in Debian's headless Chromium by Playwright and
checked for accessibility with axe-core (from npm, never a CDN).

Chromium comes from Debian (``make system-deps``); ``playwright install`` is never run, as
it downloads a browser build of its own. A missing Chromium or axe-core fails the tests
with the reason: nothing here skips.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.factories import local

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium reaches for the network, which is closed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Monday 23 November 2026, 10:30 in London: the Hub is open, so calls may be recorded.
NOW = local(2026, 11, 23, 10, 30)
PASSWORD = "a long enough password for the browser"

# The live server speaks plain http on 127.0.0.1, like the demo: no redirect to https and
# no secure-only (``__Host-``) cookies, which a browser refuses over http. Static files
# come from their sources, as in the rest of the suite.
PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "sessionid",
    "CSRF_COOKIE_NAME": "csrftoken",
    "WHITENOISE_USE_FINDERS": True,
}


@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright():
    # Playwright's sync API keeps an asyncio loop marked as running in this thread, so
    # Django would refuse every query the test (and the database flush after it) makes
    # here. The live server answers the browser from its own thread, unaffected. Scoped
    # to this package, like the browser, so that no other test runs this way.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="package")
def live_server():
    """pytest-django's live server, started with the plain-http settings in force: its
    middleware reads some of them (the https redirect, static files) once, at start."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(**PLAIN_HTTP, STORAGES=storages):
        server = LiveServer("127.0.0.1")
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="package")
def browser(_orm_beside_playwright):
    """One headless Chromium for all the browser tests (pytest-django runs them one after
    another). Scoped to this package rather than the session: while Playwright runs, the
    ORM in this thread works only as ``_orm_beside_playwright`` arranges."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `make system-deps` (or "
            "`apt-get install chromium`). Never `playwright install`.",
            pytrace=False,
        )
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make frontend`.", pytrace=False)
    before = {conn.alias: conn for conn in connections.all()}
    with sync_playwright() as playwright:
        _hand_over_snapshots(before)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # The connections this thread opened while the loop was marked running: closed
        # here, before they become unreachable (the test database is dropped at the end).
        connections.close_all()


def _hand_over_snapshots(before) -> None:
    # While Playwright's loop is marked running, Django hands this thread other connection
    # objects (asgiref keeps them per async context). The snapshot of the migrated data
    # that serialized_rollback restores is kept on the original ones: share it.
    for alias, original in before.items():
        snapshot = getattr(original, "_test_serialized_contents", None)
        if snapshot is not None and connections[alias] is not original:
            connections[alias]._test_serialized_contents = snapshot


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own cookies) on the live server, in a British browser; nothing waits
    more than 10 s."""
    # The Hub's CSP allows only its own scripts with a nonce; axe-core is injected by the
    # test as an inline script, so the test's context lets it through.
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(10_000)
    # axe-core is in every page from its start: injecting it when a page is checked sent
    # and compiled its half a megabyte again each time, which took longer than the check.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _hub_open():
    # The clock runs on from a working morning, in the test and in the live server's thread
    # alike (time-machine patches the process), so calls count whenever the suite runs.
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def staff(vcc):
    """The VCC with a password and a confirmed authenticator app."""
    vcc.set_password(PASSWORD)
    vcc.save(update_fields=["password"])
    TOTPDevice.objects.create(user=vcc, name="Authenticator app", confirmed=True)
    return vcc


def current_code(user) -> str:
    """The code the user's authenticator app shows now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def sign_in(page: Page, user, *, keyboard: bool = False, next_url: str = "/") -> None:
    """Sign in through the real pages: username and password, then the authenticator's code.
    With ``keyboard``, only keys are used; each page is checked with axe on the way."""
    page.goto(f"/sign-in/?next={next_url}")
    axe_check(page)
    if keyboard:
        skip_to_main(page)
        tab_to(page, "#id_username")
        page.keyboard.type(user.username)
        page.keyboard.press("Tab")
        expect(page.locator("#id_password")).to_be_focused()
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
    else:
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(_url_re("/sign-in/verify/"))
    axe_check(page)
    code = page.locator("#id_code")
    if keyboard:
        expect(code).to_be_focused()  # autofocus: the one thing to do on the page
        page.keyboard.type(current_code(user))
        page.keyboard.press("Enter")
    else:
        code.fill(current_code(user))
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(_url_re(next_url, exact=True))


def _url_re(path: str, *, exact: bool = False) -> re.Pattern:
    return re.compile(r"^http://127\.0\.0\.1:\d+" + re.escape(path) + ("$" if exact else ""))


def axe_check(page: Page) -> None:
    """Run axe-core on the page against WCAG 2.0, 2.1 and 2.2 A and AA; fail on any serious
    or critical violation, naming the rule and the elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        AXE_TAGS,
    )
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}" for node in v["nodes"])
        for v in blocking
    )
    assert not blocking, f"axe found accessibility violations on {page.url}:\n{report}"


def focused(page: Page) -> dict:
    """What has the keyboard focus: its tag, id, name and visible text or value."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'),
                    text: (e.innerText || e.value || '').trim()};
        }"""
    )


def skip_to_main(page: Page) -> None:
    """The first Tab reaches GOV.UK's skip link; Enter on it moves focus to the main content."""
    skip = page.locator("a.govuk-skip-link")
    # Once the page is ready for keys: GOV.UK's script has taken the link over. (After a
    # form's redirect the new address is there before the page has finished loading.)
    expect(skip).to_have_attribute("data-govuk-skip-link-init", "")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def tab_to(page: Page, selector: str, *, most: int = 80, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``selector`` has the focus; fail if it is
    not reached within ``most`` presses (out of reach, or a keyboard trap)."""
    target = page.locator(selector)
    expect(target).to_have_count(1)
    key = "Shift+Tab" if back else "Tab"
    seen = []
    for _ in range(most):
        page.keyboard.press(key)
        if target.evaluate("e => e === document.activeElement"):
            return
        seen.append(focused(page))
    trail = "\n".join(f"  {f}" for f in seen[-10:])
    pytest.fail(f"{key} never reached {selector} in {most} presses; last focused:\n{trail}")
