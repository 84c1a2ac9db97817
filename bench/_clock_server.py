"""The queue server as `python -m queue_server.security.serve` runs it, on a clock the bench moves.

Benches only (never the product): `python bench/_clock_server.py CLOCK_FILE --host H --port P`.
CLOCK_FILE holds one little-endian double, the server's "now" in POSIX seconds; the bench writes
it (`BenchClock.set`) before each request it sends, so a simulated day of hours runs in seconds
and the server learns its service times from the calls and completions it is sent. One worker:
every module's `utcnow` is replaced in this process before the app starts.
"""

from __future__ import annotations

import mmap
import struct
import sys
from datetime import UTC, datetime
from pathlib import Path

_FORMAT = "<d"


class BenchClock:
    """The clock file, mapped: `set(datetime)` here, read by the server on every `utcnow()`."""

    def __init__(self, path: Path, start: datetime | None = None):
        self.path = Path(path)
        if not self.path.exists() or self.path.stat().st_size < 8:
            self.path.write_bytes(struct.pack(_FORMAT, (start or datetime.now(UTC)).timestamp()))
        self._file = open(self.path, "r+b")  # noqa: SIM115 - mapped for the process's life
        self._map = mmap.mmap(self._file.fileno(), 8)

    def set(self, when: datetime) -> None:
        self._map[:8] = struct.pack(_FORMAT, when.timestamp())

    def now(self) -> datetime:
        return datetime.fromtimestamp(struct.unpack(_FORMAT, self._map[:8])[0], UTC)


def main() -> int:
    clock = BenchClock(Path(sys.argv[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import queue_server.main  # noqa: F401 - builds the app: every module that reads the clock is loaded
    from queue_server import timeutil
    from queue_server.security.serve import main as serve

    real = timeutil.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("queue_server") and getattr(module, "utcnow", None) is real:
            module.utcnow = clock.now
    return serve(sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
