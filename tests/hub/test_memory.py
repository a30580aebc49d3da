"""The collector paused around a batch: off inside, back as it was after, whatever happens."""

from __future__ import annotations

import gc
import threading

import pytest

from hub.memory import collection_paused


@pytest.fixture(autouse=True)
def collector_running():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_in_the_block_and_runs_again_after_it_even_on_an_error():
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"), collection_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_off_before_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_pauses_in_two_threads_at_once_end_with_the_last():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collection_paused():
            first_in.set()
            second_in.wait(5)
        seen["after first"] = gc.isenabled()
        first_out.set()

    def second():
        first_in.wait(5)
        with collection_paused():
            second_in.set()
            first_out.wait(5)
            seen["inside second"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"after first": False, "inside second": False}
    assert gc.isenabled()
