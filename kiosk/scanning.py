"""The kiosk's scanner loop: read codes while the kiosk wants them, restart the scanner after an error.

Small on purpose: `read_once` is the one place that turns what the camera sees now into codes,
so reading a receipt across several frames changes that method only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from hardware.scanners import Scanner, ScannerError, open_scanner
from queue_server.client import retrying

from .devices import Availability

log = logging.getLogger(__name__)
RETRY_MAX_S = 30.0  # the longest wait between two tries to bring a failed scanner back
READ_TIMEOUT_S = 0.2


class ScannerLoop:
    """Owns the scanner. ``mode()`` says what the kiosk wants read now (None: nothing, the camera
    rests); each new code goes to ``on_code(mode, text)``. A scanner that fails is closed and
    opened again with backoff; ``on_change(problem)`` hears of it once per change."""

    def __init__(
        self,
        url: str,
        mode: Callable[[], str | None],
        on_code: Callable[[str, str], None],
        on_change: Callable[[BaseException | None], None],
        on_guidance: Callable[[str | None], None] = lambda _code: None,
    ):
        self.url = url
        self.on_guidance = on_guidance  # the scanner's advice for the visitor (Guidance code) after each read
        self.mode = mode
        self.on_code = on_code
        self.state = Availability("kiosk scanner", on_change)
        self.scanner: Scanner | None = None
        self.wanted = asyncio.Event()  # set while mode() is not None

    async def run(self) -> None:
        while True:  # each pass is one outage: the backoff starts afresh after the scanner worked
            async for attempt in retrying(
                ScannerError, initial_s=1.0, max_s=RETRY_MAX_S, on_retry=self._failed, name="scanner"
            ):
                with attempt:
                    await self._session()

    async def _session(self) -> None:
        """Open the scanner and read while codes are wanted, until it fails. Raises if it failed
        before a read worked (try again after a pause); returns if it failed after (try at once)."""
        self.scanner = await asyncio.to_thread(open_scanner, self.url)
        worked = False
        try:
            if self.state.problem is not None:  # coming back from a failure: available once it reads again
                await self.read_once()
                self.scanner.restart()  # what that read saw is still new to the visitor
                worked = True
            self.state.set(None)
            while True:
                await self.wanted.wait()
                mode = self.mode()
                if mode is None:
                    self.wanted.clear()
                    continue
                texts = await self.read_once()
                worked = True
                if mode != self.mode():  # the visitor left while the frame was being decoded
                    continue
                self.on_guidance(None if texts else self.scanner.guidance)
                for text in texts:
                    self.on_code(mode, text)
                    if self.mode() != mode:  # that code was what the screen waited for
                        break
                await asyncio.sleep(0.1)
        except ScannerError as exc:
            await asyncio.to_thread(self.scanner.close)
            if not worked:
                raise
            await self._failed(exc, 0)

    async def read_once(self) -> list[str]:
        """The new codes in what the scanner sees now (repeats already left out)."""
        return [scan.text for scan in await asyncio.to_thread(self.scanner.read, READ_TIMEOUT_S)]

    async def _failed(self, exc: BaseException, _attempt: int) -> None:
        self.state.set(exc)

    def mode_changed(self) -> None:
        """The kiosk wants something else read: the next visitor may show the same paper again."""
        if self.scanner is not None:
            self.scanner.restart()  # repeats forgotten, and what earlier frames showed
        self.on_guidance(None)
        if self.mode() is None:
            self.wanted.clear()
        else:
            self.wanted.set()

    def last_frame(self):
        return self.scanner.last_frame if self.scanner is not None and self.mode() else None

    async def close(self) -> None:
        if self.scanner is not None:
            await asyncio.to_thread(self.scanner.close)
