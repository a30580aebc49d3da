"""Writes of the DVNA and the outcome scores.

The DVNA is a guided conversation: the four outcomes first, then a step per need category.
Each step is saved as it is answered, so a co-ordinator can stop mid-call and carry on
later from where they were; completing it needs every step answered.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from assessments.models import (
    OUTCOME_FIELDS,
    Dvna,
    DvnaNeed,
    NeedLevel,
    OutcomeScores,
    OutcomeStage,
)
from casework.models import Case, CaseEventKind, CaseState, NeedCategory
from casework.services import log_case_event
from hub import audit
from hub.audit import AuditAction
from hub.errors import AssessmentRefused

# The states in which a victim is (re-)assessed: first in assessment, later in support
# when their circumstances change (the Victims' Code's right to be re-assessed).
ASSESSABLE = (CaseState.ASSESSMENT, CaseState.SUPPORT)


def open_dvna(case: Case, *, by, now: dt.datetime) -> Dvna:
    """The case's DVNA in progress, started now if there is none; a case in neither
    assessment nor support is refused."""
    if case.state not in ASSESSABLE:
        raise AssessmentRefused(
            f"A case in {case.get_state_display().lower()} is not being assessed: "
            "start the assessment first."
        )
    current = Dvna.objects.filter(case=case, completed_at__isnull=True).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            dvna = Dvna.objects.create(
                case=case, episode=case.episode, started_at=now, started_by=by
            )
            log_case_event(
                case,
                kind=CaseEventKind.ASSESSMENT,
                reason="Needs assessment (DVNA) started.",
                by=by,
                now=now,
                detail={"dvna": dvna.pk},
                audit_action=AuditAction.COLLECTION,
                object_type="dvna",
                object_id=dvna.pk,
                fields=["dvna"],
            )
    except IntegrityError:
        # Another co-ordinator opened it at the same moment: theirs is the one.
        return Dvna.objects.get(case=case, completed_at__isnull=True)
    return dvna


def start_scores(case: Case) -> OutcomeScores | None:
    return OutcomeScores.objects.filter(
        case=case, episode=case.episode, stage=OutcomeStage.START
    ).first()


def _checked_scores(scores: dict) -> dict:
    cleaned = {}
    for name in OUTCOME_FIELDS:
        value = scores.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise AssessmentRefused(f"Score {name.replace('_', ' ')} from 1 to 5.")
        cleaned[name] = value
    return cleaned


def record_outcome_scores(
    case: Case, *, stage: str, scores: dict, by, now: dt.datetime
) -> OutcomeScores:
    """Record the four outcomes (1 to 5 each) at assessment or at closure, for the current
    episode. Scores at assessment are fixed once a DVNA of the episode is complete, and
    those at closure are taken only while the case is closing, so "distance travelled"
    always compares the start with the end."""
    values = _checked_scores(scores)
    if stage == OutcomeStage.START:
        if case.dvnas.filter(episode=case.episode, completed_at__isnull=False).exists():
            raise AssessmentRefused(
                "The outcomes at assessment were fixed when the DVNA was completed."
            )
        if case.state not in ASSESSABLE:
            raise AssessmentRefused("Outcomes at assessment are scored during the DVNA.")
    elif stage == OutcomeStage.CLOSE:
        if case.state != CaseState.CLOSING:
            raise AssessmentRefused("Outcomes at closure are scored once closure has begun.")
    else:
        raise AssessmentRefused(f"Unknown stage {stage!r}.")
    with transaction.atomic():
        row, created = OutcomeScores.objects.select_for_update().update_or_create(
            case=case,
            episode=case.episode,
            stage=stage,
            defaults={**values, "recorded_at": now, "recorded_by": by},
        )
        label = OutcomeStage(stage).label.lower()
        summary = ", ".join(f"{name} {values[name]}" for name in OUTCOME_FIELDS)
        log_case_event(
            case,
            kind=CaseEventKind.OUTCOMES,
            reason=f"Outcomes {label}{'' if created else ' (corrected)'}: {summary}.",
            by=by,
            now=now,
            detail={"stage": stage, **values},
            audit_action=AuditAction.COLLECTION if created else AuditAction.ALTERATION,
            object_type="outcome_scores",
            object_id=row.pk,
            fields=OUTCOME_FIELDS,
        )
    return row


def record_need(
    dvna: Dvna, *, category: str, level: str, notes: str, by, now: dt.datetime
) -> DvnaNeed:
    """Save one step of the conversation: the level of need in a category and the notes.
    Answering a step again replaces its answer until the DVNA is complete."""
    if dvna.completed_at is not None:
        raise AssessmentRefused("This DVNA is complete: start a re-assessment to change it.")
    if category not in NeedCategory.values:
        raise AssessmentRefused(f"Unknown need category {category!r}.")
    if level not in NeedLevel.values:
        raise AssessmentRefused("Choose the level of need.")
    with transaction.atomic():
        need, created = DvnaNeed.objects.update_or_create(
            dvna=dvna,
            category=category,
            defaults={
                "level": level,
                "notes": notes.strip(),
                "recorded_at": now,
                "recorded_by": by,
            },
        )
        audit.for_case(
            AuditAction.COLLECTION if created else AuditAction.ALTERATION,
            dvna.case,
            by=by,
            object_type="dvna",
            object_id=dvna.pk,
            fields=[f"need.{category}"],
            at=now,
        )
    return need


def missing_steps(dvna: Dvna) -> list[str]:
    """The steps still to answer, in the conversation's order."""
    answered = set(dvna.needs.values_list("category", flat=True))
    missing = [] if _scores_complete(dvna.case) else ["outcomes"]
    return missing + [c for c in NeedCategory.values if c not in answered]


def _scores_complete(case: Case) -> bool:
    scores = start_scores(case)
    return scores is not None and scores.is_complete


def complete_dvna(dvna: Dvna, *, by, now: dt.datetime) -> Dvna:
    """Complete the DVNA once every step is answered; the plan's goals come from it."""
    with transaction.atomic():
        locked = Dvna.objects.select_for_update().select_related("case").get(pk=dvna.pk)
        if locked.completed_at is not None:
            return locked
        missing = missing_steps(locked)
        if missing:
            names = [
                "the four outcomes" if m == "outcomes" else NeedCategory(m).label.lower()
                for m in missing
            ]
            raise AssessmentRefused(f"Still to answer: {', '.join(names)}.")
        locked.completed_at = now
        locked.completed_by = by
        locked.save(update_fields=["completed_at", "completed_by", "updated_at"])
        needs = [n for n in locked.needs.all() if n.is_planned]
        found = "; ".join(
            f"{NeedCategory(n.category).label} ({NeedLevel(n.level).name.lower()})" for n in needs
        )
        log_case_event(
            locked.case,
            kind=CaseEventKind.ASSESSMENT,
            reason=f"Needs assessment complete. Needs: {found or 'none found'}.",
            by=by,
            now=now,
            detail={"dvna": locked.pk, "needs": {n.category: n.level for n in needs}},
            audit_action=AuditAction.ALTERATION,
            object_type="dvna",
            object_id=locked.pk,
            fields=["completed_at"],
        )
    return locked


def erase_assessment_notes(case: Case) -> list[str]:
    """Blank what the victim said in the case's DVNAs, keeping the levels of need and the
    outcome scores (they hold nothing that names anyone, and the reports count them);
    returns the names of the fields erased. For ``casework.retention`` only."""
    DvnaNeed.objects.filter(dvna__case=case).exclude(notes="").update(notes="")
    return ["dvna.notes"]
