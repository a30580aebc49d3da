"""A fast path through the referral serializers, for the bodies they accept.

DRF's field machinery (``run_validation``, empty-value checks, validator loops and error
plumbing, for each of a referral's 50-odd fields) cost about 0.6 ms a referral: more
than the rest of a batch item's Python. Nearly every body police systems send is valid,
so this path only ever says "valid, and here is exactly what the serializer would have
returned", or "not sure". Anything it does not accept (an invalid, missing, null or
unknown field, a cross-field rule broken, a field of a kind it does not know) goes to the
serializer itself, so every error, its JSON pointer and its words come from DRF as before.

It is built from the serializers' own fields (names, order, required, null and blank,
lengths, patterns, choices, their ``validate()`` methods), so the serializers stay the one
definition of a referral and of the OpenAPI document: a field of a class not known here
is checked by its own ``run_validation``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_date
from rest_framework import serializers
from rest_framework import validators as drf_validators
from rest_framework.fields import SkipField, empty

from hub.calendar import LONDON
from referrals.api import fields as strict


class NotSure(Exception):
    """The fast path does not accept this value: the serializer is to decide."""


# An optional field that was not sent: left out of the validated data, as DRF's SkipField.
SKIP = object()
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Check = Callable[[object], object]


def compile_serializer(serializer: serializers.Serializer) -> Callable[[object], dict | None]:
    """``check(body)``: the serializer's validated data for a body it accepts, else None."""
    run = _compile(serializer)

    def check(body):
        try:
            return run(body)
        except NotSure:
            return None

    return check


def _compile(field) -> Check:
    kind = type(field)
    renamed = field.parent is not None and field.source_attrs != [field.field_name]
    if field.read_only or field.default is not empty or renamed:
        return _drf(field)
    if isinstance(field, serializers.ListSerializer):
        return _list_of_objects(field) if kind is serializers.ListSerializer else _drf(field)
    if isinstance(field, strict.StrictSerializer):
        return _object(field)
    builder = _LEAVES.get(kind)
    return builder(field) if builder else _drf(field)


def _drf(field) -> Check:
    """A field of a kind this module does not know, checked by DRF itself."""

    def run(value):
        try:
            return field.run_validation(value)
        except SkipField:
            return SKIP
        except (serializers.ValidationError, DjangoValidationError):
            raise NotSure from None

    return run


def _absent(field):
    """What an absent value gives: SKIP for an optional field; a required one is not sure."""
    if field.required:
        raise NotSure
    return SKIP


def _object(serializer: strict.StrictSerializer) -> Check:
    own_methods = [f"validate_{name}" for name in serializer.fields]
    if serializer.validators or any(hasattr(serializer, m) for m in own_methods):
        return _drf(serializer)
    fields = [(name, _compile(f)) for name, f in serializer.fields.items()]
    names = frozenset(serializer.fields)
    # A serializer's validate() reads only the attrs it is given: called as DRF calls it.
    validate = (
        serializer.validate
        if type(serializer).validate is not serializers.Serializer.validate
        else None
    )

    def run(data):
        if data is empty:
            return _absent(serializer)
        if type(data) is not dict or not names.issuperset(data):
            raise NotSure
        attrs = {}
        for name, check in fields:
            value = check(data.get(name, empty))
            if value is not SKIP:
                attrs[name] = value
        if validate is not None:
            try:
                attrs = validate(attrs)
            except (serializers.ValidationError, DjangoValidationError):
                raise NotSure from None
        return attrs

    return run


def _list_of_objects(field: serializers.ListSerializer) -> Check:
    if field.validators or type(field).validate is not serializers.ListSerializer.validate:
        return _drf(field)
    child = _compile(field.child)

    def run(data):
        if data is empty:
            return _absent(field)
        if type(data) is not list or (not field.allow_empty and not data):
            raise NotSure
        if field.max_length is not None and len(data) > field.max_length:
            raise NotSure
        if field.min_length is not None and len(data) < field.min_length:
            raise NotSure
        return [child(item) for item in data]

    return run


def _text_checks(field) -> tuple[int | None, list]:
    """The longest a text may be, and the validators that are not about its length or its
    characters (which the fast path checks inline)."""
    longest, others = None, []
    for validator in field.validators:
        if type(validator) is django_validators.MaxLengthValidator:
            limit = validator.limit_value
            longest = limit if longest is None else min(longest, limit)
        elif type(validator) in (
            django_validators.ProhibitNullCharactersValidator,
            drf_validators.ProhibitSurrogateCharactersValidator,
        ):
            continue  # checked inline for every text
        else:
            others.append(validator)
    return longest, others


def _text(field) -> Check:
    longest, others = _text_checks(field)
    pattern = getattr(field, "pattern", None)
    allow_blank, trim = field.allow_blank, field.trim_whitespace

    def run(value):
        if value is empty:
            return _absent(field)
        if type(value) is not str:
            raise NotSure
        text = value.strip() if trim else value
        if value == "" or (trim and text == ""):
            if allow_blank:
                return ""
            raise NotSure
        if longest is not None and len(text) > longest:
            raise NotSure
        if "\x00" in text or not (text.isascii() or _no_surrogates(text)):
            raise NotSure
        if pattern is not None and not pattern.fullmatch(text):
            raise NotSure
        for validator in others:
            try:
                validator(text)
            except (serializers.ValidationError, DjangoValidationError):
                raise NotSure from None
        return text

    return run


def _no_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _past_date(field) -> Check:
    def run(value):
        if value is empty:
            return _absent(field)
        if value is None:
            if field.allow_null:
                return None
            raise NotSure
        if type(value) is not str or not _DATE.fullmatch(value):
            raise NotSure
        try:
            day = parse_date(value)
        except (ValueError, TypeError):
            raise NotSure from None
        # As PastDateField: today in London, when the field is checked.
        if day is None or day > dt.datetime.now(tz=LONDON).date():
            raise NotSure
        return day

    return run


def _boolean(field) -> Check:
    def run(value):
        if value is empty:
            return _absent(field)
        if type(value) is bool:
            return value
        if value is None and field.allow_null:
            return None
        raise NotSure

    return run


def _choice(field) -> Check:
    choices = field.choice_strings_to_values

    def run(value):
        if value is empty:
            return _absent(field)
        if value is None:
            if field.allow_null:
                return None
            raise NotSure
        if type(value) is not str or value not in choices:
            raise NotSure
        return choices[value]

    return run


def _list(field: serializers.ListField) -> Check:
    child = _compile(field.child)
    lengths = []
    for validator in field.validators:
        if type(validator) is django_validators.MaxLengthValidator:
            lengths.append((None, validator.limit_value))
        elif type(validator) is django_validators.MinLengthValidator:
            lengths.append((validator.limit_value, None))
        else:
            return _drf(field)

    def run(value):
        if value is empty:
            return _absent(field)
        if type(value) is not list or (not field.allow_empty and not value):
            raise NotSure
        for least, most in lengths:
            if (least is not None and len(value) < least) or (
                most is not None and len(value) > most
            ):
                raise NotSure
        return [child(item) for item in value]

    return run


# Each leaf class by its exact type: a subclass may change what it accepts, so it is
# checked by DRF until it is added here.
_LEAVES: dict[type, Callable[[object], Check]] = {
    strict.StrictCharField: _text,
    strict.StrictBooleanField: _boolean,
    strict.StrictChoiceField: _choice,
    strict.PastDateField: _past_date,
    serializers.ListField: _list,
}


def register_text(*classes: type) -> None:
    """Text fields of ``classes`` accept what StrictCharField does, and also their own
    ``pattern`` (when set) and validators."""
    for cls in classes:
        _LEAVES[cls] = _text
