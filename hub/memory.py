"""The garbage collector around work that makes many objects at once."""

from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collection_paused():
    """Run the block with the cyclic garbage collector paused.

    A 500-referral batch makes some hundred thousand objects that live until its answer
    is sent. The collector, counting them as they are made, walks them again and again
    while the batch still holds every one: a quarter of the batch's CPU, for nothing to
    free. Paused, it frees the batch's cycles once the batch is over (the next request's
    start collects the young generations, ``hub.wsgi``). Objects freed by their reference
    counts go at once either way. Pauses in several threads at once nest: the collector
    runs again when the last one ends, if it ran before the first.
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
