"""Staff-entered referrals: a self-referral, a partner agency's referral or a transfer in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from hub.errors import ConsentRequired
from hub.roles import CASE_ROLES
from referrals.entry import FormAlreadySent, enter_referral
from referrals.forms import StaffReferralForm, issue_form_token
from referrals.people import offence_table


def _entering_force(request):
    """The user's force, for the roles that work on cases; otherwise 404, as if no page."""
    user = request.user
    if not (CASE_ROLES & user.role_names) or user.force_id is None:
        raise Http404("No such page.")
    return user.force


def _page(request, form, *, token, status=200, sent_case=None):
    context = {
        "form": form,
        "form_token": token,
        "offences": offence_table().values(),
        "sent_case": sent_case,
    }
    return render(request, "referrals/new_referral.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def new_referral(request):
    """Enter a referral by hand; it goes through the API's intake and opens a triaged case."""
    force = _entering_force(request)
    if request.method == "GET":
        return _page(request, StaffReferralForm(), token=issue_form_token(timezone.now()))
    form = StaffReferralForm(request.POST)
    if not form.is_valid():
        # The same key again, so that the corrected form is still the one referral; a new
        # key only where the one sent could not be read.
        token = request.POST["form_token"] if form.key else issue_form_token(timezone.now())
        return _page(request, form, token=token, status=400)
    try:
        entered = enter_referral(
            force,
            form.referral_input(),
            key=form.key,
            note=form.referrer_note(),
            by=request.user,
            now=timezone.now(),
        )
    except ConsentRequired as exc:
        form.add_error("consent_basis", str(exc).rstrip("."))
        return _page(request, form, token=request.POST["form_token"], status=400)
    except FormAlreadySent as exc:
        # Sent again after a change (back, edit, send): nothing is recorded twice. A new
        # key lets the member of staff send it as another referral if that is what it is.
        return _page(
            request,
            form,
            token=issue_form_token(timezone.now()),
            status=409,
            sent_case=exc.referral.case,
        )
    case = entered.referral.case
    if entered.created:
        messages.success(
            request, f"Referral recorded: case {case.reference}, priority P{case.priority}."
        )
    else:
        messages.info(request, f"This referral was already recorded as case {case.reference}.")
    return redirect("case-detail", reference=case.reference)
