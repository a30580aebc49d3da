"""What is done to a case from its page: status changes, notes and allocation.

One view per action, each calling one service; a refusal by a rule of the Hub comes back
to the case page as a message saying why, and changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from casework import selectors, services
from casework.forms import AllocateForm, CloseForm, NoteForm, TransitionForm
from casework.views.cases import visible_case
from hub.errors import DomainError
from hub.roles import Role


def _change(request, reference, change, done: str, form_class=TransitionForm):
    case = visible_case(request, reference)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("case-detail", reference=case.reference)
    try:
        change(case, form.cleaned_data, by=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("case-detail", reference=case.reference)


@login_required
@require_POST
def case_contact_made(request, reference):
    """The victim got in touch, or was reached, after a letter or email."""
    return _change(
        request,
        reference,
        lambda case, data, **kw: services.record_contact_made(case, reason=data["note"], **kw),
        "Contact with the victim recorded.",
    )


@login_required
@require_POST
def case_start_assessment(request, reference):
    """The victim wants support: the needs assessment begins."""
    return _change(
        request,
        reference,
        lambda case, data, **kw: services.start_assessment(case, reason=data["note"], **kw),
        "Assessment started.",
    )


@login_required
@require_POST
def case_start_support(request, reference):
    """Support begins; refused until the needs assessment is complete."""
    return _change(
        request,
        reference,
        lambda case, data, **kw: services.start_support(case, reason=data["note"], **kw),
        "Support started.",
    )


@login_required
@require_POST
def case_begin_closure(request, reference):
    """Support is ending: the outcomes are to be scored again."""
    return _change(
        request,
        reference,
        lambda case, data, **kw: services.begin_closure(case, reason=data["note"], **kw),
        "Closure begun.",
    )


@login_required
@require_POST
def case_close(request, reference):
    """Close the case with a reason allowed from where it stands."""
    return _change(
        request,
        reference,
        lambda case, data, **kw: services.close_case(
            case, reason=data["closure_reason"], note=data["note"], **kw
        ),
        "Case closed.",
        CloseForm,
    )


@login_required
@require_POST
def case_reopen(request, reference):
    """Reopen a closed case for a new assessment; the reason is required."""
    return _change(
        request,
        reference,
        lambda case, data, **kw: services.reopen_case(case, reason=data["note"], **kw),
        "Case reopened.",
    )


@login_required
@require_POST
def case_add_note(request, reference):
    """Put a note on the case's timeline."""
    case = visible_case(request, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_case_note(
                case, text=form.cleaned_data["text"], by=request.user, now=timezone.now()
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Note added.")
    else:
        messages.error(request, " ".join(form.errors["text"]))
    return redirect("case-detail", reference=case.reference)


@login_required
@require_POST
def case_allocate(request, reference):
    """A manager gives the case to a member of the team, or back to the queue."""
    if not request.user.has_role(Role.MANAGER):
        raise Http404("No such page.")
    case = visible_case(request, reference)
    form = AllocateForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if form.is_valid():
        wanted = form.cleaned_data["to"]
        to = selectors.team_member(request.user, wanted) if wanted else None
        if wanted and to is None:
            messages.error(request, "Choose a member of the team.")
        else:
            try:
                services.allocate_case(case, to=to, by=request.user, now=timezone.now())
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                who = to.display_name if to else "the unallocated queue"
                messages.success(request, f"{case.reference} allocated to {who}.")
    else:
        messages.error(request, "Choose a member of the team.")
    return redirect(back or "case-detail", **({} if back else {"reference": case.reference}))
