"""The idle-time garbage collector of the fast path (switched on and off by `queue_server.runtime`)."""

from __future__ import annotations

import asyncio
import gc


class IdleCollector:
    """Runs the cyclic garbage collector between bursts instead of in the middle of one.

    Traced in bench/call_delivery.py (500 boards): the collector, triggered by allocation counts,
    fell inside delivery bursts — a young collection of 10,000 objects took ~11 ms and a
    generation-1 one 25–46 ms in such a worker, and since a burst's frames leave at the end of
    the loop turn, every board's copy waited (the p99 of delivery). Python's default threshold
    (700) moved the cost into full collections inside calls instead. So, while a hub runs, the
    automatic collector is off and this task collects the young generation when no request is in
    flight, nothing has been delivered or answered for IDLE_S, and enough has been allocated, with Python's own rhythm between
    generations (every 10th young collection also the middle one, every 10th of those a full
    one). HARD_CAP keeps memory bounded when the worker is never idle: past it, a collection runs
    regardless, as often as the automatic collector would have.
    """

    CHECK_S = 0.01
    IDLE_S = 0.015
    IDLE_MIN = 2_000  # young objects worth a collection when idle
    HARD_CAP = 10_000  # the automatic threshold this worker had before

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.last_busy = 0.0
        self.requests = 0  # HTTP requests in flight (app.RequestGate)
        self.collections = 0
        self._was_enabled = gc.isenabled()

    def busy(self) -> None:
        self.last_busy = self._loop.time()

    def request_started(self) -> None:
        self.requests += 1

    def request_finished(self) -> None:
        self.requests -= 1
        self.busy()

    def step(self) -> bool:
        """Collect if due now; whether it did."""
        young = gc.get_count()[0]
        idle = self.requests == 0 and self._loop.time() - self.last_busy > self.IDLE_S
        if not ((idle and young > self.IDLE_MIN) or young > self.HARD_CAP):
            return False
        self.collections += 1
        gc.collect(2 if self.collections % 100 == 0 else 1 if self.collections % 10 == 0 else 0)
        return True

    async def run(self) -> None:
        gc.disable()
        try:
            while True:
                await asyncio.sleep(self.CHECK_S)
                self.step()
        finally:
            if self._was_enabled:
                gc.enable()
