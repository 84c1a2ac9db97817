"""Server-side voice for the boards: one cached WAV per call, rendered by `hardware.voice`.

Boards fetch the WAV of a called ticket; rendering (espeak-ng or recorded clips) is blocking, so
callers run `wav_for_call` in a threadpool. Two boards asking for the same call at once render it
once: the second waits on a per-call lock and then finds the file in the cache.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from hardware.voice import Announcer, VoiceError, announcement_text

log = logging.getLogger(__name__)


class AnnouncementUnavailable(Exception):
    """The call cannot be rendered to audio; the board falls back to the browser's speech."""


class BoardAnnouncer:
    """WAV files for calls ("A012" at counter 3), cached in `cache_dir`."""

    def __init__(self, cache_dir: Path, template: str, clips_dir: Path | None = None) -> None:
        self.announcer = Announcer(Path(cache_dir), template=template, clips_dir=clips_dir)
        self._locks: dict[str, threading.Lock] = {}  # per sentence: one render of each call
        self._guard = threading.Lock()

    def text_for_call(self, number: str, counter: int, template: str | None = None) -> str:
        """The sentence spoken (numbers as words); the browser fallback reads this too. `template`:
        the centre's own call ({number}, {counter}); None: the server's default."""
        return announcement_text(number, counter, template or self.announcer.template, self.announcer.style)

    def wav_for_call(self, number: str, counter: int, template: str | None = None) -> Path:
        """Blocking: the WAV path for the call (chime + sentence). Raises AnnouncementUnavailable."""
        try:
            text = self.text_for_call(number, counter, template)
            with self._guard:
                lock = self._locks.setdefault(text, threading.Lock())
            with lock:
                return self.announcer.wav_for_text(text)
        except (VoiceError, ValueError, OSError) as error:
            log.warning("announcement for %s at counter %s failed: %s", number, counter, error)
            raise AnnouncementUnavailable(str(error)) from None
        finally:
            with self._guard:
                if len(self._locks) > 1000:  # calls are many over a day; the locks need not be kept
                    self._locks.clear()
