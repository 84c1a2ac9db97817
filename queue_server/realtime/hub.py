"""Fan-out of committed events to the WebSocket clients of this worker.

The event table is the truth. A commit wakes the hub with (centre, seq); the hub reads what it
has not yet delivered from the database and hands it to every subscriber in order. With several
workers, commits elsewhere arrive through Redis pub/sub; without Redis the hub tails the table.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from ..db import Database
from .access import Admission, SeenDevices, StreamAuth
from .mailbox import Mailbox
from .service import events_after, last_seq, last_seqs, recent_events, wire

log = logging.getLogger(__name__)

# A wake for a seq not yet in the table is normally another worker's commit not yet visible here,
# seen a few milliseconds later: re-read every 20 ms, but at most this many times. A seq the table
# never gets (another installation on the same Redis channels, a table restored from an older
# backup) would otherwise be re-read for ever; past the bound the periodic tail takes over.
AHEAD_RETRIES = 25
AHEAD_RETRY_S = 0.02


def redis_channels(prefix: str) -> tuple[str, str]:
    """The installation's pub/sub channels: (committed events, access changes). One Redis may
    serve several installations; each hears only its own."""
    return f"{prefix}:events", f"{prefix}:access"


# ASGI extension of queue_server.realtime.wsprotocol (defined here so that the stream does not
# import uvicorn internals: without that protocol it simply sends message by message).
SEND_MANY = "motcua.websocket.send_many"

# Markers a subscription's queue may hold besides (seq, text) and None (= close and reconnect).
CLOSED = object()  # the client went away
HEARTBEAT = object()  # nothing sent for a heartbeat interval
REVOKED = object()  # the subscriber's device was revoked: close its stream for good
REVOKED_EVENT = "device.revoked"
# Events kept per watched centre, so that a client resuming after a short drop (a restart, a
# network blip) is answered from memory: 64 is about a dozen calls (a call is ~5 events).
RECENT_EVENTS = 64


class Pacer(Protocol):
    """Told when the hub delivers (queue_server.runtime.collector.IdleCollector, on the fast path)."""

    def busy(self) -> None: ...


@dataclass(eq=False, slots=True)  # one per board: no per-instance __dict__ (mailbox.py says why it counts)
class Subscription:
    centre_id: int
    device_id: int | None = None  # the device behind the stream (None: staff)
    queue: Mailbox = field(default_factory=lambda: Mailbox(maxsize=2000))
    overflowed: bool = False
    closed: bool = False
    last_sent: int = 0  # seq of the last event handed to the socket
    last_active: float = 0.0  # loop time of the last message sent (heartbeats)
    # Set by the stream when its server can write frames without awaiting (see wsprotocol.py):
    # write_now(texts) -> bool, False when it cannot right now (closing, paused for flow control).
    write_now: Callable[[list[str]], bool] | None = None
    busy: bool = True  # the stream's own sender is working (catching up, sending, closing)


class Hub:
    def __init__(
        self,
        db: Database,
        *,
        redis_url: str | None = None,
        redis_prefix: str = "motcua",
        tail_interval_s: float = 0.2,
        auth_cache_s: float = 60.0,
        handshakes_per_s: float = 250.0,
        admission_wait_s: float = 2.0,
    ):
        self.db = db
        self.redis_url = redis_url
        self.events_channel, self.access_channel = redis_channels(redis_prefix)
        self.tail_interval_s = tail_interval_s
        self._subs: dict[int, set[Subscription]] = {}
        self._delivered: dict[int, int] = {}
        self._wanted: dict[int, int] = {}
        self._pumps: dict[int, asyncio.Task] = {}
        self._warned_ahead: set[int] = set()  # centres whose wake past the table was logged
        # Per watched centre: the last events delivered, (seq, text) — the texts sent to the streams,
        # so a resume from memory sends the very same bytes — and a snapshot (seq, text) taken at a
        # seq this worker has delivered, shared by every stream that needs one at that seq.
        self._recent: dict[int, deque[tuple[int, str]]] = {}
        self._snapshots: dict[int, tuple[int, str]] = {}
        # Per watched centre: the last catch-up read from the database, (since, [(seq, text)…]) up to
        # the seq it was read at. After a restart every board of a centre resumes from about the
        # same seq, further back than `_recent`: one read answers them all.
        self._catch_ups: dict[int, tuple[int, list[tuple[int, str]]]] = {}
        self.revoked_devices: set[int] = set()  # seen in delivered events (checked after subscribing)
        self.auth = StreamAuth(auth_cache_s)
        self.seen = SeenDevices(db)
        self.admission = Admission(handshakes_per_s, admission_wait_s)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        self._redis = None
        # Whether Redis is carrying the other workers' commits now; while it is not (an outage),
        # the table is tailed at `tail_interval_s` as without Redis, not at the 2 s safety pace.
        self._redis_ok = False
        # Set by queue_server.runtime while its idle-time collector runs (the fast path); told of
        # every delivery, so that collections fall between bursts.
        self.collector: Pacer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(self.redis_url, socket_connect_timeout=1, socket_keepalive=True)
            self._tasks.append(asyncio.create_task(self._listen_redis()))
        self._tasks.append(asyncio.create_task(self._tail()))

    async def stop(self) -> None:
        for t in self._tasks + list(self._pumps.values()):
            t.cancel()
        await asyncio.gather(*self._tasks, *self._pumps.values(), return_exceptions=True)
        self._tasks.clear()
        self._pumps.clear()
        await self.seen.stop()
        if self._redis is not None:
            await self._redis.aclose()
        for subs in self._subs.values():
            for sub in subs:
                sub.queue.put_nowait(None)

    # -- producers -------------------------------------------------------------------------
    def notify(self, centre_id: int, seq: int) -> None:
        """Called after a commit, from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._wake, centre_id, seq)
        if self._redis is not None:
            asyncio.run_coroutine_threadsafe(self._publish(centre_id, seq), loop)

    def access_changed(self) -> None:
        """A device was revoked or a user changed (after commit, from any thread): every worker
        forgets the stream authorisations it cached."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.auth.clear)
        if self._redis is not None:
            asyncio.run_coroutine_threadsafe(self._publish_access(), loop)

    async def _publish_access(self) -> None:
        try:
            await self._redis.publish(self.access_channel, "1")
        except Exception:  # the cached entries still age out (ws_auth_cache_s)
            log.warning("redis: could not tell the other workers that access changed")

    async def _publish(self, centre_id: int, seq: int) -> None:
        try:
            await self._redis.publish(self.events_channel, json.dumps({"centre": centre_id, "seq": seq}))
        except Exception:  # the tail catches up
            self._redis_down("publish failed")

    async def _listen_redis(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(self.events_channel, self.access_channel)
                if not self._redis_ok:
                    log.info("redis fan-out active")
                    self.auth.clear()  # what changed while Redis was away was not heard
                self._redis_ok = True
                async for msg in pubsub.listen():
                    if msg.get("type") == "message":
                        channel = msg.get("channel")
                        if channel in (self.access_channel, self.access_channel.encode()):
                            self.auth.clear()
                            continue
                        body = json.loads(msg["data"])
                        self._wake(int(body["centre"]), int(body["seq"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                self._redis_down("subscription lost")
                await asyncio.sleep(1)

    def _redis_down(self, what: str) -> None:
        """Once per outage: say so, and tail the event table at the pace used without Redis."""
        if self._redis_ok:
            log.warning("redis %s: other workers' events come from the event table until it is back", what)
        self._redis_ok = False

    async def _tail(self) -> None:
        """Safety net and multi-worker fan-out without Redis: poll the latest seq per watched centre."""
        while True:
            await asyncio.sleep(2.0 if self._redis is not None and self._redis_ok else self.tail_interval_s)
            centres = [c for c, subs in self._subs.items() if subs]
            if not centres:
                continue
            try:
                latest = await run_in_threadpool(self._latest, centres)
            except Exception:
                log.warning("event tail failed", exc_info=True)
                continue
            for c, seq in latest.items():
                self._wake(c, seq)

    def _latest(self, centres: list[int]) -> dict[int, int]:
        with self.db.reading() as s:
            return last_seqs(s, centres)

    # -- delivery --------------------------------------------------------------------------
    def _wake(self, centre_id: int, seq: int) -> None:
        if not self._subs.get(centre_id):
            return
        if seq <= self._delivered.get(centre_id, 0):
            return
        self._wanted[centre_id] = max(self._wanted.get(centre_id, 0), seq)
        pump = self._pumps.get(centre_id)
        if pump is None or pump.done():
            self._pumps[centre_id] = asyncio.create_task(self._pump(centre_id))

    async def _pump(self, centre_id: int) -> None:
        empty_reads = 0
        while self._wanted.get(centre_id, 0) > self._delivered.get(centre_id, 0):
            since = self._delivered.get(centre_id, 0)
            try:
                events = await run_in_threadpool(self._read, centre_id, since)
            except Exception:
                log.warning("reading events failed", exc_info=True)
                await asyncio.sleep(0.2)
                continue
            if not events:
                empty_reads += 1
                if empty_reads > AHEAD_RETRIES:
                    self._give_up_ahead(centre_id)
                    return
                # Woken ahead of visibility (another worker's commit not yet seen): retry shortly.
                await asyncio.sleep(AHEAD_RETRY_S)
                continue
            empty_reads = 0
            # Encoded once per centre and worker, not once per client: with hundreds of boards this is
            # the hot path. The same str objects go to every stream (and their frames are built once).
            msgs = [(msg["seq"], json.dumps(msg, ensure_ascii=False)) for msg in events]
            recent = self._recent.get(centre_id)
            if recent is not None:
                newest = recent[-1][0] if recent else -1
                recent.extend(m for m in msgs if m[0] > newest)
            try:
                self._deliver(centre_id, msgs)
            except Exception:
                # Never the pump's end: the boards of this centre would freeze. A client that missed
                # these reconnects with `since` and replays them.
                log.exception(
                    "delivering events %s–%s of centre %s failed", events[0]["seq"], events[-1]["seq"], centre_id
                )
            self._delivered[centre_id] = events[-1]["seq"]
            revoked = {msg["data"].get("device_id") for msg in events if msg["type"] == REVOKED_EVENT}
            if revoked:
                self.revoked_devices.update(d for d in revoked if d is not None)
                self.auth.clear()
                self._close_devices(centre_id, revoked)

    def _give_up_ahead(self, centre_id: int) -> None:
        """Stop waiting for the seq this worker was woken for; the periodic tail wakes it again for
        whatever the table really gets (it reads the table's own last seq)."""
        wanted, delivered = self._wanted.get(centre_id, 0), self._delivered.get(centre_id, 0)
        self._wanted[centre_id] = delivered
        level = logging.DEBUG if centre_id in self._warned_ahead else logging.WARNING
        self._warned_ahead.add(centre_id)
        log.log(
            level,
            "centre %s: woken for event %s, ahead of the event table (at %s) after %d reads; "
            "left to the periodic tail (another installation on the same Redis prefix?)",
            centre_id,
            wanted,
            delivered,
            AHEAD_RETRIES + 1,
        )

    def _read(self, centre_id: int, since: int) -> list[dict]:
        with self.db.reading() as s:
            return [wire(e) for e in events_after(s, centre_id, since, limit=1000)]

    def _deliver(self, centre_id: int, msgs: list[tuple[int, str]]) -> None:
        if self.collector is not None:
            self.collector.busy()
        now = self._loop.time() if self._loop is not None else 0.0
        for sub in list(self._subs.get(centre_id, ())):
            if sub.write_now is not None and not sub.busy and sub.queue.empty():
                # Its sender is idle and nothing is queued before these: write them now, in order,
                # without waking the sender's task (one task step less per client and burst).
                texts = [text for seq, text in msgs if seq > sub.last_sent]
                if not texts:
                    continue
                try:
                    written = sub.write_now(texts)
                except Exception:
                    # One client's socket (or a library that changed under the fast path) must not
                    # cost the others their events: this client is sent to through its own sender
                    # from now on, like a client of a server without the extension.
                    log.exception("writing to a client of centre %s failed; its sender takes over", centre_id)
                    sub.write_now = None
                    written = False
                if written:
                    sub.last_sent = msgs[-1][0]
                    sub.last_active = now
                    continue
            self._enqueue(centre_id, sub, msgs)

    def _enqueue(self, centre_id: int, sub: Subscription, msgs: list[tuple[int, str]]) -> None:
        for msg in msgs:
            try:
                sub.queue.put_nowait(msg)
            except asyncio.QueueFull:
                # A stuck client: cut it loose; it reconnects with `since` and replays.
                sub.overflowed = True
                self._subs[centre_id].discard(sub)
                sub.queue.get_nowait()
                sub.queue.put_nowait(None)
                break

    def _close_devices(self, centre_id: int, device_ids: set) -> None:
        """Revoked devices: stop feeding their streams and have their senders close them (4410)."""
        for sub in list(self._subs.get(centre_id, ())):
            if sub.device_id in device_ids:
                self.unsubscribe(sub)
                try:
                    sub.queue.put_nowait(REVOKED)
                except asyncio.QueueFull:
                    sub.queue.get_nowait()
                    sub.queue.put_nowait(REVOKED)

    # -- consumers -------------------------------------------------------------------------
    async def subscribe(self, centre_id: int, device_id: int | None = None) -> Subscription:
        sub = Subscription(centre_id, device_id)
        subs = self._subs.setdefault(centre_id, set())
        if not subs:
            # First watcher of this centre here: start from the current end of the log, with the
            # last few events in memory for the clients resuming after a drop.
            latest, recent = await run_in_threadpool(self._latest_one, centre_id)
            subs = self._subs.setdefault(centre_id, set())
            if not subs:  # (another first watcher may have finished meanwhile)
                self._delivered[centre_id] = latest
                self._recent[centre_id] = deque(recent, maxlen=RECENT_EVENTS)
                self._snapshots.pop(centre_id, None)
        subs.add(sub)
        return sub

    def _latest_one(self, centre_id: int) -> tuple[int, list[tuple[int, str]]]:
        with self.db.reading() as s:
            latest = last_seq(s, centre_id)
            recent = [wire(e) for e in recent_events(s, centre_id, latest, RECENT_EVENTS)]
        return latest, [(msg["seq"], json.dumps(msg, ensure_ascii=False)) for msg in recent]

    def replay(self, centre_id: int, since: int | None) -> tuple[list[str], int] | None:
        """What a client resuming from `since` missed, from memory, and the seq it ends at; None
        when memory cannot say (no `since`, a gap older than the kept events, a client ahead of
        this worker)."""
        delivered = self._delivered.get(centre_id)
        recent = self._recent.get(centre_id)
        if since is None or delivered is None or recent is None or since > delivered:
            return None
        if since == delivered:
            return [], since
        if not recent or recent[-1][0] != delivered or recent[0][0] > since + 1:
            return None
        missed = [text for seq, text in recent if seq > since]
        return (missed, delivered) if len(missed) == delivered - since else None  # no hole in memory

    def catch_up(self, centre_id: int, since: int | None) -> tuple[list[str], int] | None:
        """What a client resuming from `since` missed, from the last catch-up read of its centre:
        only when that read reaches this worker's delivered seq (later events come through the
        client's queue, subscribed before this is asked) and began at or before `since`."""
        cached = self._catch_ups.get(centre_id)
        if since is None or cached is None:
            return None
        start, events = cached
        end = events[-1][0]
        if not start <= since <= end or end < self._delivered.get(centre_id, 0):
            return None
        return [text for seq, text in events if seq > since], end

    def keep_catch_up(self, centre_id: int, since: int, events: list[tuple[int, str]]) -> None:
        if events and self._subs.get(centre_id):
            self._catch_ups[centre_id] = (since, events)

    def snapshot_at(self, centre_id: int) -> tuple[int, str] | None:
        """A snapshot taken at the seq this worker has delivered, if one was taken since."""
        cached = self._snapshots.get(centre_id)
        if cached is not None and cached[0] == self._delivered.get(centre_id):
            return cached
        return None

    def keep_snapshot(self, centre_id: int, seq: int, text: str) -> None:
        if seq == self._delivered.get(centre_id) and self._subs.get(centre_id):
            self._snapshots[centre_id] = (seq, text)

    def delivered(self, centre_id: int) -> int | None:
        return self._delivered.get(centre_id)

    def close(self, sub: Subscription) -> None:
        """The client hung up: stop feeding it and wake its sender."""
        self.unsubscribe(sub)
        sub.closed = True
        try:
            sub.queue.put_nowait(CLOSED)
        except asyncio.QueueFull:
            pass  # its sender is busy and checks `closed` before the next item

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.centre_id)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:  # nobody here watches the centre: its memory goes (reloaded by the next watcher)
            self._recent.pop(sub.centre_id, None)
            self._snapshots.pop(sub.centre_id, None)
            self._catch_ups.pop(sub.centre_id, None)

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subs.values())
