import gc
import os

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


freeze_loaded_objects()
