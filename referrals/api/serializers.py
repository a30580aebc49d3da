"""The referral API's request and response shapes (API.md is the contract).

Input serializers check shape and field rules and build the intake service's input;
they never save. Business rules (consent, idempotency) live in ``referrals.api.intake``.
"""

from __future__ import annotations

import threading

from rest_framework import serializers

from assessments.models import DashRisk, EnhancedGroup
from referrals.api.fast_validation import compile_serializer, register_text
from referrals.api.fields import (
    DAYS,
    LANGUAGE,
    PHONE,
    TIME,
    UK_POSTCODE,
    DateField,
    PastDateField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictSerializer,
)
from referrals.inputs import (
    CrimeInput,
    IvnaInput,
    PersonInput,
    ReferralInput,
    SafeContactInput,
)
from referrals.models import ContactPreference


def text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(max_length=max_length, trim_whitespace=True, **kwargs)


def optional_text(max_length: int) -> StrictCharField:
    return text(max_length, required=False, allow_blank=True)


class RegexText(StrictCharField):
    def __init__(self, pattern, message, **kwargs):
        self.pattern, self.message = pattern, message
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not self.pattern.fullmatch(value):
            raise serializers.ValidationError(self.message)
        return value


def phone_field():
    return RegexText(
        PHONE, "Must be a telephone number.", required=False, allow_blank=True, max_length=40
    )


class EmailText(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be a string.")
        return super().to_internal_value(data)


register_text(RegexText, EmailText)


class AddressSerializer(StrictSerializer):
    line1 = text(200)
    line2 = optional_text(200)
    town = text(100)
    postcode = RegexText(UK_POSTCODE, "Must be a UK postcode.", max_length=10)


class OfficerSerializer(StrictSerializer):
    name = text(120)
    email = EmailText(required=False, allow_blank=True, max_length=254)


class CrimeSerializer(StrictSerializer):
    reference = text(40)
    offence_code = text(16)
    offence_description = optional_text(200)
    occurred_on = PastDateField(required=False, allow_null=True)
    reported_on = PastDateField()
    area = optional_text(100)
    officer_in_case = OfficerSerializer(required=False)

    def validate(self, attrs):
        occurred, reported = attrs.get("occurred_on"), attrs["reported_on"]
        if occurred and occurred > reported:
            raise serializers.ValidationError({"occurred_on": ["Must not be after reported_on."]})
        return attrs


class SafeTimeSerializer(StrictSerializer):
    days = RegexText(DAYS, 'Must be a day or a range such as "mon-fri".', max_length=7)
    from_ = RegexText(TIME, "Must be a time written HH:MM.", max_length=5)
    to = RegexText(TIME, "Must be a time written HH:MM.", max_length=5)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        if attrs["from"] >= attrs["to"]:
            raise serializers.ValidationError({"to": ["Must be after from."]})
        return attrs


class SafeContactSerializer(StrictSerializer):
    voicemail = StrictBooleanField(required=False)
    post = StrictBooleanField(required=False)
    email = StrictBooleanField(required=False)
    sms = StrictBooleanField(required=False)
    lives_with_suspect = StrictBooleanField(required=False)
    safe_times = SafeTimeSerializer(many=True, required=False)
    interpreter = optional_text(40)
    communication_needs = optional_text(2000)


class ParentGuardianSerializer(StrictSerializer):
    name = text(200)
    relationship = text(60)
    phone = phone_field()
    email = EmailText(required=False, allow_blank=True, max_length=254)
    address = AddressSerializer(required=False)

    def validate(self, attrs):
        if not (attrs.get("phone") or attrs.get("email") or attrs.get("address")):
            raise serializers.ValidationError(
                "Give at least one of phone, email or address for the parent or guardian."
            )
        return attrs


class VictimSerializer(StrictSerializer):
    given_name = text(100)
    family_name = text(100)
    date_of_birth = PastDateField(required=False, allow_null=True)
    phone = phone_field()
    email = EmailText(required=False, allow_blank=True, max_length=254)
    address = AddressSerializer(required=False)
    preferred_language = RegexText(
        LANGUAGE, "Must be a language code such as en or ur.", required=False, max_length=12
    )
    preferred_contact = StrictChoiceField(choices=ContactPreference.choices, required=False)
    safe_contact = SafeContactSerializer(required=False)
    is_business = StrictBooleanField(required=False)
    business_contact_name = optional_text(200)
    parent_guardian = ParentGuardianSerializer(required=False)

    def validate(self, attrs):
        errors = {}
        if not (attrs.get("phone") or attrs.get("email") or attrs.get("address")):
            errors["non_field_errors"] = [
                "Give at least one contact route: phone, email or address."
            ]
        if attrs.get("is_business") and not attrs.get("business_contact_name"):
            errors["business_contact_name"] = ["Required when is_business is true."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class IvnaSerializer(StrictSerializer):
    needs_support = StrictBooleanField()
    enhanced_entitlement = serializers.ListField(
        child=StrictChoiceField(choices=EnhancedGroup.choices), required=False, max_length=5
    )
    domestic_abuse = StrictBooleanField(required=False)
    dash_risk = StrictChoiceField(choices=DashRisk.choices, required=False, allow_null=True)
    hate_crime = StrictBooleanField(required=False)
    repeat_victim = StrictBooleanField(required=False)
    notes = optional_text(4000)


class ConsentSerializer(StrictSerializer):
    basis = StrictChoiceField(choices=[("consent", "consent"), ("adt", "adt")])
    recorded_on = PastDateField(required=False, allow_null=True)


class ReferralRequestSerializer(StrictSerializer):
    """One referral: one victim of one crime."""

    source_reference = text(80)
    crime = CrimeSerializer()
    victim = VictimSerializer()
    ivna = IvnaSerializer()
    consent = ConsentSerializer()

    def validate(self, attrs):
        victim, crime = attrs["victim"], attrs["crime"]
        dob = victim.get("date_of_birth")
        if dob:
            reported = crime["reported_on"]
            if dob > reported:
                raise serializers.ValidationError(
                    {"victim": {"date_of_birth": ["Must not be after crime.reported_on."]}}
                )
            age = reported.year - dob.year - ((reported.month, reported.day) < (dob.month, dob.day))
            if age < 18 and not victim.get("parent_guardian") and not victim.get("is_business"):
                raise serializers.ValidationError(
                    {
                        "victim": {
                            "parent_guardian": ["Required for a victim under 18 on reported_on."]
                        }
                    }
                )
        return attrs

    def to_referral_input(self, *, source: str) -> ReferralInput:
        return referral_input_from(self.validated_data, source=source)


_validators = threading.local()


def validate_referrals(bodies):
    """Validate referral bodies, yielding ``(index, data, None)`` or ``(index, None, errors)``.

    A body the fast path accepts (``fast_validation``: the same data, without DRF's field
    machinery) is not validated again; any other is validated by the serializer, which
    gives the errors. DRF builds a serializer's (deeply nested) fields anew for each
    instance, which costs more than the validation itself; one instance per thread is
    kept and reused. Its fields hold no per-request state: ``run_validation`` only reads
    them.
    """
    serializer = getattr(_validators, "referral", None)
    if serializer is None:
        serializer = _validators.referral = ReferralRequestSerializer()
        _validators.fast = compile_serializer(serializer)
    fast = _validators.fast
    for index, body in enumerate(bodies):
        data = fast(body)
        if data is not None:
            yield index, data, None
            continue
        try:
            yield index, serializer.run_validation(body), None
        except serializers.ValidationError as exc:
            yield index, None, exc.detail


def referral_input_from(data: dict, *, source: str) -> ReferralInput:
    """The intake service's input from a validated referral body."""
    victim, crime, ivna, consent = data["victim"], data["crime"], data["ivna"], data["consent"]
    address = victim.get("address") or {}
    safe = victim.get("safe_contact") or {}
    officer = crime.get("officer_in_case") or {}
    guardian = victim.get("parent_guardian")
    return ReferralInput(
        source=source,
        consent_basis=consent["basis"],
        consent_recorded_on=consent.get("recorded_on"),
        source_reference=data["source_reference"],
        person=PersonInput(
            given_name=victim["given_name"],
            family_name=victim["family_name"],
            date_of_birth=victim.get("date_of_birth"),
            phone=victim.get("phone", ""),
            email=victim.get("email", ""),
            address_line1=address.get("line1", ""),
            address_line2=address.get("line2", ""),
            town=address.get("town", ""),
            postcode=address.get("postcode", "").upper(),
            preferred_language=victim.get("preferred_language") or "en",
            preferred_contact=victim.get("preferred_contact") or "phone",
            is_business=victim.get("is_business", False),
            business_contact_name=victim.get("business_contact_name", ""),
            parent_guardian=_jsonable(guardian) if guardian else None,
        ),
        crime=CrimeInput(
            reference=crime["reference"],
            offence_code=crime["offence_code"],
            offence_description=crime.get("offence_description", ""),
            occurred_on=crime.get("occurred_on"),
            reported_on=crime["reported_on"],
            area=crime.get("area", ""),
            officer_name=officer.get("name", ""),
            officer_email=officer.get("email", ""),
        ),
        ivna=IvnaInput(
            needs_support=ivna["needs_support"],
            enhanced_entitlement=tuple(dict.fromkeys(ivna.get("enhanced_entitlement", []))),
            domestic_abuse=ivna.get("domestic_abuse", False),
            dash_risk=ivna.get("dash_risk") or "",
            hate_crime=ivna.get("hate_crime", False),
            repeat_victim=ivna.get("repeat_victim", False),
            notes=ivna.get("notes", ""),
        ),
        safe_contact=SafeContactInput(
            voicemail=safe.get("voicemail"),
            post=safe.get("post"),
            email=safe.get("email"),
            sms=safe.get("sms"),
            lives_with_suspect=safe.get("lives_with_suspect", False),
            safe_times=tuple(dict(t) for t in safe.get("safe_times", [])),
            interpreter=safe.get("interpreter", ""),
            communication_needs=safe.get("communication_needs", ""),
        ),
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


BATCH_MAX_ITEMS = 500


class BatchRequestSerializer(StrictSerializer):
    """The ADT batch: its shape only; each item is validated on its own."""

    referrals = serializers.ListField(
        child=serializers.JSONField(), max_length=BATCH_MAX_ITEMS, allow_empty=False
    )


def batch_items(body) -> list:
    """The batch's items; a body not of the batch's shape raises the serializer's errors.

    The serializer's JSON field re-encodes each item to check that it is JSON, which a
    parsed body always is: a body of the right shape is taken as it is.
    """
    items = body.get("referrals") if type(body) is dict and len(body) == 1 else None
    if type(items) is list and 0 < len(items) <= BATCH_MAX_ITEMS and None not in items:
        return items
    shape = BatchRequestSerializer(data=body)
    shape.is_valid(raise_exception=True)
    return shape.validated_data["referrals"]


class ReferralResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        help_text="The Hub's id for this referral; use it to read the status back."
    )
    case_reference = serializers.CharField(help_text="The Hub's case reference, VH-YYYY-NNNNNN.")
    status = serializers.ChoiceField(choices=["received", "in_progress", "closed"])
    priority = serializers.IntegerField(min_value=1, max_value=4)
    first_contact_due = serializers.DateTimeField(
        help_text="When the Hub will first contact the victim by: the first phone call, or for "
        "priority 4 (no needs identified) the information letter or email."
    )


class ReferralStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    case_reference = serializers.CharField()
    status = serializers.ChoiceField(choices=["received", "in_progress", "closed"])
    updated_at = serializers.DateTimeField()


class CourtResultRequestSerializer(StrictSerializer):
    source_reference = text(80)
    crime_reference = text(40)
    hearing_date = DateField()
    court = text(200)
    result = text(2000)
    next_hearing_date = DateField(required=False, allow_null=True)

    def validate(self, attrs):
        nxt = attrs.get("next_hearing_date")
        if nxt and nxt < attrs["hearing_date"]:
            raise serializers.ValidationError(
                {"next_hearing_date": ["Must not be before hearing_date."]}
            )
        return attrs


class CourtResultResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    source_reference = serializers.CharField()
    crime_reference = serializers.CharField()
    victims_to_tell = serializers.IntegerField(
        help_text="How many of the crime's victims the Hub will tell."
    )
