"""The tablet's server link: start-up look-ups, the event stream and the outbox sender.

Runs as sibling asyncio tasks next to Kivy's own loop (App.async_run). It never touches widgets:
it calls the app's small methods (`show_counter`, `start_rating`, …), which only set properties.
"""

from __future__ import annotations

import asyncio
import logging

from queue_server.client import backoff_delay

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
        self.stream: EventStream | None = None

    async def run(self) -> None:
        """Sender and stream side by side until cancelled."""
        await asyncio.gather(self.run_sender(), self.run_stream())

    # -- start-up -------------------------------------------------------------------------
    async def _until_answered(self, call):
        attempt = 0
        while True:
            try:
                return await call()
            except Unreachable:
                attempt += 1
                await asyncio.sleep(backoff_delay(attempt, 0.5, 10.0))

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
        while True:
            try:
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
            except ServerError as exc:  # revoked token or wrong centre: say so, try again later
                log.warning("tablet link refused: %s", exc)
                self.app.set_problem(exc.message)
                await asyncio.sleep(30)

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
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.config.send_interval_s)
            except TimeoutError:
                pass
            self.wake.clear()
            await self.flush()
            self.app.set_outbox_counts(self.outbox.counts())

    async def flush(self) -> None:
        for entry in self.outbox.pending():
            try:
                await self.client.post_rating(entry.body)
            except Unreachable as exc:
                self.outbox.attempted(entry.key, "unreachable")
                log.info("outbox: server unreachable (%s); %s waiting", exc.detail, len(self.outbox.pending()))
                return
            except ServerError as exc:
                if exc.status == 401 or exc.status >= 500:
                    self.outbox.attempted(entry.key, exc.code)
                    return  # the server may accept it later
                # Refused for good (window closed, not this counter's ticket): keep the row, stop retrying.
                log.warning("outbox: rating for ticket %s refused: %s", entry.ticket_id, exc.code)
                self.outbox.mark(entry.key, "rejected", exc.code)
                continue
            self.outbox.mark(entry.key, "sent")

    async def aclose(self) -> None:
        if self.stream is not None:
            await self.stream.close()
        await self.client.aclose()
