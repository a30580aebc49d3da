"""The WSGI entry point: what gunicorn loads."""

import gc
import weakref

from django.core.signals import request_started


class _Node:
    pass


def test_a_request_frees_the_last_request_s_reference_cycles_as_it_starts():
    import hub.wsgi

    # given an object in a reference cycle, left by a request, that gc has not reached
    gc.collect()  # (anything older out of the way: the next collection is the signal's)
    node = _Node()
    node.itself = node
    gone = weakref.ref(node)
    del node
    assert gone() is not None
    # when the next request starts, then the cycle is freed
    request_started.send(sender=hub.wsgi.__name__, environ={})
    assert gone() is None
