"""A manager's disclosure of a confidential self-referral to police."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework.disclosure import disclose_self_referral
from casework.forms import DisclosureForm
from casework.views.cases import visible_case
from hub.errors import DomainError
from hub.roles import Role


@login_required
@require_http_methods(["GET", "POST"])
def case_disclose(request, reference):
    """The form, and recording the disclosure; only for a manager, on a confidential case."""
    case = visible_case(request, reference)
    if not (request.user.has_role(Role.MANAGER) and case.referral.confidential_from_police):
        raise Http404("No such page.")
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disclose_self_referral(case, **form.cleaned_data, by=request.user, now=timezone.now())
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The disclosure is recorded on the case.")
            return redirect("case-detail", reference=case.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "casework/disclose.html", {"case": case, "form": form}, status=status)
