"""Screenshots of the Hub's pages for the documentation.

``take(page, name)`` writes one from a browser test's page. Run as a module against the
running demo (``make demo``), it signs in as the demo VCC and takes the README's two:

    .venv/bin/python -m tests.e2e.screenshots [--base-url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path

from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def take(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Write the page (the whole of it, or what the window shows) as
    ``docs/screenshots/<name>.png``, replacing any older one."""
    if not name or Path(name).name != name or name.startswith("."):
        raise ValueError(f"A screenshot's name is a plain file name, not {name!r}.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


DEMO_PASSWORD = "victims-hub-demo"
DEMO_TOTP_KEY = "JBSWY3DPEHPK3PXP"  # the demo's published second factor (README)


def demo_code() -> str:
    """The demo key's current six-digit code, as an authenticator app would show it."""
    from django_otp.oath import totp

    return f"{totp(base64.b32decode(DEMO_TOTP_KEY), t0=0, step=30, digits=6):06d}"


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    parser = argparse.ArgumentParser(prog="python -m tests.e2e.screenshots")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    base = parser.parse_args(argv).base_url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page.goto(base + "/sign-in/")
        page.get_by_label("Username").fill("vcc")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code").fill(demo_code())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(base + "/")
        time.sleep(0.5)
        sys.stdout.write(f"{take(page, 'my-work', full_page=False)}\n")
        # The first case in the queue with a call to make: the page a VCC opens most.
        page.locator("#queue-mine a.govuk-link").first.click()
        page.wait_for_selector("h1")
        sys.stdout.write(f"{take(page, 'case-page')}\n")
        browser.close()
    return 0


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ.setdefault("SECRET_KEY", "screenshots-only")
    django.setup()
    sys.exit(main())
