"""Finding a case: by the victim's name, the case or crime reference, postcode, phone or email.

What was typed is read once into ``Terms``: which kinds of thing it could be, each in the
form the database compares. Identifiers match exactly once case, spaces and punctuation
are set aside; names match word by word by trigram similarity (pg_trgm), in any order and
despite a typo. The key expressions below are the ones indexed by
``referrals/migrations/0003_search_indexes.py``: change one, change the other.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import models
from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Greatest, Lower, Upper

from casework.models import Case, CaseState
from referrals.models import CrimeReport, Person

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_NAME_WORDS = 4
RESULT_LIMIT = 25  # a page to read; a longer list means the search needs narrowing
MIN_PHONE_DIGITS = 6
MAX_PEOPLE = 2_000  # people matched by a search that are passed to the database by id

_CASE_REFERENCE = re.compile(r"VH(\d{4})(\d{1,6})")
_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}")
_PHONE = re.compile(r"[\d\s+()\-.]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]")
_INTERNATIONAL_UK = re.compile(r"^(00)?44(0)?")


def _regexp_replace(expression, pattern: str, replacement: str, flags: str | None = None):
    """PostgreSQL's ``regexp_replace``, which is immutable and so may be indexed."""
    args = [expression, Value(pattern), Value(replacement)]
    if flags:
        args.append(Value(flags))
    return Func(*args, function="REGEXP_REPLACE", output_field=CharField())


def compact_key(field: str):
    """A column upper-cased with everything but letters and digits removed: the key on
    which postcodes and crime references are compared."""
    return _regexp_replace(Upper(field), "[^A-Z0-9]", "", "g")


def phone_key(field: str):
    """A phone number's digits, in the national form (``+44 7700…`` becomes ``07700…``)."""
    return _regexp_replace(_regexp_replace(F(field), "[^0-9]", "", "g"), "^(00)?44(0)?", "0")


def email_key(field: str):
    """An email address lower-cased."""
    return Lower(field)


@dataclass(frozen=True)
class Terms:
    """What was typed, read as each kind of thing it could be; empty where it cannot."""

    text: str
    case_reference: str = ""
    crime_key: str = ""
    postcode_key: str = ""
    phone_key: str = ""
    email_key: str = ""
    name_words: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()

    @property
    def searchable(self) -> bool:
        """Whether there is anything to look for: otherwise the database is not asked."""
        return any(
            (
                self.case_reference,
                self.crime_key,
                self.postcode_key,
                self.phone_key,
                self.email_key,
                self.name_words,
            )
        )


def read_terms(text: str) -> Terms:
    """The search terms in ``text``, never longer than ``MAX_LENGTH``; not ``searchable``
    when too short to mean anything."""
    text = " ".join(text.split())[:MAX_LENGTH]
    compact = _NOT_ALPHANUMERIC.sub("", text.upper())
    if len(compact) < MIN_LENGTH:
        return Terms(text=text)
    fields: dict = {}
    if "@" in text:
        fields["email_key"] = "".join(text.split()).lower()
    elif any(c.isdigit() for c in compact):
        if match := _CASE_REFERENCE.fullmatch(compact):
            year, number = match.groups()
            fields["case_reference"] = f"VH-{year}-{int(number):06d}"
        if _POSTCODE.fullmatch(compact):
            fields["postcode_key"] = compact
        if _PHONE.fullmatch(text):
            digits = _INTERNATIONAL_UK.sub("0", re.sub(r"\D", "", text))
            if len(digits) >= MIN_PHONE_DIGITS:
                fields["phone_key"] = digits
        fields["crime_key"] = compact
    else:
        words = _LETTERS.findall(text.lower())
        fields["name_words"] = tuple(w for w in words if len(w) > 1)[:MAX_NAME_WORDS]
        fields["initials"] = tuple(w for w in words if len(w) == 1)[:MAX_NAME_WORDS]
    return Terms(text=text, **fields)


def _name_word(word: str) -> Q:
    """People with a given or family name like ``word``."""
    # Similarity forgives a typo in the whole name ("Smiht"); word similarity finds a
    # name from its start or one part of a double-barrelled name ("Smythe"). Both
    # operators use the trigram indexes on the two name columns.
    return (
        Q(given_name__trigram_similar=word)
        | Q(given_name__trigram_word_similar=word)
        | Q(family_name__trigram_similar=word)
        | Q(family_name__trigram_word_similar=word)
    )


def _initial(letter: str) -> Q:
    """People with a given or family name starting with ``letter`` ("J Smith")."""
    return Q(given_name__istartswith=letter) | Q(family_name__istartswith=letter)


def _readings(terms: Terms) -> list[Q]:
    """A condition on cases for each reading of the terms: the case reference, the crime
    reference, and the victim (postcode, phone, email or name)."""
    people = []
    if terms.postcode_key:
        people.append(Q(postcode_key=terms.postcode_key))
    if terms.phone_key:
        people.append(Q(phone_key=terms.phone_key))
    if terms.email_key:
        people.append(Q(email_key=terms.email_key))
    if terms.name_words:
        words = [_name_word(word) for word in terms.name_words]
        people.append(reduce(operator.and_, words + [_initial(i) for i in terms.initials]))
    readings = []
    if terms.case_reference:
        readings.append(Q(reference=terms.case_reference))
    if terms.crime_key:
        crimes = CrimeReport.objects.alias(key=compact_key("reference"))
        readings.append(Q(referral__crime__in=crimes.filter(key=terms.crime_key)))
    if people:
        keyed = Person.objects.alias(
            postcode_key=compact_key("postcode"),
            phone_key=phone_key("phone"),
            email_key=email_key("email"),
        )
        matched = keyed.filter(reduce(operator.or_, people)).values_list("pk", flat=True)
        # The people are looked up once and their ids passed on: the trigram scans are
        # the costly part of a search, and the page and its count would each repeat them.
        ids = list(matched[: MAX_PEOPLE + 1])
        readings.append(Q(person_id__in=ids) if len(ids) <= MAX_PEOPLE else Q(person__in=matched))
    return readings


def _name_score(terms: Terms):
    """How well the victim's name matches, from 0 to 1: for each word typed, the better of
    its plain and word similarity to the given or the family name, averaged."""
    scores = []
    for word in terms.name_words:
        per_column = [
            (TrigramSimilarity(column, word) + TrigramWordSimilarity(word, column)) / 2
            for column in ("person__given_name", "person__family_name")
        ]
        scores.append(Greatest(*per_column))
    return ExpressionWrapper(reduce(operator.add, scores) / len(scores), output_field=FloatField())


def matching_cases(user, terms: Terms) -> QuerySet[Case]:
    """The cases ``user`` may see that match ``terms``, unordered; none unless searchable."""
    cases = Case.objects.visible_to(user)
    if not terms.searchable:
        return cases.none()
    first, *others = _readings(terms)
    if not others:
        return cases.filter(first)
    # Several readings: one query each, united, so that each is read through its own
    # index rather than the planner testing every case against all of them.
    ids = [Case.objects.filter(reading).values("pk") for reading in (first, *others)]
    return cases.filter(pk__in=ids[0].union(*ids[1:]))


@dataclass(frozen=True)
class Found:
    """A page of results: the best matches, and how many there were in all."""

    cases: list[Case]
    count: int


def search_cases(user, terms: Terms) -> Found:
    """At most ``RESULT_LIMIT`` cases ``user`` may see matching ``terms``, best match first
    (an exact identifier, then the closest name; open before closed, then newest), with
    how many matched in all: the page, and the count when there is more than a page (and
    the people matched by name, looked up first), whatever the number of results."""
    cases = matching_cases(user, terms)
    rank = Value(1.0, output_field=FloatField())
    if terms.name_words:
        rank = _name_score(terms)
    elif terms.case_reference:
        # The case itself before any case whose crime or victim has the same key.
        rank = models.Case(
            models.When(reference=terms.case_reference, then=Value(2.0)),
            default=rank,
            output_field=FloatField(),
        )
    closed = ExpressionWrapper(Q(state=CaseState.CLOSED), output_field=BooleanField())
    best = (
        cases.select_related("person", "referral__crime")
        .only(
            "reference",
            "person",
            "referral",
            "referral__crime",
            "state",
            "priority",
            "restricted",
            "opened_at",
            "person__given_name",
            "person__family_name",
            "person__date_of_birth",
            "person__postcode",
            "referral__crime__reference",
        )
        .annotate(rank=rank, closed=closed)
        .order_by("-rank", "closed", "-opened_at", "reference")
    )
    page = list(best[:RESULT_LIMIT])
    count = cases.values("pk").count() if len(page) == RESULT_LIMIT else len(page)
    return Found(cases=page, count=count)
