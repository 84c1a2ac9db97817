"""The scanner interface, scan results and repeat suppression."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..payloads import Payload, parse_payload

__all__ = ["Scan", "Scanner", "RepeatFilter", "DEFAULT_REPEAT_WINDOW_S"]

DEFAULT_REPEAT_WINDOW_S = 3.0


@dataclass(frozen=True, repr=False)
class Scan:
    """One code read by a scanner. ``text`` is raw (maybe a CCCD): log ``payload``, not ``text``."""

    text: str
    source: str
    at: float = field(default_factory=time.time)

    @property
    def payload(self) -> Payload:
        return parse_payload(self.text)

    def __repr__(self) -> str:
        return f"Scan(source={self.source!r}, payload={self.payload!r})"

    __str__ = __repr__


class RepeatFilter:
    """Reports a code once while it stays in view.

    A code seen again within ``window_s`` of its last sighting is a repeat; the
    window restarts on every sighting, so a receipt held still in front of the
    camera is reported once, and again only after it was away for ``window_s``.
    """

    def __init__(self, window_s: float = DEFAULT_REPEAT_WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.window_s = window_s
        self._clock = clock
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def admit(self, text: str) -> bool:
        now = self._clock()
        with self._lock:
            self._last_seen = {t: at for t, at in self._last_seen.items() if now - at < self.window_s}
            is_new = text not in self._last_seen
            self._last_seen[text] = now
        return is_new

    def reset(self) -> None:
        with self._lock:
            self._last_seen.clear()


class Scanner(ABC):
    """A source of scanned codes.

    ``read`` blocks (up to ``timeout`` seconds where the backend can wait), so
    call it from a worker thread, never from the Kivy or asyncio loop. It
    returns the new codes, repeats already filtered out; an empty list means
    nothing new.
    """

    url: str = ""
    #: The last camera or image frame as a BGR numpy array, for a live preview.
    last_frame: Any = None
    #: Advice for the visitor from what the camera sees (``multiframe.Guidance`` code), or None.
    guidance: str | None = None

    def __init__(self, repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.repeats = RepeatFilter(repeat_window_s, clock)
        self._opened = False

    def open(self) -> None:
        """Acquire the device; opening an open scanner does nothing.
        Raises ``ScannerUnavailable`` with a Vietnamese ``message_vi``."""
        if not self._opened:
            self._open()
            self._opened = True

    def close(self) -> None:
        if self._opened:
            self._opened = False
            self._close()

    def _open(self) -> None:  # noqa: B027 - optional hook, most backends need none
        """Backend hook: acquire the device."""

    def _close(self) -> None:  # noqa: B027 - optional hook
        """Backend hook: release the device."""

    def restart(self) -> None:
        """A new visitor: codes already reported may be reported again, and what earlier
        frames showed is forgotten."""
        self.repeats.reset()

    @property
    def is_open(self) -> bool:
        return self._opened

    def read(self, timeout: float | None = None) -> list[Scan]:
        if not self._opened:
            self.open()
        return [Scan(text, self.url) for text in self._read_texts(timeout) if self.repeats.admit(text)]

    @abstractmethod
    def _read_texts(self, timeout: float | None) -> list[str]:
        """Raw texts from the device, repeats included."""

    def __enter__(self) -> Scanner:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
