"""My work: the queues of cases to act on, and a manager's view of the team's."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET

from casework import selectors
from casework.forms import QueueFilterForm
from casework.plan_selectors import plan_work_due
from hub.roles import CASE_ROLES, Role

# A page of the queue: the cases due first, then the next page. Twenty-five rows keep a
# page quick to read and to serve (rendering rows is most of its time).
QUEUE_LIMIT = 25


@login_required
@require_GET
def my_work(request):
    """The signed-in member of staff's open cases and the force's unallocated ones, by what
    is due first, with filters and counts; a manager also sees the team and can open any
    member's queue (``?member=<id>``)."""
    now = timezone.now()
    user = request.user
    if user.has_role(Role.VOLUNTEER) and not (CASE_ROLES & user.role_names):
        return redirect("my-assignments")
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    is_manager = user.has_role(Role.MANAGER)
    member = user
    wanted = form.cleaned_data.get("member") if form.is_bound and form.is_valid() else None
    if wanted and wanted != user.pk:
        member = selectors.team_member(user, wanted) if is_manager else None
        if member is None:
            raise Http404("No such member of staff.")
    held = selectors.held_by(user, member)
    counts = selectors.queue_counts(held, now=now)
    mine = selectors.queue(held, filters, now=now)
    # A member's queue is theirs alone; the unallocated cases are on the manager's own.
    unallocated = selectors.queue(selectors.unallocated(user), filters, now=now)
    if member != user:
        unallocated = unallocated.none()
    team = selectors.team(user, now=now) if is_manager else []
    requested = (form.cleaned_data.get("page") or 1) if form.is_valid() else 1
    if filters.active:
        rows, mine_count, page = _page(mine, max(requested, 1))
    else:
        # Unfiltered, the count is known already: an empty queue is not asked for.
        mine_count = counts["open"]
        page = min(max(requested, 1), _pages(mine_count))
        start = (page - 1) * QUEUE_LIMIT
        rows = list(mine[start : start + QUEUE_LIMIT]) if mine_count else []
    unallocated_rows, unallocated_count, _ = _page(unallocated, 1)
    pages = _pages(mine_count)
    start = (page - 1) * QUEUE_LIMIT
    return render(
        request,
        "casework/my_work.html",
        {
            "form": form,
            "filtering": filters.active,
            "member": member,
            "counts": counts,
            "mine": rows,
            "mine_count": mine_count,
            "page": page,
            "pages": pages,
            "first_shown": start + 1,
            "last_shown": start + len(rows),
            "query_without_page": _without_page(request.GET),
            "unallocated": unallocated_rows,
            "unallocated_count": unallocated_count,
            "team": team,
            # The team's options, made once: one <select> for each unallocated
            # cases rendered through the template loop cost most of a manager's page.
            "team_options": format_html_join(
                "",
                '<option value="{}">{} ({} open)</option>',
                ((person.pk, person.display_name, person.open_cases) for person in team),
            ),
            "can_allocate": is_manager,
            "now": now,
            "plan_due": plan_work_due(held, member, now=now),
        },
    )


def _pages(count: int) -> int:
    return max(1, -(-count // QUEUE_LIMIT))


def _page(cases, page: int) -> tuple[list, int, int]:
    """The rows of ``page`` (the last page if it is past the end), how many cases there
    are in all, and the page shown. A short first page is the whole count, so it is
    counted only when there is more than a page."""
    rows = list(cases[(page - 1) * QUEUE_LIMIT : page * QUEUE_LIMIT])
    if rows and len(rows) < QUEUE_LIMIT:
        return rows, (page - 1) * QUEUE_LIMIT + len(rows), page
    if page == 1 and not rows:
        return rows, 0, 1
    count = cases.count()
    last = _pages(count)
    if page > last:
        return _page(cases, last)[0], count, last
    return rows, count, page


def _without_page(query) -> str:
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()
