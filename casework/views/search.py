"""The staff search: finding a case by name, reference, postcode, phone or email."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework.search import MIN_LENGTH, RESULT_LIMIT, read_terms, search_cases
from hub import audit
from hub.audit import AuditAction
from hub.roles import CASE_ROLES

# What a search result shows of each victim, for the audit log.
RESULT_FIELDS = ["name", "date_of_birth", "postcode", "crime_reference"]


@login_required
@require_GET
def search(request):
    """Cases of the user's force matching ``q``, best first; just the form without one."""
    if not CASE_ROLES & request.user.role_names:
        raise Http404("No such page.")
    terms = read_terms(request.GET.get("q", ""))
    context = {"q": terms.text, "min_length": MIN_LENGTH, "limit": RESULT_LIMIT}
    if terms.searchable:
        found = context["found"] = search_cases(request.user, terms)
        # Each case listed is a consultation of it, with the search as its reason.
        audit.record_many(
            [
                audit.about_case(
                    AuditAction.CONSULTATION,
                    case,
                    by=request.user,
                    fields=RESULT_FIELDS,
                    reason="Listed in search results.",
                )
                for case in found.cases
            ]
        )
    elif terms.text:
        context["too_short"] = True
    return render(request, "casework/search.html", context)
