"""Demo data: a year of referrals and cases for the Cambridgeshire Hub (``seed_demo``).

Deterministic: the same (victims, seed, as-of) always gives the same data. All randomness
comes from one ``random.Random(seed)`` used in a fixed order, and every timestamp derives
from the as-of date, never from the clock. ``--replace`` therefore reproduces a run exactly.

Bulk seeding bypasses the per-case services on purpose, for speed: referrals are not
received through ``referrals.services.receive_referral`` and states are not changed through
``casework.services``. The rows are built here and written with ``bulk_create`` in one
transaction; each ``Case`` is a new instance given its ``state`` in the constructor
(``FSMField(protected=True)`` only forbids changing the state of an existing instance).
What the services guarantee is kept by construction: priority, reasons and deadlines come
from ``casework.triage.triage`` with the force's calendar (repeat victims counted over the
12-month window), references from ``allocate_case_numbers`` in received order, match keys
from ``person_match_key``, and each case's timeline holds the received, triaged and
transition events that replay to its state, with the responsible VCC as the actor of
human steps and no actor for system steps.

Calls and letters are the rows ``casework.contact`` and ``letters.sending`` would have left:
a ``ContactAttempt`` for each call made (no answer or a voicemail where one may be left,
then the victim reached or not) with its "contact_attempt" event, and one planned call for
each case still awaiting contact; a sent ``Letter`` for each information and
unable-to-contact letter or email, by the channel the sender would choose, with its
"letter" event, and a planned one for each letter still to go (the demo's worker sends
it when the demo starts). See ``casework.demo_writer`` for what the historic letters
leave out.

Rates (the Cambridgeshire Hub's published figures): about 25% of victims have needs, 15% are
victims of domestic abuse (always referred with consent, never by ADT). About 61% of victims
with needs are reached by phone and the rest get the unable-to-contact letter or email; of
those reached 11% decline (13% for domestic abuse) and 31% go on to support (38%), so that
about 7% of all victims contacted, by phone or by letter, decline. See
``casework.demo_journey``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection

from assessments.models import DashRisk, DvnaNeed, EnhancedGroup
from casework import demo_data as data
from casework.demo_journey import CaseFacts, Clock, JourneyPlanner, Realised
from casework.demo_people import CrimeMaker, NewPerson, PeopleMaker, offence_facts
from casework.demo_services import ensure_services
from casework.demo_staff import Staff, ensure_api_client, ensure_forces, ensure_staff
from casework.demo_support import write_support
from casework.demo_writer import Writer, clear_case_data
from casework.models import Case, CaseEvent, CaseState, ContactAttempt
from casework.plan_models import CarePlan, OnwardReferral
from casework.triage import (
    REPEAT_WINDOW_DAYS,
    TriageInput,
    TriageResult,
    derive_enhanced_groups,
    triage,
)
from hub.calendar import LONDON, is_bank_holiday
from hub.demo import DEMO_PASSWORD
from hub.models import User
from letters.models import Letter
from referrals.models import (
    CrimeReport,
    OffenceCategory,
    OffenceType,
    Person,
    PersonKind,
    Referral,
    ReferralSource,
)

__all__ = ["SeedResult", "case_data_exists", "clear_case_data", "seed_demo"]

SELF_REFERRAL_SHARE = 0.003
REPEAT_SHARE = 0.03
BUSINESS_SHARE = 0.015
CHILD_SHARE = 0.06
SHARED_CRIME_SHARE = 0.02  # a second victim of the same crime
RESTRICTED_SHARE = 0.01
UNALLOCATED_RECENT = 30
NEEDS_BY_SOURCE = {
    ReferralSource.SELF_REFERRAL: 1.0,
    ReferralSource.PARTNER_AGENCY: 0.75,
    ReferralSource.POLICE_API: 0.36,
    ReferralSource.TRANSFER_IN: 0.30,
    ReferralSource.ADT_BATCH: 0.09,
}
STAFF_ENTERED = (
    ReferralSource.SELF_REFERRAL,
    ReferralSource.PARTNER_AGENCY,
    ReferralSource.TRANSFER_IN,
)
SAFE_TIMES = (
    {"days": "mon-fri", "from": "09:00", "to": "12:00"},
    {"days": "mon-fri", "from": "12:00", "to": "15:00"},
    {"days": "mon-fri", "from": "17:00", "to": "20:00"},
    {"days": "mon-sat", "from": "10:00", "to": "16:00"},
)


def case_data_exists() -> bool:
    return Case.objects.exists()


@dataclass(frozen=True)
class SeedResult:
    victims: int
    people: int
    as_of: dt.date
    states: dict[str, int]

    def summary(self) -> str:
        states = ", ".join(f"{s.value} {self.states.get(s.value, 0)}" for s in CaseState)
        return (
            f"Seeded {self.victims} referrals ({self.people} people) as of "
            f"{self.as_of.isoformat()}: {states}."
        )


@dataclass
class Plan:
    """One referral and its case as they stand at the as-of moment."""

    person: int
    received_at: dt.datetime
    source: str
    crime: int | None
    source_reference: str
    referrer: str
    ivna: dict
    safe_contact: dict
    result: TriageResult
    domestic_abuse: bool
    realised: Realised
    vcc: User
    allocated_at: dt.datetime
    restricted: bool = False
    allocated: bool = True

    @property
    def staff_entered(self) -> bool:
        return self.source in STAFF_ENTERED


def seed_demo(*, victims: int, seed: int, as_of: dt.date, demo_mode: bool) -> SeedResult:
    """Seed ``victims`` referrals over the year before ``as_of``, in the caller's transaction."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    # Details of the calls come from their own generator, so that they never shift the
    # draws the journeys (and everything after them) are made of.
    detail_rng = random.Random(f"{seed}/contact")  # noqa: S311 - demo data, not secrets
    force = ensure_forces()
    password = make_password(DEMO_PASSWORD) if demo_mode else None
    staff = ensure_staff(force, as_of=as_of, demo_password_hash=password)
    offences = {o.code: o for o in OffenceType.objects.all()}
    if not offences:
        raise ValueError("No offence types in the database: run the migrations first.")
    planner = _Planner(rng, force, staff, offences, as_of, detail_rng)
    planner.plan(victims)
    revoked_at = dt.datetime.combine(as_of, dt.time(0), tzinfo=LONDON)
    api_client = ensure_api_client(force, demo_mode=demo_mode, now=revoked_at)
    writer = Writer(force, staff, planner, api_client)
    writer.write()
    services = ensure_services(force)
    write_support(
        planner,
        writer.cases,
        writer.dvnas,
        services,
        seed=seed,
        now=dt.datetime.combine(as_of, dt.time(0), tzinfo=LONDON),
    )
    # Thousands of rows written in bulk leave the planner's statistics stale until
    # autovacuum comes round: the first pages (and a fresh embedded server) would plan
    # joins over them as if the tables were empty.
    with connection.cursor() as cursor:
        for model in (
            Person,
            CrimeReport,
            Referral,
            Case,
            CaseEvent,
            ContactAttempt,
            Letter,
            DvnaNeed,
            CarePlan,
            OnwardReferral,
        ):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    states = Counter(plan.realised.state for plan in planner.plans)
    return SeedResult(victims, len(planner.persons), as_of, dict(states))


def _recipient_email(person: NewPerson) -> str:
    """The address letters.sending.recipient writes to: a child's parent or guardian's."""
    guardian = person.fields["parent_guardian"]
    return guardian.get("email", "") if guardian else person.fields["email"]


def _written_channel(person: NewPerson, safe_contact: dict) -> str:
    """The channel letters.sending.choose_channel takes: email where there is an address
    and email is safe, else post (which ``_safe_contact`` then always allows)."""
    return "email" if _recipient_email(person) and safe_contact["email_ok"] else "post"


def _received_times(rng: random.Random, count: int, as_of: dt.date) -> list[dt.datetime]:
    """Weekdays mostly, some Saturdays, fewer on bank holidays; 07:00 to 22:00 local time."""
    days = [as_of - dt.timedelta(days=n) for n in range(365, 0, -1)]
    weights = [
        0.0 if d.weekday() == 6 else 0.3 if d.weekday() == 5 or is_bank_holiday(d) else 1.0
        for d in days
    ]
    cum = list(itertools.accumulate(weights))
    times = []
    for _ in range(count):
        day = rng.choices(days, cum_weights=cum)[0]
        minute = int(rng.triangular(7 * 60, 22 * 60, 11 * 60))
        times.append(dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=LONDON))
    times.sort()
    return times


class _Planner:
    """Draws every referral in received order: person, crime, IVNA, triage and journey."""

    def __init__(
        self, rng, force, staff: Staff, offences: dict[str, OffenceType], as_of, detail_rng
    ):
        self.rng = rng
        self.force = force
        self.staff = staff
        self.calendar = force.calendar
        self.cutoff = dt.datetime.combine(as_of, dt.time(0), tzinfo=LONDON)
        self.as_of = as_of
        self.people = PeopleMaker(rng)
        self.crime_maker = CrimeMaker(rng, offences)
        self.journeys = JourneyPlanner(rng, Clock(self.calendar), detail_rng)
        self.persons: list[NewPerson] = []
        self.person_first_seen: list[dt.datetime] = []
        self.person_referrals: list[list[dt.datetime]] = []
        self.crimes: list[dict] = []
        self.plans: list[Plan] = []
        self._repeatable: list[int] = []  # plans whose person may be referred again
        self._adt_numbers: Counter = Counter()

    def plan(self, victims: int) -> None:
        for received_at in _received_times(self.rng, victims, self.as_of):
            self._plan_one(received_at)
        self._leave_recent_unallocated()

    def _plan_one(self, received_at: dt.datetime) -> None:
        rng = self.rng
        received_on = received_at.date()
        is_self = rng.random() < SELF_REFERRAL_SHARE
        earlier = None
        if not is_self and self._repeatable and rng.random() < REPEAT_SHARE:
            earlier = self.plans[rng.choice(self._repeatable)]
        person_index = earlier.person if earlier else self._new_person(received_at, is_self)
        person = self.persons[person_index]
        age_now = person.age_on(received_on)
        da = rng.random() < self._domestic_abuse_chance(person, age_now, is_self, earlier)

        source, crime_index = self._source_and_crime(person, age_now, received_at, is_self, da)
        crime = self.crimes[crime_index] if crime_index is not None else None
        offence: OffenceType | None = crime["offence"] if crime else None
        needs_chance = 0.5 if da and not is_self else NEEDS_BY_SOURCE[source]
        if person.kind == PersonKind.CHILD:
            needs_chance += 0.15
        elif person.kind == PersonKind.BUSINESS:
            needs_chance = 0.1
        needs = rng.random() < needs_chance
        dash = ""
        if da and not is_self:
            dash = rng.choices((DashRisk.STANDARD, DashRisk.MEDIUM, DashRisk.HIGH), (55, 35, 10))[0]
        hate = bool(offence) and (
            offence.code in data.HATE_CRIME_CODES
            or (offence.category in ("violence", "public_order") and rng.random() < 0.01)
        )
        police_repeat = rng.random() < (0.6 if earlier else 0.01)
        since = received_at - dt.timedelta(days=REPEAT_WINDOW_DAYS)
        earlier_count = sum(since <= t < received_at for t in self.person_referrals[person_index])
        facts = TriageInput(
            needs_support=needs,
            received_at=received_at,
            source=source,
            domestic_abuse=da,
            dash_risk=dash,
            hate_crime=hate,
            police_repeat_victim=police_repeat,
            offence=offence_facts(offence),
            age_when_reported=person.age_on(crime["reported_on"] if crime else received_on),
            earlier_referrals_in_window=earlier_count,
        )
        police_groups = self._police_groups(facts, person, needs, earlier is not None)
        facts = dataclasses.replace(facts, police_groups=tuple(police_groups))
        result = triage(facts, self.calendar)

        safe_contact = self._safe_contact(person, da)
        channel = _written_channel(person, safe_contact)
        vcc = earlier.vcc if earlier else rng.choice(self.staff.vccs)
        allocated_at = received_at + dt.timedelta(minutes=rng.randint(1, 20))
        journey = self.journeys.plan(
            CaseFacts(
                received_at=received_at,
                allocated_at=allocated_at,
                has_needs=result.priority != 4,
                domestic_abuse=da,
                first_contact_due=result.first_contact_due,
                safe_times=safe_contact["safe_times"],
                written_channel=channel,
                voicemail=safe_contact["voicemail_ok"] and not safe_contact["lives_with_suspect"],
            )
        )
        notes = ""
        if person.interpreter:
            notes = f"Limited English: {person.interpreter} interpreter needed."
        elif needs and rng.random() < 0.4:
            notes = rng.choice(data.IVNA_NOTES)
        plan = Plan(
            person=person_index,
            received_at=received_at,
            source=source,
            crime=crime_index,
            source_reference=self._source_reference(source, received_at, crime),
            referrer=crime.get("_referrer", "") if crime else "",
            ivna={
                "needs_support": needs,
                "enhanced_entitlement": police_groups,
                "domestic_abuse": da,
                "dash_risk": dash,
                "hate_crime": hate,
                "repeat_victim": police_repeat,
                "notes": notes,
            },
            safe_contact=safe_contact,
            result=result,
            domestic_abuse=da,
            realised=journey.until(self.cutoff),
            vcc=vcc,
            allocated_at=allocated_at,
            restricted=rng.random() < RESTRICTED_SHARE,
        )
        if source == ReferralSource.PARTNER_AGENCY and not plan.referrer:
            plan.referrer = rng.choice(data.PARTNER_AGENCIES)
        self.person_referrals[person_index].append(received_at)
        if person.kind != PersonKind.BUSINESS and not is_self:
            self._repeatable.append(len(self.plans))
        self.plans.append(plan)

    # ---- the parts of a referral ----

    def _new_person(self, received_at: dt.datetime, is_self: bool) -> int:
        roll = self.rng.random()
        on = received_at.date()
        if not is_self and roll < BUSINESS_SHARE:
            person = self.people.business()
        elif roll < BUSINESS_SHARE + CHILD_SHARE:
            person = self.people.child(on)
        else:
            person = self.people.adult(on)
        self.persons.append(person)
        self.person_first_seen.append(received_at)
        self.person_referrals.append([])
        return len(self.persons) - 1

    def _domestic_abuse_chance(self, person: NewPerson, age: int | None, is_self, earlier) -> float:
        if person.kind == PersonKind.BUSINESS:
            return 0.0
        if is_self:
            return 0.1
        if earlier is not None:
            return 0.7 if earlier.domestic_abuse else 0.12
        if age is not None and age < 18:
            return 0.1 if age >= 16 else 0.0
        return 0.16

    def _source_and_crime(self, person, age, received_at, is_self, da) -> tuple[str, int | None]:
        rng = self.rng
        if is_self:
            return ReferralSource.SELF_REFERRAL, None
        if da:
            table = data.DOMESTIC_ABUSE_OFFENCES
        elif person.kind == PersonKind.BUSINESS:
            table = data.BUSINESS_OFFENCES
        elif age is not None and age < 18:
            table = data.CHILD_OFFENCES
        else:
            table = data.GENERAL_OFFENCES
        offence = self.crime_maker.offence(table)
        consent_only = da or self._consent_only(offence)
        if person.kind == PersonKind.BUSINESS:
            sources, weights = (ReferralSource.ADT_BATCH, ReferralSource.POLICE_API), (70, 30)
        elif consent_only:
            sources = (
                ReferralSource.POLICE_API,
                ReferralSource.PARTNER_AGENCY,
                ReferralSource.TRANSFER_IN,
            )
            weights = (90, 7, 3)
        else:
            sources = (
                ReferralSource.ADT_BATCH,
                ReferralSource.POLICE_API,
                ReferralSource.PARTNER_AGENCY,
                ReferralSource.TRANSFER_IN,
            )
            weights = (68, 25, 3.5, 3.5)
        source = rng.choices(sources, weights)[0]
        if source == ReferralSource.PARTNER_AGENCY and rng.random() < 0.2:
            return source, None  # not reported to police
        shared = self._shared_crime(source, da, person, received_at)
        if shared is not None:
            return source, shared
        return source, self._new_crime(source, offence, person, received_at)

    def _consent_only(self, offence: OffenceType) -> bool:
        # Victims' Code: sexual offences and the bereaved only with explicit consent, and
        # whatever else this force added.
        return (
            offence.category in (OffenceCategory.SEXUAL, OffenceCategory.HOMICIDE)
            or offence.code in self.force.extra_consent_offence_codes
        )

    def _shared_crime(self, source, da, person, received_at) -> int | None:
        if da or source not in (ReferralSource.POLICE_API, ReferralSource.ADT_BATCH):
            return None
        if not self.plans or self.rng.random() >= SHARED_CRIME_SHARE:
            return None
        last = self.plans[-1]
        if last.crime is None or last.domestic_abuse or last.source != source:
            return None
        crime = self.crimes[last.crime]
        if self.persons[last.person] is person or crime["reported_on"] < received_at.date() - (
            dt.timedelta(days=3)
        ):
            return None
        return last.crime

    def _new_crime(self, source, offence, person: NewPerson, received_at) -> int:
        rng = self.rng
        on = received_at.date()
        lag = {
            ReferralSource.POLICE_API: rng.choices((0, 1, 2), (50, 35, 15))[0],
            ReferralSource.ADT_BATCH: 1 if on.weekday() else 3,
            ReferralSource.PARTNER_AGENCY: rng.randint(1, 60),
            ReferralSource.TRANSFER_IN: rng.randint(3, 30),
        }[source]
        reported_on = on - dt.timedelta(days=lag)
        occurred_on = reported_on - dt.timedelta(
            days=rng.choices((0, 1, rng.randint(2, 7), rng.randint(8, 90)), (60, 20, 15, 5))[0]
        )
        prefix, area, referrer = "35", person.area, ""
        if rng.random() < 0.12:
            area = rng.choice(data.TOWNS)[1]
        if source == ReferralSource.TRANSFER_IN:
            if offence.category == OffenceCategory.FRAUD:
                prefix = area = referrer = data.ACTION_FRAUD
            else:
                referrer, prefix, area = rng.choice(data.TRANSFER_SOURCES)
        officer_name, officer_email = self.crime_maker.officer()
        if prefix == data.ACTION_FRAUD:
            officer_name = officer_email = ""
        self.crimes.append(
            {
                "reference": self.crime_maker.reference(reported_on, prefix),
                "offence_code": offence.code,
                "offence_description": offence.description,
                "offence": offence,
                "occurred_on": None if rng.random() < 0.03 else occurred_on,
                "reported_on": reported_on,
                "area": area,
                "officer_name": officer_name,
                "officer_email": officer_email,
                "created_at": received_at,
                "_referrer": referrer,
            }
        )
        return len(self.crimes) - 1

    def _police_groups(self, facts, person: NewPerson, needs: bool, repeat: bool) -> list[str]:
        """What the officer ticked: most of what the Hub derives, and what only police know."""
        rng = self.rng
        groups = {g for g in derive_enhanced_groups(facts) if rng.random() < 0.7}
        if needs and person.kind != PersonKind.BUSINESS:
            if rng.random() < 0.04:
                groups.add(EnhancedGroup.VULNERABLE)
            if rng.random() < (0.3 if repeat else 0.02):
                groups.add(EnhancedGroup.PERSISTENTLY_TARGETED)
            if rng.random() < 0.03:
                groups.add(EnhancedGroup.INTIMIDATED)
        return sorted(str(g) for g in groups)

    def _safe_contact(self, person: NewPerson, da: bool) -> dict:
        rng = self.rng
        has_email = bool(person.fields["email"])
        drawn_with_suspect = da and rng.random() < 0.2 and has_email
        if da:
            voicemail = rng.random() < 0.25
            post = rng.random() < 0.6 or not has_email
            safe_times = [rng.choice(SAFE_TIMES)] if rng.random() < 0.45 else []
        else:
            voicemail, post = rng.random() < 0.9, True
            safe_times = [rng.choice(SAFE_TIMES)] if rng.random() < 0.02 else []
        email_ok = has_email and (drawn_with_suspect or rng.random() < 0.95)
        # Every demo journey writes to the victim, so each victim can be written to safely:
        # one who lives with the suspect has an email address the Hub may use (a child's
        # letters go to a parent or guardian, who has none here), and one who may not be
        # emailed lets post go to the home address.
        lives_with_suspect = drawn_with_suspect and bool(_recipient_email(person))
        if not (_recipient_email(person) and email_ok) and not lives_with_suspect:
            post = True
        return {
            "voicemail_ok": voicemail and not lives_with_suspect,
            "post_ok": post and not lives_with_suspect,
            "email_ok": email_ok,
            "sms_ok": rng.random() < (0.7 if da else 0.95),
            "lives_with_suspect": lives_with_suspect,
            "safe_times": safe_times,
            "interpreter": person.interpreter,
            "communication_needs": (
                rng.choice(data.COMMUNICATION_NEEDS) if rng.random() < 0.03 else ""
            ),
        }

    def _source_reference(self, source: str, received_at: dt.datetime, crime) -> str:
        if source == ReferralSource.POLICE_API and crime:
            crime["_victims"] = crime.get("_victims", 0) + 1
            return f"CAMBS-{crime['reference'].replace('/', '-')}-V{crime['_victims']}"
        if source == ReferralSource.ADT_BATCH:
            day = received_at.date()
            self._adt_numbers[day] += 1
            return f"ADT-{day:%Y%m%d}-{self._adt_numbers[day]:04d}"
        return ""

    def _leave_recent_unallocated(self) -> None:
        """The newest open cases nobody has touched yet wait in the manager's queue."""
        left = 0
        for plan in reversed(self.plans):
            if left == UNALLOCATED_RECENT:
                break
            realised = plan.realised
            if realised.state == CaseState.CLOSED or realised.has_human_step:
                continue
            if plan.staff_entered or plan.restricted:
                continue
            plan.allocated = False
            left += 1
