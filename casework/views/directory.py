"""The services directory: where a victim can be referred on to, found by need and area."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import directory
from casework.forms import DirectoryFilterForm
from hub.roles import DIRECTORY_ROLES


def _uses_directory(request) -> None:
    if not DIRECTORY_ROLES & request.user.role_names:
        raise Http404("No such page.")


@login_required
@require_GET
def services(request):
    """The force's active services meeting the need, area and words asked for, by name, a
    page at a time."""
    _uses_directory(request)
    form = DirectoryFilterForm(request.GET or None, areas=directory.areas_served(request.user))
    filters = form.filters() if form.is_bound else directory.DirectoryFilters()
    found = directory.find_services(request.user, filters)
    page = Paginator(found, directory.PAGE_SIZE).get_page(form.page_number if form.is_bound else 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/services.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query_without_page": query.urlencode(),
        },
    )


@login_required
@require_GET
def service_detail(request, pk):
    """One of the force's services; another force's, or none, is 404."""
    _uses_directory(request)
    service = directory.service_for_page(request.user, pk)
    if service is None:
        raise Http404("No such service.")
    return render(request, "casework/service_detail.html", {"service": service})
