"""Demo victims and crimes: names, dates of birth, contact details, offences, references.

Everything is drawn from the generator given to the makers, never from global state, so
the same seed always gives the same people. See ``casework.demo`` for how they are used.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from casework import demo_data as data
from casework.triage import OffenceFacts
from referrals.models import ContactPreference, OffenceType, PersonKind, person_match_key


@dataclass
class NewPerson:
    """A victim about to be created: the ``Person`` fields, and what the case needs to know."""

    fields: dict
    area: str
    interpreter: str = ""

    @property
    def kind(self) -> str:
        return self.fields["kind"]

    @property
    def date_of_birth(self) -> dt.date | None:
        return self.fields["date_of_birth"]

    def age_on(self, day: dt.date) -> int | None:
        dob = self.date_of_birth
        if dob is None:
            return None
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class _Name:
    given: str
    family_stem: str  # as listed (the masculine form where the name has two)
    female: bool
    heritage: data.Heritage
    family_heritage: data.Heritage

    @property
    def family(self) -> str:
        return self.family_heritage.family_name(self.family_stem, female=self.female)


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


class PeopleMaker:
    """Makes realistic Cambridgeshire victims: diverse names, ages, addresses and contacts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._heritage_cum = _cumulative(h.weight for h in data.HERITAGES)
        self._town_cum = _cumulative(t[3] for t in data.TOWNS)
        self._guardians = list(data.GUARDIAN_RELATIONSHIPS)
        self._guardian_cum = _cumulative(data.GUARDIAN_RELATIONSHIPS.values())
        self._match_keys: set[str] = set()

    def adult(self, on: dt.date) -> NewPerson:
        rng = self.rng
        age = int(rng.triangular(18, 92, 34))
        return self._person(PersonKind.ADULT, on, age)

    def child(self, on: dt.date) -> NewPerson:
        return self._person(PersonKind.CHILD, on, self.rng.randint(8, 17))

    def business(self) -> NewPerson:
        rng = self.rng
        town, area, postcode = self._place()
        contact = self._name()
        name = rng.choice(data.BUSINESSES)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        fields = {
            "kind": PersonKind.BUSINESS,
            "given_name": name,
            "family_name": "",
            "date_of_birth": None,
            "business_contact_name": f"{contact.given} {contact.family}",
            "phone": self._phone(landline=True),
            "email": f"info@{slug}.{rng.choice(data.EMAIL_DOMAINS)}",
            "address_line1": f"{rng.randint(1, 120)} {rng.choice(data.STREETS)}",
            "address_line2": "",
            "town": town,
            "postcode": postcode,
            "preferred_language": "en",
            "preferred_contact": ContactPreference.EMAIL,
            "parent_guardian": None,
            "match_key": "",
        }
        return NewPerson(fields, area)

    # ---- parts ----

    def _person(self, kind: str, on: dt.date, age: int) -> NewPerson:
        rng = self.rng
        name = self._name()
        given, family, heritage = name.given, name.family, name.heritage
        dob = on - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360))
        key = person_match_key(given, family, dob)
        while key in self._match_keys:  # two different people must never link automatically
            dob -= dt.timedelta(days=1)
            key = person_match_key(given, family, dob)
        self._match_keys.add(key)
        town, area, postcode = self._place()
        language = "en"
        interpreter = ""
        if heritage.language != "en" and rng.random() < heritage.needs_language:
            language, interpreter = heritage.language, heritage.language_name
        email = ""
        if rng.random() < (0.75 if age < 70 else 0.35):
            email = self._email(given, family)
        phone = self._phone(landline=age >= 70 and rng.random() < 0.5)
        guardian = None
        if kind == PersonKind.CHILD:
            guardian = self._guardian(name)
            phone = phone if age >= 14 and rng.random() < 0.5 else ""
            email = email if age >= 16 else ""
        preferred = ContactPreference.PHONE
        roll = rng.random()
        if email and roll < 0.2:
            preferred = ContactPreference.EMAIL
        elif roll > 0.94:
            preferred = ContactPreference.LETTER if age >= 60 else ContactPreference.SMS
        flat = rng.random() < 0.15
        fields = {
            "kind": kind,
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "business_contact_name": "",
            "phone": phone,
            "email": email,
            "address_line1": (
                f"Flat {rng.randint(1, 24)}, {rng.randint(1, 60)} {rng.choice(data.STREETS)}"
                if flat
                else f"{rng.randint(1, 240)} {rng.choice(data.STREETS)}"
            ),
            "address_line2": "",
            "town": town,
            "postcode": postcode,
            "preferred_language": language,
            "preferred_contact": preferred,
            "parent_guardian": guardian,
            "match_key": key,
        }
        return NewPerson(fields, area, interpreter)

    def _name(self) -> _Name:
        rng = self.rng
        heritage = rng.choices(data.HERITAGES, cum_weights=self._heritage_cum)[0]
        female = rng.random() < 0.52
        family_from = heritage
        if rng.random() < 0.06:  # mixed families: a married or inherited name
            family_from = rng.choices(data.HERITAGES, cum_weights=self._heritage_cum)[0]
        return _Name(
            given=rng.choice(heritage.female if female else heritage.male),
            family_stem=rng.choice(family_from.family),
            female=female,
            heritage=heritage,
            family_heritage=family_from,
        )

    def _guardian(self, child: _Name) -> dict:
        rng = self.rng
        relationship = rng.choices(self._guardians, cum_weights=self._guardian_cum)[0]
        relationship = relationship.replace("_", " ")
        female = relationship in ("Mother", "Grandmother", "Aunt") or (
            relationship not in ("Father", "Step-father", "Grandfather") and rng.random() < 0.7
        )
        heritage = child.heritage
        first = rng.choice(heritage.female if female else heritage.male)
        if relationship in ("Foster carer", "Step-father"):
            family = rng.choice(data.HERITAGES[0].family)
        else:
            family = child.family_heritage.family_name(child.family_stem, female=female)
        return {"name": f"{first} {family}", "relationship": relationship, "phone": self._phone()}

    def _place(self) -> tuple[str, str, str]:
        rng = self.rng
        town, area, districts, _ = rng.choices(data.TOWNS, cum_weights=self._town_cum)[0]
        inward = f"{rng.randint(1, 9)}{rng.choice(data.POSTCODE_LETTERS)}"
        inward += rng.choice(data.POSTCODE_LETTERS)
        return town, area, f"{rng.choice(districts)} {inward}"

    def _phone(self, *, landline: bool = False) -> str:
        if landline:
            return f"01632 960{self.rng.randint(0, 999):03d}"
        return f"07700 900{self.rng.randint(0, 999):03d}"

    def _email(self, given: str, family: str) -> str:
        rng = self.rng
        local = "".join(ch for ch in f"{given}.{family}".lower() if ch.isascii() and ch != "'")
        local = local.replace(" ", "")
        if rng.random() < 0.5:
            local += str(rng.randint(1, 99))
        return f"{local}@{rng.choice(data.EMAIL_DOMAINS)}"


class CrimeMaker:
    """Offences from the Home Office classes in the database, and crime references."""

    def __init__(self, rng: random.Random, offences: dict[str, OffenceType]):
        self.rng = rng
        self.offences = offences
        self._tables: dict[str, tuple[list[OffenceType], list[float]]] = {}
        self._numbers: dict[tuple[str, int], int] = {}

    def offence(self, table: dict[str, float]) -> OffenceType:
        key = " ".join(table)
        if key not in self._tables:
            codes = [code for code in table if code in self.offences]
            if not codes:
                raise ValueError("none of the demo's offence codes is in the database")
            self._tables[key] = (
                [self.offences[c] for c in codes],
                _cumulative(table[c] for c in codes),
            )
        rows, cum = self._tables[key]
        return self.rng.choices(rows, cum_weights=cum)[0]

    def reference(self, reported_on: dt.date, prefix: str = "35") -> str:
        """``35/12345/26``: the force's number, a running number and the year reported."""
        if prefix == data.ACTION_FRAUD:
            serial = self._next(("NFRC", reported_on.year), 10)
            return f"NFRC{reported_on:%y}{reported_on:%m}{serial:06d}"
        serial = self._next((prefix, reported_on.year), 4)
        return f"{prefix}/{serial:05d}/{reported_on:%y}"

    def officer(self) -> tuple[str, str]:
        rng = self.rng
        family = rng.choice(data.HERITAGES[0].family)
        collar = rng.randint(100, 3999)
        slug = "".join(ch for ch in family.lower() if ch.isalpha())
        return f"PC {collar} {family}", f"pc{collar}.{slug}@police.example"

    def _next(self, key: tuple[str, int], step: int) -> int:
        current = self._numbers.get(key)
        if current is None:
            current = self.rng.randint(10000, 19999)
        current += self.rng.randint(1, step)
        self._numbers[key] = current
        return current


def offence_facts(offence: OffenceType | None) -> OffenceFacts | None:
    """What triage reads of an offence type."""
    if offence is None:
        return None
    return OffenceFacts(
        code=offence.code,
        description=offence.description,
        category=offence.category,
        most_serious=offence.most_serious,
    )
