"""The tablet's server link: start-up look-ups, the event stream and the outbox sender.

Runs as sibling asyncio tasks next to Kivy's own loop (App.async_run). It never touches widgets:
it calls the app's small methods (`show_counter`, `start_rating`, …), which only set properties.
"""

from __future__ import annotations

import asyncio
import logging

from queue_server.client import app_version, nap, retrying, send_heartbeats

from .net import EventStream, ServerError, TabletClient, Unreachable
from .outbox import Outbox

log = logging.getLogger(__name__)


class Link:
    def __init__(self, app, config, outbox: Outbox):
        self.app = app
        self.config = config
        self.outbox = outbox
        self.client = TabletClient(config.server_url, token=config.device_token, timeout=5.0)
        self.device: dict | None = outbox.recall("device")
        self.wake = asyncio.Event()
        self.wake.set()  # ratings left from before a restart go out at once
        self.stream: EventStream | None = None

    async def run(self) -> None:
        """Sender, stream and heartbeats side by side until cancelled."""
        await asyncio.gather(
            self.run_sender(), self.run_stream(), send_heartbeats(self.client, app_version("tablet"), dict)
        )

    # -- start-up -------------------------------------------------------------------------
    async def _until_answered(self, call):
        async for attempt in retrying(Unreachable, initial_s=0.5, max_s=10.0, name="tablet start-up"):
            with attempt:
                return await call()

    async def refresh(self) -> None:
        """Who this tablet is, its counter and officer, the criteria list (cached for offline starts)."""
        self.device = await self._until_answered(self.client.device_me)
        self.outbox.remember("device", self.device)
        counter = await self._until_answered(lambda: self.client.counter(self.device["counter_id"]))
        self.outbox.remember("counter", counter)
        self.app.show_counter(counter)
        await self.refresh_criteria()

    async def refresh_criteria(self) -> None:
        try:
            criteria = await self.client.criteria()
        except (Unreachable, ServerError) as exc:
            log.info("criteria not refreshed: %s", exc)
            return
        self.outbox.remember("criteria", criteria)
        self.app.set_criteria(criteria)

    # -- the event stream -----------------------------------------------------------------
    async def run_stream(self) -> None:
        if self.outbox.recall("counter"):
            self.app.show_counter(self.outbox.recall("counter"))
        if self.outbox.recall("criteria"):
            self.app.set_criteria(self.outbox.recall("criteria"))
        # A revoked token or a wrong centre: say so, and try again (an admin may fix it).
        async for attempt in retrying(
            ServerError, initial_s=5.0, max_s=30.0, on_retry=self._refused, name="tablet link"
        ):
            with attempt:
                await self.follow()

    async def follow(self) -> None:
        """Look the counter up, then apply its events until the stream is closed."""
        await self.refresh()
        self.stream = EventStream(
            self.config.server_url,
            self.device["centre_id"],
            self.config.device_token,
            on_connection=self._connection,
            silence_timeout_s=20.0,
            backoff_max_s=5.0,
        )
        async for message in self.stream:
            self.handle(message)

    def _refused(self, exc: ServerError, _attempt: int) -> None:
        log.warning("tablet link refused: %s", exc)
        self.app.set_problem(exc.message)

    def _connection(self, connected: bool) -> None:
        self.app.set_connected(connected)
        if connected:
            self.wake.set()

    def handle(self, message) -> None:
        counter_id = self.device["counter_id"]
        data = message.data
        if message.type == "snapshot":
            for view in data.get("counters", []):
                if view.get("id") == counter_id:
                    self.outbox.remember("counter", view)
                    self.app.show_counter(view)
            asyncio.get_running_loop().create_task(self.refresh_criteria())
        elif message.type == "counter.updated" and data.get("id") == counter_id:
            self.outbox.remember("counter", data)
            self.app.show_counter(data)
        elif message.type == "rating.requested" and data.get("counter_id") == counter_id:
            self.app.start_rating(data)

    # -- the outbox sender ----------------------------------------------------------------
    async def run_sender(self) -> None:
        """Send the outbox when a rating is added or the link comes back; while the server does not
        take them, try again with backoff, at most ``send_interval_s`` apart."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            async for attempt in retrying(
                _worth_retrying, max_s=self.config.send_interval_s, sleep=self._nap, name="outbox"
            ):
                with attempt:
                    await self.flush()

    async def _nap(self, seconds: float) -> None:
        """The wait between two tries, cut short by a new rating or the link coming back."""
        await nap(seconds, self.wake)

    async def flush(self) -> None:
        """Send every pending rating; raise at the first one the server may take later."""
        try:
            while batch := self.outbox.pending():
                for entry in batch:
                    await self._send(entry)
        finally:
            self.app.set_outbox_counts(self.outbox.counts())

    async def _send(self, entry) -> None:
        try:
            await self.client.post_rating(entry.body)
        except (Unreachable, ServerError) as exc:
            if _worth_retrying(exc):
                self.outbox.attempted(entry.key, getattr(exc, "code", "unreachable"))
                log.info("outbox: not sent yet (%s); %s waiting", exc, len(self.outbox.pending()))
                raise
            # Refused for good (window closed, not this counter's ticket): keep the row, stop retrying.
            log.warning("outbox: rating for ticket %s refused: %s", entry.ticket_id, exc.code)
            self.outbox.mark(entry.key, "rejected", exc.code)
            return
        self.outbox.mark(entry.key, "sent")

    async def aclose(self) -> None:
        if self.stream is not None:
            await self.stream.close()
        await self.client.aclose()


def _worth_retrying(exc: BaseException) -> bool:
    """No answer, a refused token (an admin may fix it) or a server fault: the server may take it later."""
    if isinstance(exc, Unreachable):
        return True
    return isinstance(exc, ServerError) and (exc.status == 401 or exc.status >= 500)
