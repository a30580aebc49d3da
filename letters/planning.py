"""Planning letters: the rows other apps write, in their own transactions, to have a
letter or email sent. Sending is ``letters.sending``'s, on a worker."""

from __future__ import annotations

import datetime as dt

from letters.models import Letter, LetterStatus


def new_letter(case, *, purpose: str, trigger: str, due_at: dt.datetime) -> Letter:
    """An unsaved planned letter, for writers that insert many rows at once (intake)."""
    return Letter(
        case=case,
        episode=case.episode,
        purpose=purpose,
        trigger=trigger,
        due_at=due_at,
        status=LetterStatus.PLANNED,
    )


def plan_letter(case, *, purpose: str, trigger: str, due_at: dt.datetime) -> Letter:
    """Plan the letter for (case, purpose, trigger) once: planning it again returns the
    first one, unchanged. Runs in the caller's transaction, so it is planned only if the
    change that calls for it commits."""
    letter, _ = Letter.objects.get_or_create(
        case=case,
        purpose=purpose,
        trigger=trigger,
        defaults={"episode": case.episode, "due_at": due_at},
    )
    return letter
