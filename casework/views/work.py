"""My work: the queues of cases to act on, and a manager's view of the team's."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casework import selectors
from casework.forms import QueueFilterForm
from hub.roles import Role

QUEUE_LIMIT = 50


@login_required
@require_GET
def my_work(request):
    """The signed-in member of staff's open cases and the force's unallocated ones, by what
    is due first, with filters and counts; a manager also sees the team and can open any
    member's queue (``?member=<id>``)."""
    now = timezone.now()
    user = request.user
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
    unallocated = selectors.queue(selectors.unallocated(user), filters, now=now)
    team = selectors.team(user, now=now) if is_manager else []
    return render(
        request,
        "casework/my_work.html",
        {
            "form": form,
            "filtering": filters.active,
            "member": member,
            "counts": counts,
            "mine": mine[:QUEUE_LIMIT],
            "mine_count": mine.count() if filters.active else counts["open"],
            "unallocated": unallocated[:QUEUE_LIMIT],
            "unallocated_count": unallocated.count(),
            "team": team,
            "can_allocate": is_manager,
            "now": now,
        },
    )
