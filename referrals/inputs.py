"""What intake takes: a referral validated into plain values, whatever the way in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PersonInput:
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    preferred_language: str = "en"
    preferred_contact: str = "phone"
    is_business: bool = False
    business_contact_name: str = ""
    parent_guardian: dict | None = None


@dataclass(frozen=True)
class CrimeInput:
    reference: str
    offence_code: str
    reported_on: dt.date
    offence_description: str = ""
    occurred_on: dt.date | None = None
    area: str = ""
    officer_name: str = ""
    officer_email: str = ""


@dataclass(frozen=True)
class IvnaInput:
    needs_support: bool
    enhanced_entitlement: tuple[str, ...] = ()
    domestic_abuse: bool = False
    dash_risk: str = ""
    hate_crime: bool = False
    repeat_victim: bool = False
    notes: str = ""


@dataclass(frozen=True)
class SafeContactInput:
    """Safe-contact instructions. ``None`` means "not given": unsafe for domestic abuse."""

    voicemail: bool | None = None
    post: bool | None = None
    email: bool | None = None
    sms: bool | None = None
    lives_with_suspect: bool = False
    safe_times: tuple[dict, ...] = ()
    interpreter: str = ""
    communication_needs: str = ""

    def as_case_fields(self, *, domestic_abuse: bool) -> dict:
        # An omitted instruction is safe by default, except for a domestic-abuse referral:
        # the contract makes post and voicemail unsafe, and the Hub treats email and text
        # the same way, since an abuser may read them. A VCC confirms safe routes on the call.
        default = not domestic_abuse
        unsafe_home = self.lives_with_suspect
        return {
            "voicemail_ok": (default if self.voicemail is None else self.voicemail)
            and not unsafe_home,
            "post_ok": (default if self.post is None else self.post) and not unsafe_home,
            "email_ok": default if self.email is None else self.email,
            "sms_ok": default if self.sms is None else self.sms,
            "lives_with_suspect": self.lives_with_suspect,
            "safe_times": list(self.safe_times),
            "interpreter": self.interpreter,
            "communication_needs": self.communication_needs,
        }


@dataclass(frozen=True)
class ReferralInput:
    source: str
    consent_basis: str
    person: PersonInput
    ivna: IvnaInput
    crime: CrimeInput | None = None
    safe_contact: SafeContactInput = field(default_factory=SafeContactInput)
    consent_recorded_on: dt.date | None = None
    source_reference: str = ""
    referrer: str = ""
