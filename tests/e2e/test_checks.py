"""The browser tests' own checks catch what they are there to catch: a checker that has
silently stopped working would pass every page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check, tab_to

UNLABELLED = """<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body>
<main><h1>Broken</h1><img src="data:," width="10" height="10">
<input type="text" id="nameless"></main></body></html>"""

TRAP = """<!DOCTYPE html><html lang="en"><head><title>Trap</title></head><body><main>
<input id="caught" aria-label="Caught"><button id="beyond">Beyond</button>
<script>document.getElementById('caught').addEventListener('keydown', e => {
  if (e.key === 'Tab') e.preventDefault(); });</script></main></body></html>"""


@pytest.fixture
def blank(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_axe_check_fails_naming_each_serious_violation_and_its_elements(blank):
    blank.set_content(UNLABELLED)
    with pytest.raises(AssertionError) as failure:
        axe_check(blank)
    assert "image-alt (critical)" in str(failure.value)
    assert "label (critical)" in str(failure.value)
    assert "#nameless" in str(failure.value)


def test_tab_to_fails_on_a_keyboard_trap(blank):
    blank.set_content(TRAP)
    blank.locator("#caught").focus()
    with pytest.raises(pytest.fail.Exception, match="never reached #beyond"):
        tab_to(blank, "#beyond", most=5)
