"""The kiosk's printer: its state known before a visitor taps, re-opened after a failure.

The device lifecycle of conventions.md (Home Assistant style): check the device, retry with
backoff while it is at fault, and report available / unavailable once per change. No widgets
here: the controller turns a change into App properties and a staff alert.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from hardware.printers import CoverOpen, PaperOut, PrinterError, PrinterOffline, TicketPrint, open_printer
from queue_server.client import nap, retrying

log = logging.getLogger(__name__)

# Faults that end by themselves or by a hand (paper, cover, cable, power): worth checking again.
# Anything else (a bad URL, a missing library) needs the configuration fixed and a restart.
TRANSIENT = (PaperOut, CoverOpen, PrinterOffline)


class Availability:
    """A device's available / unavailable state, reported once per change, never on every check."""

    def __init__(self, name: str, on_change: Callable[[BaseException | None], None]):
        self.name = name
        self.on_change = on_change
        self.problem: BaseException | None = None
        self._last: tuple | None = None

    @property
    def available(self) -> bool:
        return self._last is not None and self.problem is None

    def set(self, problem: BaseException | None) -> None:
        """``None``: available; an error: unavailable because of it (a new kind of fault is a change too)."""
        key = (problem is None, getattr(problem, "code", type(problem).__name__))
        if key == self._last:
            return
        self._last, self.problem = key, problem
        if problem is None:
            log.info("%s available", self.name)
        else:
            log.warning("%s unavailable: %s", self.name, getattr(problem, "code", type(problem).__name__))
        self.on_change(problem)


class PrinterWatch:
    """Checks the printer at start, every ``check_s`` and right after each job; while it is at
    fault, checks again with backoff (up to ``check_s`` apart), re-opening it when it stopped
    answering, so paper put back or a printer switched on again is noticed without a restart."""

    def __init__(
        self,
        url: str,
        check_s: float,
        on_change: Callable[[BaseException | None], None],
        on_near_end: Callable[[bool], None] | None = None,
    ):
        self.url = url
        self.check_s = check_s
        self.state = Availability("kiosk printer", on_change)
        self.printer = None
        self.near_end = False  # paper still there but the roll's end is near (prints go on)
        self.on_near_end = on_near_end
        self._wake = asyncio.Event()

    @property
    def fault(self) -> BaseException | None:
        """Why nothing can be printed now; None when the printer is ready (or not checked yet)."""
        return self.state.problem

    async def run(self) -> None:
        try:
            self.printer = open_printer(self.url)  # parses the URL only; the device opens on first use
            while True:
                async for attempt in retrying(
                    lambda exc: isinstance(exc, TRANSIENT),
                    initial_s=min(1.0, self.check_s),
                    max_s=self.check_s,
                    on_retry=self._failed,
                    sleep=self._nap,
                    name="printer",
                ):
                    with attempt:
                        status = await asyncio.to_thread(self.printer.test_connection)
                self.state.set(None)
                self._note_near_end(bool(status.paper_near_end))
                await self._nap(self.check_s)
        except PrinterError as exc:  # the configuration must be fixed: say so, stop checking
            log.error("printer not usable: %s", exc)
            self.state.set(exc)

    def _note_near_end(self, near: bool) -> None:
        if near != self.near_end:
            self.near_end = near
            if self.on_near_end is not None:
                self.on_near_end(near)

    @property
    def hardware_state(self) -> str | None:
        """The printer as a heartbeat reports it (None until first checked)."""
        if self.state._last is None:
            return None
        fault = self.fault
        if fault is None:
            return "paper_near_end" if self.near_end else "ok"
        return {"paper_out": "paper_out", "cover_open": "cover_open"}.get(getattr(fault, "code", ""), "offline")

    async def _failed(self, exc: BaseException, _attempt: int) -> None:
        if isinstance(exc, PrinterOffline):
            await asyncio.to_thread(self.printer.close)  # opened afresh by the next check
        self.state.set(exc)

    def check_soon(self) -> None:
        self._wake.set()

    async def _nap(self, seconds: float) -> None:
        """The wait before the next check, cut short by `check_soon`."""
        await nap(seconds, self._wake)

    async def close(self) -> None:
        if self.printer is not None:
            await asyncio.to_thread(self.printer.close)

    async def print_ticket(self, job: TicketPrint) -> BaseException | None:
        """Print if the printer is ready; otherwise (or if it fails now) the fault that stopped it."""
        if self.fault is not None or self.printer is None:
            return self.fault or PrinterOffline()
        try:
            await asyncio.to_thread(self.printer.print_ticket, job)
        except PrinterError as exc:
            self.state.set(exc)
            return exc
        finally:
            self.check_soon()  # the paper may have run out with this ticket: tell the next visitor
        return None
