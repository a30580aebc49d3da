from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import selectors

QUEUE_LIMIT = 50


@login_required
@require_GET
def my_work(request):
    """The signed-in member of staff's cases and the force's unallocated ones, by urgency."""
    mine = selectors.work_queue(request.user)
    unallocated = selectors.unallocated_queue(request.user)
    return render(
        request,
        "casework/my_work.html",
        {
            "mine": mine[:QUEUE_LIMIT],
            "mine_count": mine.count(),
            "unallocated": unallocated[:QUEUE_LIMIT],
            "unallocated_count": unallocated.count(),
        },
    )
