"""Correcting a victim's details from their case page (the right to rectification)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework.forms import VictimDetailsForm
from casework.rectification import correct_victim_details
from casework.views.cases import visible_case
from hub.errors import DomainError
from referrals.services import CORRECTABLE_FIELDS


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_details(request, reference):
    case = visible_case(request, reference)
    person = case.person
    initial = {name: getattr(person, name) for name in CORRECTABLE_FIELDS}
    form = VictimDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            changed = correct_victim_details(
                case, values=data, reason=reason, by=request.user, now=timezone.now()
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "The details are corrected." if changed else "Nothing was changed."
            )
            return redirect("case-detail", reference=case.reference)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "casework/victim_details.html", {"case": case, "form": form}, status=status
    )
