"""The hub's idle-time collector: garbage is still collected, never in the middle of a burst unless
memory demands it, and the automatic collector is back once the hub stops."""

import asyncio
import gc
import time
import weakref

import pytest

from queue_server.runtime.collector import IdleCollector


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the collector frees it


def test_cyclic_garbage_is_collected_while_the_server_runs_and_the_collector_is_restored(settings):
    from fastapi.testclient import TestClient

    from queue_server.app import create_app

    app = create_app(settings.model_copy(update={"fast_path": True}))  # (whatever MOTCUA_FAST_PATH says)
    with TestClient(app):
        assert not gc.isenabled(), "the hub runs the collector itself"
        refs = [weakref.ref(Node()) for _ in range(5_000)]  # garbage from the start: only cycles hold them
        deadline = time.monotonic() + 5
        while any(r() is not None for r in refs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(r() is None for r in refs), "the idle collector freed the cycles"
    assert gc.isenabled(), "the automatic collector is back once the server stops"


@pytest.fixture
def manual_gc():
    was = gc.isenabled()
    gc.disable()
    gc.collect()
    yield
    if was:
        gc.enable()


def test_a_busy_worker_collects_only_past_the_hard_cap(manual_gc):
    loop = asyncio.new_event_loop()
    try:
        collector = IdleCollector(loop)
        collector.busy()
        keep = [[] for _ in range(IdleCollector.IDLE_MIN + 500)]  # young and alive: counted
        assert not collector.step(), "busy, and below the cap: no pause now"
        keep += [[] for _ in range(IdleCollector.HARD_CAP)]
        assert collector.step(), "past the cap it collects even while busy"
        keep += [[] for _ in range(IdleCollector.IDLE_MIN + 500)]
        collector.last_busy = loop.time() - 1  # quiet for a second
        assert collector.step(), "idle, with enough allocated: it collects"
        assert not collector.step(), "and not again until more is allocated"
        keep += [[] for _ in range(IdleCollector.IDLE_MIN + 500)]
        collector.request_started()
        collector.last_busy = loop.time() - 1
        assert not collector.step(), "a request in flight: not now"
        collector.request_finished()
        assert not collector.step(), "it has just been answered: not yet"
        collector.last_busy = loop.time() - 1
        assert collector.step()
        del keep
    finally:
        loop.close()
