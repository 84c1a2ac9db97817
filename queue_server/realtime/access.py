"""Opening a stream without holding the database: the per-worker pieces of the handshake (issue 21).

When every board of a province reconnects at once (a restart, a network blip), each handshake
used to read the token, write the device's last-seen time and read the catch-up: three
connections per board, thousands at once. Here:

- `StreamAuth`: a stream's authorisation (token × centre → device, or refused for good because
  revoked), cached per worker for `ws_auth_cache_s`. It is dropped at once when a device is revoked
  or a user changed: the committing worker calls `Hub.access_changed`, which clears its own cache
  and tells the other workers through Redis (`<redis_prefix>:access`, hub.redis_channels); a
  worker also clears it when its pump delivers a `device.revoked` event. (Without Redis, a worker
  not watching the revoked device's centre trusts its cache until the entry's age runs out.)
- `SeenDevices`: a board's stream is its sign of life; the last-seen times of the devices whose
  streams opened or beat are written together, at most once a second per worker.
- `Admission`: handshakes are admitted at `ws_handshakes_per_s` per worker. A handshake waits for
  its turn up to `ws_admission_wait_s`; beyond that it is answered with close code 1013 ("try
  again later") and the reason `retry_after_ms=N`, N the time the backlog needs plus jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool

from ..auth.security import token_digest

log = logging.getLogger(__name__)


class StreamAuth:
    """(token, centre) → (device id or None for staff, close code or None), for `ttl_s` seconds."""

    def __init__(self, ttl_s: float, max_entries: int = 50_000):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, int], tuple[float, int | None, int | None]] = OrderedDict()
        self.generation = 0  # bumped by every clear: an answer read before a clear is not stored

    def get(self, token: str | None, centre_id: int, now: float) -> tuple[int | None, int | None] | None:
        if self.ttl_s <= 0 or not token:
            return None
        entry = self._entries.get((token_digest(token), centre_id))
        if entry is None or now - entry[0] > self.ttl_s:
            return None
        return entry[1], entry[2]

    def put(
        self, token: str | None, centre_id: int, now: float, device_id: int | None, code: int | None, generation: int
    ) -> None:
        if self.ttl_s <= 0 or not token or generation != self.generation:
            return
        key = (token_digest(token), centre_id)
        self._entries[key] = (now, device_id, code)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


class SeenDevices:
    """Last-seen times of streaming devices, written in one statement per second at most."""

    def __init__(self, db, *, every_s: float = 60.0, flush_after_s: float = 1.0):
        self.db = db
        self.every_s = every_s  # a device's time is rewritten at most this often
        self.flush_after_s = flush_after_s
        self._written: dict[int, float] = {}
        self._pending: set[int] = set()
        self._flush: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task] = set()

    def seen(self, device_id: int | None, now: float, loop: asyncio.AbstractEventLoop) -> None:
        if device_id is None:
            return
        last = self._written.get(device_id)
        if last is not None and now - last < self.every_s:
            return
        self._written[device_id] = now
        self._pending.add(device_id)
        if self._flush is None:
            self._flush = loop.call_later(self.flush_after_s, self._start_flush)

    def _start_flush(self) -> None:
        self._flush = None
        ids, self._pending = sorted(self._pending), set()
        task = asyncio.ensure_future(run_in_threadpool(self._write, ids))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("writing devices' last-seen times failed: %s", task.exception())

    def _write(self, ids: list[int]) -> None:
        from sqlalchemy import update

        from ..auth.models import Device
        from ..timeutil import utcnow

        with self.db.unit_of_work() as s:
            s.execute(update(Device).where(Device.id.in_(ids)).values(last_seen_at=utcnow()))

    async def stop(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._start_flush()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class Admission:
    """A token bucket of handshakes: `rate` per second, a backlog of at most `wait_s` seconds."""

    def __init__(self, rate: float, wait_s: float):
        self.rate = rate
        self.wait_s = wait_s
        # One second's worth may start at once, and never less than one handshake (below one a
        # second, a bucket of `rate` tokens would refuse even the first board).
        self.burst = max(1.0, rate)
        self._tokens = self.burst
        self._at: float | None = None
        self.refused = 0  # handshakes told to come back later (for the bench and the logs)

    def take(self, now: float) -> tuple[float, int | None]:
        """(seconds to wait before going on, None) when admitted; (0, retry-after ms) when not."""
        if self._at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        delay = (1 - self._tokens) / self.rate if self._tokens < 1 else 0.0
        if delay > self.wait_s:
            self.refused += 1
            # Come back once the backlog has drained, spread over as long again so that the
            # refused do not all return in the same instant.
            return 0.0, int(1000 * (delay + random.uniform(0.0, delay)))
        self._tokens -= 1
        return delay, None
