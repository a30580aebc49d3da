import gc
import os

from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()


def freeze_loaded_objects() -> None:
    """Leave what the process has loaded (Django, the apps, every view) out of the garbage
    collector's full passes.

    A 500-referral batch makes enough objects to set off many full collections, and each
    one walked the hundred thousand objects of the loaded code again: about half of a
    batch's CPU. Those objects live as long as the process anyway. Run once a worker has
    loaded everything, after a collection, so that no garbage is frozen with them.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every URLconf and view)
    gc.collect()
    gc.freeze()


def collect_between_requests(**_) -> None:
    """Free the last request's reference cycles as the next one starts.

    A request leaves about a hundred objects in cycles (Django's and DRF's request,
    view and response point at each other, as do a referral and its case). Collected
    young, they cost a fraction of a millisecond; left to the collector's own rhythm,
    those alive at a collection in the middle of a request were moved on to the oldest
    generation, and every few hundred requests a full collection freed them all at once:
    a pause of 50 to 90 ms that every request queued behind it waited out. At the start
    of a request the previous one's objects are garbage, so nothing of it moves on.
    """
    gc.collect(1)


freeze_loaded_objects()
request_started.connect(collect_between_requests, dispatch_uid="hub.wsgi.collect")
