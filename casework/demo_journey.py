"""What happens to one demo case, in time: calls, letters, the DVNA, support and closure.

``JourneyPlanner.plan`` draws a case's whole journey from the generator it is given, then
``Journey.until(cutoff)`` keeps what had happened before the as-of moment, so that recent
cases are still open at an earlier stage. Human steps (calls, assessments, closures) fall
within the Hub's opening hours, and calls within the victim's safe times as well;
system steps (the triage, the letters, the 14-day no-contact sweep) at any hour.

Besides its state changes a journey holds the records the live system keeps: each phone
call (``Call``: its number, the safe window it was made in, what came of it) and each
letter or email (``Written``). ``until`` splits them at the as-of moment into what was
done (calls recorded, letters sent) and what was due next (the one planned call of a case
awaiting contact, or a letter not yet sent), as ``casework.contact`` would have left them.

The shares of outcomes are drawn from shuffled blocks (``Blocks``) rather than one coin
per case, so that every large enough run shows the service's published rates exactly, not just
on average, while any single case stays unpredictable. Details the journey's course does not
depend on (whether an unanswered call left a voicemail) come from a second generator, so
that drawing them never reshuffles the journeys themselves.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from assessments.models import OutcomeStage
from casework.contact_plan import MIN_WINDOW, Window, contact_windows
from casework.models import CaseState, ClosureReason, ContactOutcome
from hub.calendar import LONDON, WorkingCalendar, local_date
from letters.models import Purpose

MINUTE = dt.timedelta(minutes=1)
# A call or a piece of work starts early enough to end, with its follow-up steps, before
# the Hub closes.
MARGIN = 40 * MINUTE
SWEEP_TIME = dt.time(6, 30)  # when the nightly jobs have run (letters closed out, sweeps)
PRINT_RUN = (dt.time(9, 0), dt.time(11, 0))  # the morning post: information letters go out
NO_CONTACT_DAYS = 14

# Among victims reached by phone (from the Cambridgeshire Hub's first six months).
OUTCOMES_NON_DA = {"declined": 11, "supported": 31, "single_contact": 58}
OUTCOMES_DA = {"declined": 13, "supported": 38, "single_contact": 49}
# On which of the three attempts a victim with needs is reached (0: never, letter sent).
# About 61% are reached, so that ~7% of all victims contacted by phone or letter decline.
REACHED_ON_ATTEMPT = {1: 40, 2: 14, 3: 7, 0: 39}
# Where the victim allows voicemail, the share of unanswered calls that leave one.
VOICEMAIL_SHARE = 0.6
SEARCH_DAYS = 120  # how far ahead a call's window is looked for


class Blocks:
    """Draws values in shuffled blocks holding each value ``count`` times."""

    def __init__(self, rng: random.Random, counts: dict):
        self._rng = rng
        self._block = [value for value, count in counts.items() for _ in range(count)]
        self._queue: list = []

    def draw(self):
        if not self._queue:
            self._queue = list(self._block)
            self._rng.shuffle(self._queue)
        return self._queue.pop()


class Clock:
    """Opening periods and contact bands of one force's calendar, cached by day."""

    def __init__(self, calendar: WorkingCalendar):
        self.calendar = calendar
        self._periods: dict[dt.date, tuple[dt.datetime, dt.datetime] | None] = {}
        self._windows: dict[tuple, list[Window]] = {}

    def period(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        if day not in self._periods:
            found = self.calendar.open_period(day)
            self._periods[day] = (found.opens, found.closes) if found else None
        return self._periods[day]

    def windows(self, day: dt.date, safe_times: list[dict]) -> list[Window]:
        """The day's contact bands, cut to the opening hours and the victim's safe times."""
        # The demo offers each victim one of a handful of safe-time lists, and asks about the
        # same few days again and again while it plans thousands of calls.
        key = (day, tuple((t["days"], t["from"], t["to"]) for t in safe_times))
        if key not in self._windows:
            self._windows[key] = contact_windows(self.calendar, day, safe_times)
        return self._windows[key]

    def moment(
        self, rng: random.Random, start: dt.datetime, end: dt.datetime, margin=MINUTE * 5
    ) -> dt.datetime:
        """A minute between ``start`` and ``margin`` before ``end``."""
        span = max(0, int((end - start - margin) / MINUTE))
        return start + rng.randint(0, span) * MINUTE

    def closes(self, moment: dt.datetime) -> dt.datetime | None:
        period = self.period(local_date(moment))
        return period[1] if period else None

    def slot(
        self,
        rng: random.Random,
        after: dt.datetime,
        safe_times: list[dict],
        *,
        avoid: frozenset[str] = frozenset(),
        skip_days: int = 0,
    ) -> tuple[dt.datetime, Window]:
        """A call after ``after``, in a band not in ``avoid`` when one is open within 3 days,
        and the window it falls in: a contact window of its day, from ``after`` at the
        earliest."""
        day = local_date(after)
        seen = 0
        for offset in range(SEARCH_DAYS):
            windows = [
                Window(w.band, max(w.start, after), w.end)
                for w in self.windows(day + dt.timedelta(days=offset), safe_times)
                if w.end - max(w.start, after) >= MARGIN + 10 * MINUTE
            ]
            if not windows:
                continue
            seen += 1
            if seen <= skip_days:
                continue
            fresh = [w for w in windows if w.band not in avoid]
            if fresh or seen > skip_days + 3:
                chosen = rng.choice(fresh or windows)
                return self.moment(rng, chosen.start, chosen.end, MARGIN), chosen
        raise ValueError(f"no contact window in {SEARCH_DAYS} days: check the safe times")

    def first_start(self, after: dt.datetime, safe_times: list[dict]) -> dt.datetime:
        """Where ``casework.contact_plan.plan_attempt`` starts a first call planned at
        ``after``: the earliest safe window that leaves ``MIN_WINDOW``."""
        day = local_date(after)
        for offset in range(SEARCH_DAYS):
            for window in self.windows(day + dt.timedelta(days=offset), safe_times):
                start = max(window.start, after)
                if window.end - start >= MIN_WINDOW:
                    return start
        raise ValueError(f"no contact window in {SEARCH_DAYS} days: check the safe times")

    def open_moment(self, rng: random.Random, after: dt.datetime, *, days: int = 0) -> dt.datetime:
        """A moment the Hub is open, ``days`` open days after ``after`` (0: as soon as open)."""
        day = local_date(after)
        for offset in range(30):
            period = self.period(day + dt.timedelta(days=offset))
            if period is None or period[1] - max(period[0], after) < MARGIN + 10 * MINUTE:
                continue
            if days:
                days -= 1
                continue
            return self.moment(rng, max(period[0], after), period[1], MARGIN)
        raise ValueError("the Hub is never open")


@dataclass(frozen=True)
class Step:
    """One state change: when, to what, whether a person made it, and why."""

    at: dt.datetime
    to_state: str
    human: bool
    reason: str
    detail: dict = field(default_factory=dict)
    closure_reason: str = ""


@dataclass(frozen=True)
class Call:
    """One phone attempt: planned in a safe window, made at ``at`` and recorded then."""

    number: int  # 1 to 3
    at: dt.datetime
    planned_at: dt.datetime  # when the case opened, or the call before was recorded
    window: Window  # a contact window of its day (opening hours and safe times)
    outcome: str  # a ContactOutcome value
    late: bool = False  # a first call no safe window allowed by its deadline


@dataclass(frozen=True)
class Written:
    """A letter or email: planned (due) when something called for it, sent later."""

    purpose: str  # a letters.Purpose value
    trigger: str
    due_at: dt.datetime
    sent_at: dt.datetime
    channel: str  # "email" or "post"


@dataclass(frozen=True)
class Scores:
    stage: str
    at: dt.datetime
    health: int | None
    coping: int | None
    safety: int | None
    empowerment: int | None


@dataclass
class Journey:
    steps: list[Step] = field(default_factory=list)
    dvna: tuple[dt.datetime, dt.datetime] | None = None
    scores: list[Scores] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    letters: list[Written] = field(default_factory=list)

    def until(self, cutoff: dt.datetime) -> Realised:
        """What had happened before ``cutoff``: the state, its fields and its records, and
        what was due next (a planned call, a letter not yet sent)."""
        steps = [s for s in self.steps if s.at < cutoff]
        state = steps[-1].to_state if steps else CaseState.NEW
        # A case still awaiting contact has its next call planned; once the victim is
        # reached, or the calls are over, none is.
        next_call = None
        if state == CaseState.AWAITING_CONTACT:
            next_call = next((c for c in self.calls if c.at >= cutoff), None)
        closed = steps[-1] if state == CaseState.CLOSED else None
        dvna = None
        if self.dvna and self.dvna[0] < cutoff:
            dvna = (self.dvna[0], self.dvna[1] if self.dvna[1] < cutoff else None)
        return Realised(
            steps=steps,
            state=state,
            closure_reason=closed.closure_reason if closed else "",
            closed_at=closed.at if closed else None,
            first_contact_at=next(
                (s.at for s in steps if s.to_state == CaseState.IN_CONTACT), None
            ),
            support_started_at=next((s.at for s in steps if s.to_state == CaseState.SUPPORT), None),
            dvna=dvna,
            scores=[s for s in self.scores if s.at < cutoff],
            calls=[c for c in self.calls if c.at < cutoff],
            next_call=next_call,
            letters_sent=[w for w in self.letters if w.sent_at < cutoff],
            letters_due=[w for w in self.letters if w.due_at < cutoff <= w.sent_at],
        )


@dataclass(frozen=True)
class Realised:
    steps: list[Step]
    state: str
    closure_reason: str
    closed_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    support_started_at: dt.datetime | None
    dvna: tuple[dt.datetime, dt.datetime | None] | None
    scores: list[Scores]
    calls: list[Call]  # made and recorded
    next_call: Call | None  # planned, not yet made
    letters_sent: list[Written]
    letters_due: list[Written]  # planned, not yet sent

    @property
    def has_human_step(self) -> bool:
        """Whether a person has worked on the case: a call made, or a state changed."""
        return bool(self.calls) or any(s.human for s in self.steps)


@dataclass(frozen=True)
class CaseFacts:
    """What the journey depends on, known at triage."""

    received_at: dt.datetime
    allocated_at: dt.datetime
    has_needs: bool
    domestic_abuse: bool
    first_contact_due: dt.datetime | None
    safe_times: list[dict]
    written_channel: str  # "email" or "post", as letters.sending.choose_channel would choose
    voicemail: bool = False  # whether the safe-contact instructions allow one


class JourneyPlanner:
    """Plans journeys case by case, in received order, from one random generator (and a
    second for details the journeys do not depend on)."""

    def __init__(self, rng: random.Random, clock: Clock, detail_rng: random.Random):
        self.rng = rng
        self.clock = clock
        self.detail_rng = detail_rng
        self._reached = Blocks(rng, REACHED_ON_ATTEMPT)
        self._outcomes = {False: Blocks(rng, OUTCOMES_NON_DA), True: Blocks(rng, OUTCOMES_DA)}

    def plan(self, facts: CaseFacts) -> Journey:
        if not facts.has_needs:
            return self._information_only(facts)
        journey = Journey(
            steps=[
                Step(facts.received_at, CaseState.AWAITING_CONTACT, False, "Triaged with needs.")
            ]
        )
        attempts = self._attempts(facts)
        reached_on = self._reached.draw()
        if reached_on == 0:
            journey.calls = self._calls(facts, attempts, reached=None)
            return self._no_contact(facts, journey, [at for at, _ in attempts])
        reached_at = attempts[reached_on - 1][0]
        journey.steps.append(
            Step(
                reached_at,
                CaseState.IN_CONTACT,
                True,
                f"Spoke to the victim on phone attempt {reached_on}.",
                # "number", as a call's own event names it ("attempt" is its id there).
                {"number": reached_on, "channel": "phone"},
            )
        )
        outcome = self._outcomes[facts.domestic_abuse].draw()
        spoke = ContactOutcome.DECLINED if outcome == "declined" else ContactOutcome.WANTS_SUPPORT
        journey.calls = self._calls(facts, attempts[:reached_on], reached=spoke)
        if outcome == "declined":
            self._close(journey, reached_at + self._minutes(5, 15), ClosureReason.DECLINED)
        elif outcome == "supported":
            self._supported(journey, reached_at)
        else:
            self._single_contact(journey, reached_at)
        return journey

    # ---- the branches ----

    def _information_only(self, facts: CaseFacts) -> Journey:
        sent_on = self.clock.calendar.add_working_days(local_date(facts.received_at), 1)
        sent_at = self.clock.moment(
            self.rng,
            dt.datetime.combine(sent_on, PRINT_RUN[0], tzinfo=LONDON),
            dt.datetime.combine(sent_on, PRINT_RUN[1], tzinfo=LONDON),
        )
        what = "email" if facts.written_channel == "email" else "letter"
        closes_on = sent_on + dt.timedelta(days=self.rng.randint(21, 35))
        journey = Journey(
            steps=[
                Step(
                    sent_at,
                    CaseState.INFORMATION_SENT,
                    False,
                    f"Information {what} sent.",
                    {"channel": facts.written_channel},
                )
            ],
            # Planned when the case opened (letters.planning), sent with the morning post.
            letters=[
                Written(
                    Purpose.INFORMATION,
                    "referral",
                    facts.received_at,
                    sent_at,
                    facts.written_channel,
                )
            ],
        )
        self._close(
            journey,
            dt.datetime.combine(closes_on, SWEEP_TIME, tzinfo=LONDON),
            ClosureReason.INFORMATION_ONLY,
            human=False,
        )
        return journey

    def _no_contact(self, facts: CaseFacts, journey: Journey, attempts: list) -> Journey:
        sent_at = attempts[-1] + self._minutes(5, 40)
        what = "email" if facts.written_channel == "email" else "letter"
        journey.steps.append(
            Step(
                sent_at,
                CaseState.UNABLE_TO_CONTACT,
                False,
                f"Three phone attempts failed: unable-to-contact {what} sent.",
                {"attempts": [a.isoformat() for a in attempts], "channel": facts.written_channel},
            )
        )
        # Planned when the third call was recorded as failed (casework.contact).
        journey.letters.append(
            Written(
                Purpose.UNABLE_TO_CONTACT, "episode-1", attempts[-1], sent_at, facts.written_channel
            )
        )
        closes_on = local_date(sent_at) + dt.timedelta(days=NO_CONTACT_DAYS)
        self._close(
            journey,
            dt.datetime.combine(closes_on, SWEEP_TIME, tzinfo=LONDON),
            ClosureReason.NO_CONTACT,
            human=False,
        )
        return journey

    def _supported(self, journey: Journey, reached_at: dt.datetime) -> None:
        rng, clock = self.rng, self.clock
        started = reached_at + self._minutes(3, 10)
        journey.steps.append(
            Step(started, CaseState.ASSESSMENT, True, "The victim wants support: DVNA started.")
        )
        completed = started + self._minutes(35, 70)
        closes = clock.closes(started)
        if rng.random() >= 0.45 or closes is None or completed > closes - 25 * MINUTE:
            completed = clock.open_moment(rng, started, days=rng.randint(1, 8))
        journey.dvna = (started, completed)
        start_scores = [rng.choices((1, 2, 3, 4), (15, 40, 35, 10))[0] for _ in range(4)]
        journey.scores.append(Scores(OutcomeStage.START, completed, *start_scores))
        support_at = completed + self._minutes(2, 20)
        journey.steps.append(
            Step(
                support_at, CaseState.SUPPORT, True, "DVNA complete: cope and recovery plan agreed."
            )
        )
        weeks = rng.triangular(2, 17, 6)
        closing_at = clock.open_moment(rng, support_at + dt.timedelta(weeks=weeks))
        close_scores = [
            min(5, max(1, s + rng.choices((-1, 0, 1, 2, 3), (5, 20, 45, 25, 5))[0]))
            for s in start_scores
        ]
        journey.scores.append(Scores(OutcomeStage.CLOSE, closing_at, *close_scores))
        journey.steps.append(
            Step(
                closing_at, CaseState.CLOSING, True, "Exit strategy agreed: outcomes scored again."
            )
        )
        if rng.random() < 0.6:
            closed_at = closing_at + self._minutes(5, 30)
        else:
            closed_at = clock.open_moment(rng, closing_at, days=rng.randint(1, 4))
        self._close(journey, closed_at, ClosureReason.SUPPORT_COMPLETE)

    def _single_contact(self, journey: Journey, reached_at: dt.datetime) -> None:
        rng = self.rng
        scored_at = reached_at + self._minutes(8, 20)
        empowerment = rng.choices((3, 4, 5), (30, 50, 20))[0]
        journey.scores.append(Scores(OutcomeStage.CLOSE, scored_at, None, None, None, empowerment))
        journey.steps.append(
            Step(
                scored_at + MINUTE,
                CaseState.CLOSING,
                True,
                "Information and emotional support given in one call: better informed.",
            )
        )
        if rng.random() < 0.7:
            closed_at = scored_at + self._minutes(2, 10)
        else:
            closed_at = self.clock.open_moment(rng, scored_at, days=1)
        self._close(journey, closed_at, ClosureReason.SINGLE_CONTACT_SUPPORT)

    # ---- helpers ----

    def _attempts(self, facts: CaseFacts) -> list[tuple[dt.datetime, Window]]:
        """Three calls and their windows: the first by its deadline (a few late), then in
        other bands, each at least two hours after the one before."""
        rng, clock = self.rng, self.clock
        after = facts.allocated_at + self._minutes(10, 40)
        skip = rng.choices((0, 1, 2), (60, 30, 10))[0]
        first, window = clock.slot(rng, after, facts.safe_times, skip_days=skip)
        due = facts.first_contact_due
        # Most of the time a VCC who would be late makes the deadline after all.
        if skip and due and first > due and rng.random() < 0.8:
            first, window = clock.slot(rng, after, facts.safe_times)
        attempts, used = [(first, window)], {window.band}
        for _ in range(2):
            at, window = clock.slot(
                rng,
                attempts[-1][0] + dt.timedelta(hours=2),
                facts.safe_times,
                avoid=frozenset(used),
                skip_days=rng.choice((0, 1)),
            )
            attempts.append((at, window))
            used.add(window.band)
        return attempts

    def _calls(
        self, facts: CaseFacts, attempts: list[tuple[dt.datetime, Window]], *, reached
    ) -> list[Call]:
        """The calls as recorded: all failed but the one that reached the victim, if any."""
        due = facts.first_contact_due
        first_start = self.clock.first_start(facts.received_at, facts.safe_times)
        calls = []
        planned_at = facts.received_at
        for number, (at, window) in enumerate(attempts, start=1):
            if reached and number == len(attempts):
                outcome = reached
            elif facts.voicemail and self.detail_rng.random() < VOICEMAIL_SHARE:
                outcome = ContactOutcome.VOICEMAIL_LEFT
            else:
                outcome = ContactOutcome.NO_ANSWER
            late = number == 1 and due is not None and due - first_start < MIN_WINDOW
            calls.append(Call(number, at, planned_at, window, outcome.value, late))
            planned_at = at
        return calls

    def _close(
        self, journey: Journey, at: dt.datetime, reason: ClosureReason, *, human: bool = True
    ) -> None:
        journey.steps.append(
            Step(at, CaseState.CLOSED, human, str(reason.label), closure_reason=reason.value)
        )

    def _minutes(self, low: int, high: int) -> dt.timedelta:
        return self.rng.randint(low, high) * MINUTE
