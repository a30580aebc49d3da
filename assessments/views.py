"""The DVNA as a guided conversation, and the outcome scores at closure.

Each step is its own page and is saved when answered, so the conversation can stop and
resume; the overview lists the steps with what has been answered.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assessments import dvna as conversation
from assessments import services
from assessments.forms import OUTCOME_QUESTIONS, NeedForm, OutcomeScoresForm
from assessments.models import Dvna, OutcomeStage
from casework.views.cases import visible_case
from hub import audit
from hub.audit import AuditAction
from hub.errors import DomainError


def score_rows(scores) -> list[tuple[str, int | None]]:
    """The four outcomes as (question, score) pairs, for showing; none without scores."""
    if scores is None:
        return []
    return [(label, getattr(scores, name)) for name, label in OUTCOME_QUESTIONS.items()]


def _current_dvna(case) -> Dvna | None:
    """The DVNA in progress, else the case's latest one."""
    return (
        case.dvnas.select_related("started_by")
        .prefetch_related("needs")
        .order_by(F("completed_at").desc(nulls_first=True), "-started_at")
        .first()
    )


@login_required
def case_dvna(request, reference):
    """The DVNA's steps, what has been answered, and completing it."""
    case = visible_case(request, reference)
    dvna = _current_dvna(case)
    now = timezone.now()
    if dvna is not None:
        audit.for_case(
            AuditAction.CONSULTATION,
            case,
            by=request.user,
            object_type="dvna",
            object_id=dvna.pk,
            fields=["dvna"],
            at=now,
        )
    answers = {need.category: need for need in dvna.needs.all()} if dvna else {}
    scores = services.start_scores(case)
    steps = [
        {
            "step": step,
            "answer": answers.get(step.slug),
            "done": (scores is not None and scores.is_complete)
            if step.slug == conversation.OUTCOMES_STEP
            else step.slug in answers,
        }
        for step in conversation.STEPS
    ]
    return render(
        request,
        "assessments/dvna.html",
        {
            "case": case,
            "dvna": dvna,
            "steps": steps,
            "score_rows": score_rows(scores),
            "missing": [s for s in steps if not s["done"]],
            "can_start": case.state in services.ASSESSABLE
            and (dvna is None or dvna.completed_at is not None),
        },
    )


@login_required
@require_POST
def case_dvna_start(request, reference):
    """Open the DVNA (or a re-assessment) and go to its first step."""
    case = visible_case(request, reference)
    try:
        dvna = services.open_dvna(case, by=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("case-dvna", reference=case.reference)
    missing = services.missing_steps(dvna)
    first = missing[0] if missing else conversation.STEP_SLUGS[0]
    return redirect("case-dvna-step", reference=case.reference, step=first)


@login_required
@require_http_methods(["GET", "POST"])
def case_dvna_step(request, reference, step):
    """One step of the conversation: the outcomes, or one need category."""
    case = visible_case(request, reference)
    current = conversation.step(step)
    if current is None:
        raise Http404("No such step.")
    dvna = Dvna.objects.filter(case=case, completed_at__isnull=True).first()
    if dvna is None:
        messages.error(request, "Start the needs assessment first.")
        return redirect("case-dvna", reference=case.reference)
    is_outcomes = current.slug == conversation.OUTCOMES_STEP
    form_class = OutcomeScoresForm if is_outcomes else NeedForm
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            now = timezone.now()
            try:
                if is_outcomes:
                    services.record_outcome_scores(
                        case,
                        stage=OutcomeStage.START,
                        scores=form.cleaned_data,
                        by=request.user,
                        now=now,
                    )
                else:
                    services.record_need(
                        dvna,
                        category=current.slug,
                        level=form.cleaned_data["level"],
                        notes=form.cleaned_data["notes"],
                        by=request.user,
                        now=now,
                    )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                return _after_step(case, dvna, current.slug)
    else:
        form = form_class(initial=_initial(case, dvna, current.slug, is_outcomes))
    index = conversation.STEP_SLUGS.index(current.slug)
    return render(
        request,
        "assessments/dvna_step.html",
        {
            "case": case,
            "dvna": dvna,
            "step": current,
            "form": form,
            "number": index + 1,
            "total": len(conversation.STEPS),
            "is_outcomes": is_outcomes,
        },
    )


def _initial(case, dvna, slug, is_outcomes) -> dict:
    if is_outcomes:
        scores = services.start_scores(case)
        return {n: getattr(scores, n) for n in OUTCOME_QUESTIONS} if scores else {}
    need = dvna.needs.filter(category=slug).first()
    return {"level": need.level, "notes": need.notes} if need else {}


def _after_step(case, dvna, slug):
    """The next step not yet answered, going on from this one; the overview at the end."""
    missing = services.missing_steps(dvna)
    later = [
        m for m in missing if conversation.STEP_SLUGS.index(m) > conversation.STEP_SLUGS.index(slug)
    ]
    target = (later or missing or [None])[0]
    if target is None:
        return redirect("case-dvna", reference=case.reference)
    return redirect("case-dvna-step", reference=case.reference, step=target)


@login_required
@require_POST
def case_dvna_complete(request, reference):
    """Complete the DVNA; refused, with what is missing, until every step is answered."""
    case = visible_case(request, reference)
    dvna = Dvna.objects.filter(case=case, completed_at__isnull=True).first()
    if dvna is None:
        messages.error(request, "There is no needs assessment in progress.")
        return redirect("case-dvna", reference=case.reference)
    try:
        services.complete_dvna(dvna, by=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("case-dvna", reference=case.reference)
    messages.success(request, "Needs assessment complete. Agree the cope and recovery plan.")
    return redirect("case-detail", reference=case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def case_closing_outcomes(request, reference):
    """The four outcomes scored again at closure, for distance travelled."""
    case = visible_case(request, reference)
    start = services.start_scores(case)
    if request.method == "POST":
        form = OutcomeScoresForm(request.POST)
        if form.is_valid():
            try:
                services.record_outcome_scores(
                    case,
                    stage=OutcomeStage.CLOSE,
                    scores=form.cleaned_data,
                    by=request.user,
                    now=timezone.now(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Outcomes at closure recorded. Close the case.")
                return redirect("case-detail", reference=case.reference)
    else:
        form = OutcomeScoresForm()
    return render(
        request,
        "assessments/closing_outcomes.html",
        {"case": case, "form": form, "score_rows": score_rows(start)},
    )
