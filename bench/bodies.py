"""Request bodies: the contract's example referral, with dates of this week and unique keys.

Every referral gets its own ``source_reference``, crime reference and victim surname, so
each one is new work for the Hub (no replays, and no victim linked to one sent earlier in
the run: the surname carries the run's prefix as well as the sender and the number). The
body is a JSON template cut at three slots, so that wrk's Lua and the batch senders build
a body by concatenation rather than by re-encoding JSON per request.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
SLOTS = ("sref", "cref", "name")
_MARK = "@@{}@@"


def today() -> dt.date:
    return dt.datetime.now(LONDON).date()


# Letters of a surname's number: 26 ** 7 is more than any sender's numbers (10,000,000 each).
NUMBER_LETTERS = 7


def surname_suffix(number: int, *, width: int = 1) -> str:
    """A number as letters, "a" padded to ``width`` (0 → "A", 27 → "Bb"): names carry no digits."""
    letters = ""
    while True:
        number, rest = divmod(number, 26)
        letters = chr(97 + rest) + letters
        if number == 0 and len(letters) >= width:
            return letters.capitalize()


def prefix_tag(prefix: str) -> str:
    """The letters that stand for a run's prefix in its victims' surnames ("S" → "Df")."""
    return surname_suffix(int.from_bytes(prefix.encode(), "big"))


def victim_surname(prefix: str, sender: int, number: int) -> str:
    """Unique for each (prefix, sender, number), even once people are matched on letters alone.

    A person is matched on the letters of their name (``person_match_key`` drops the
    hyphen), so the number's letters are of a fixed width: the prefix's tag is all but the
    last ``NUMBER_LETTERS`` of them, and a warm-up, a batch or a sender never brings the
    surname of a victim another part of the run already sent.
    """
    number = surname_suffix(sender * 10_000_000 + number, width=NUMBER_LETTERS)
    return f"{prefix_tag(prefix)}-{number}"


def referral_body(*, on: dt.date, consent_basis: str = "consent") -> dict:
    """The contract's example, reported two days before ``on``, with the slots marked."""
    from referrals.api.docs import REFERRAL_EXAMPLE  # needs Django set up

    body = copy.deepcopy(REFERRAL_EXAMPLE)
    reported = on - dt.timedelta(days=2)
    body["source_reference"] = _MARK.format("sref")
    body["crime"]["reference"] = _MARK.format("cref")
    body["crime"]["occurred_on"] = (reported - dt.timedelta(days=1)).isoformat()
    body["crime"]["reported_on"] = reported.isoformat()
    body["victim"]["family_name"] = "Khan-" + _MARK.format("name")
    body["consent"] = {"basis": consent_basis, "recorded_on": reported.isoformat()}
    return body


@dataclass(frozen=True)
class Template:
    """A referral's JSON cut into ``parts`` around ``slots`` (len(parts) == len(slots) + 1)."""

    parts: tuple[str, ...]
    slots: tuple[str, ...]

    @classmethod
    def of(cls, body: dict) -> Template:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        parts, slots = [text], []
        while True:
            hits = [(parts[-1].find(_MARK.format(s)), s) for s in SLOTS]
            hits = [(at, s) for at, s in hits if at >= 0]
            if not hits:
                return cls(tuple(parts), tuple(slots))
            at, slot = min(hits)
            rest = parts.pop()
            parts += [rest[:at], rest[at + len(_MARK.format(slot)) :]]
            slots.append(slot)

    def render(self, values: dict[str, str]) -> str:
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            out += [values[slot], part]
        return "".join(out)


def keys(prefix: str, sender: int, number: int, *, year: int) -> dict[str, str]:
    """The unique values of one referral (the Lua in ``bench.wrk`` makes the same shape)."""
    return {
        "sref": f"BENCH-{prefix}-{sender}-{number}",
        "cref": f"35/{prefix}{sender}{number:07d}/{year % 100:02d}",
        "name": victim_surname(prefix, sender, number),
    }


def batch_body(template: Template, prefix: str, sender: int, start: int, size: int, *, year: int):
    items = ",".join(
        template.render(keys(prefix, sender, n, year=year)) for n in range(start, start + size)
    )
    return '{"referrals":[' + items + "]}"
