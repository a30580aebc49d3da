"""Strict JSON fields: a contract takes JSON types as they are, never coerced."""

from __future__ import annotations

import datetime as dt
import re

from rest_framework import serializers

from hub.calendar import LONDON

UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$", re.IGNORECASE)
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$")


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")
        return None


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PastDateField(serializers.DateField):
    """An ISO 8601 date (YYYY-MM-DD) that is a real date and not in the future."""

    default_error_messages = {
        "invalid": "Must be a real date written YYYY-MM-DD.",
        "future": "Must not be in the future.",
    }

    def __init__(self, **kwargs):
        super().__init__(input_formats=["iso-8601"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.fail("invalid")
        day = super().to_internal_value(value)
        today = dt.datetime.now(tz=LONDON).date()
        if day > today:
            self.fail("future")
        return day


class DateField(serializers.DateField):
    """An ISO 8601 date (YYYY-MM-DD), which may be in the future (a hearing)."""

    default_error_messages = {"invalid": "Must be a real date written YYYY-MM-DD."}

    def __init__(self, **kwargs):
        super().__init__(input_formats=["iso-8601"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.fail("invalid")
        return super().to_internal_value(value)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """Unknown fields are errors too: a misspelt field must not be silently dropped."""

    default_error_messages = {"invalid": "Must be a JSON object."}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Must be a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        errors = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = (
                dict(exc.detail)
                if isinstance(exc.detail, dict)
                else {"non_field_errors": exc.detail}
            )
            value = None
        for name in unknown:
            errors[name] = ["Unknown field."]
        if errors:
            raise serializers.ValidationError(errors)
        return value
