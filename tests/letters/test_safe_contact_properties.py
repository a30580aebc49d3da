"""Property: whatever the safe-contact instructions, no unsafe letter, email or voicemail.

Every combination of instructions given or not, domestic abuse or not, living with the
suspect or not, and contact details present or not goes through the same code that intake
and the sender use (``SafeContactInput.as_case_fields``, ``choose_channel``, the check on
a recorded voicemail).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.contact import _check_outcome
from casework.models import Case, ContactOutcome
from hub.errors import TransitionRefused
from hub.models import Force
from letters.sending import choose_channel
from referrals.inputs import SafeContactInput
from referrals.models import Person
from tests.factories import local

maybe = st.sampled_from([None, True, False])


@st.composite
def situations(draw):
    safe = SafeContactInput(
        voicemail=draw(maybe),
        post=draw(maybe),
        email=draw(maybe),
        sms=draw(maybe),
        lives_with_suspect=draw(st.booleans()),
    )
    domestic_abuse = draw(st.booleans())
    person = Person(
        given_name="Amira",
        family_name="Khan",
        email=draw(st.sampled_from(["", "amira@example.org"])),
        address_line1=draw(st.sampled_from(["", "1 High Street"])),
        town="Peterborough",
        postcode=draw(st.sampled_from(["", "PE1 1AA"])),
    )
    case = Case(
        force=Force(code="T", name="Test", hub_name="Test Hub"),
        person=person,
        domestic_abuse=domestic_abuse,
        **safe.as_case_fields(domestic_abuse=domestic_abuse),
    )
    return safe, domestic_abuse, case


def said_no_or_unsure(answer: bool | None, domestic_abuse: bool) -> bool:
    """Not told it is safe: an explicit no, or no answer for a domestic-abuse victim."""
    return answer is False or (answer is None and domestic_abuse)


@settings(max_examples=300, deadline=None)
@given(situations())
def test_no_letter_or_email_ever_goes_where_it_is_not_safe(situation):
    safe, domestic_abuse, case = situation
    channel, why_not = choose_channel(case)
    if channel == "post":
        assert not safe.lives_with_suspect
        assert not said_no_or_unsure(safe.post, domestic_abuse)
        assert case.person.address_line1
        assert case.person.postcode
    elif channel == "email":
        assert not said_no_or_unsure(safe.email, domestic_abuse)
        assert case.person.email
    else:
        # nothing safe: a person is told why, rather than anything being sent
        assert why_not.startswith("No safe way to write")


@settings(max_examples=300, deadline=None)
@given(situations())
def test_no_voicemail_is_ever_recorded_where_it_is_not_safe(situation):
    safe, domestic_abuse, case = situation
    unsafe = safe.lives_with_suspect or said_no_or_unsure(safe.voicemail, domestic_abuse)
    now = local(2026, 11, 23, 10)
    if unsafe:
        with pytest.raises(TransitionRefused, match="no voicemail"):
            _check_outcome(case, ContactOutcome.VOICEMAIL_LEFT, call_back_at=None, now=now)
    else:
        _check_outcome(case, ContactOutcome.VOICEMAIL_LEFT, call_back_at=None, now=now)
