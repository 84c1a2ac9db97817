"""The one clock of the test suite: no test depends on the wall clock.

Every test runs on the suite's timeline: ``DEFAULT`` (an ordinary working Tuesday, 09:00
centre time) when the session starts, ticking at the real pace from there. In this process
time-machine holds it (``datetime.now``, ``date.today``, ``time.time`` … all follow, whichever
module reads them); every child process (the uvicorn servers, the Kivy apps, Chromium, the CLI
commands) gets it through libfaketime: each spawn carries ``LD_PRELOAD=libfaketime`` and
``FAKETIME=@<now>``, stamped at the moment of the spawn, so a server restarted mid-test goes on
from where the test is, never back. libfaketime moves the child's monotonic clock by the same
offset (with ``FAKETIME_DONT_FAKE_MONOTONIC=1`` Python's ``time.sleep`` fails with EINVAL and
Chromium spins). A test that cares about the day or the hour moves the clock:

    def test_something(clock, ...):
        clock.set(datetime(2026, 2, 17, 10, 0, tzinfo=VN_TZ))  # Tết, ticking from 10:00
        clock.freeze(...)                                      # the same, not ticking
        clock.advance(minutes=2)
        clock.now(), clock.today(), clock.at("16:30")

and is put back on the timeline afterwards. Tokens, servers and pages made before the move keep
their own time: move the clock before asking for `centre` (a fixture that does it, listed
first), and give a page that shows the time the test's clock with ``clock.install(page)``.

tests/test_clock_discipline.py fails on any test that reads the wall clock itself.
"""

from __future__ import annotations

import glob
import inspect
import os
import re
import subprocess
import sys
import time as _time
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine

from queue_server.timeutil import VN_TZ

DEFAULT = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)
"""Tuesday 10/03/2026, 09:00 in Hà Nội: a working day far from any holiday, inside office hours
(a whole CI run stays within the morning)."""

SHIM = Path(sys.prefix) / "lib" / "sem_clockwait_shim.so"
"""tests/faketime/sem_clockwait_shim.c, built by `make install`: preloaded with libfaketime so a
child's timed lock waits (threading.Event.wait, Queue.get with a timeout …) end on time. Without
it libfaketime's moved monotonic clock turns each such wait into one that never times out."""


def libfaketime() -> str:
    """The path of Debian's libfaketime (package `faketime`, in the Makefile's APT_PACKAGES)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1") + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is not installed (Debian package `faketime`; `make system-deps` installs it)")
    return found[0]


def sem_clockwait_shim() -> str:
    if not SHIM.exists():
        pytest.fail(f"{SHIM} is missing: `make install` builds it (gcc, from tests/faketime/sem_clockwait_shim.c)")
    return str(SHIM)


_SHM = Path("/dev/shm")
_STALE_NAME = re.compile(r"(?:sem\.faketime_sem|faketime_shm)_(\d+)")


def remove_stale_faketime_segments() -> None:
    """Removes libfaketime's shared-memory names (named after a pid) of processes that have ended.

    libfaketime removes them at a clean exit only, and the suite kills servers. Left behind, a
    name whose pid comes round again costs that process its segment — libfaketime then goes on
    without one, and a server's workers no longer share its timeline — and stops Debian's
    `faketime` wrapper outright («sem_open: File exists»). A descendant still using an ended
    process's segment keeps its mapping: removing the name does not take it away."""
    try:
        names = [e.name for e in os.scandir(_SHM)]
    except OSError:
        return
    for name in names:
        m = _STALE_NAME.fullmatch(name)
        if m and not Path(f"/proc/{m.group(1)}").exists():
            (_SHM / name).unlink(missing_ok=True)


def _without_faketime(preload: str) -> list[str]:
    return [p for p in preload.replace(":", " ").split() if "libfaketime" not in p and SHIM.name not in p]


class Clock:
    """The suite's "now": one traveller of time-machine plus the child processes' FAKETIME."""

    def __init__(self) -> None:
        self._traveller = None
        self._libs = [libfaketime(), sem_clockwait_shim()]
        self._started = _time.monotonic()
        self.moved = False  # by a test: put back on the timeline afterwards

    # -- moving the clock --
    def set(self, when: datetime, tick: bool = True) -> None:
        """From now on the time is `when` (aware), ticking at the real pace unless `tick=False`."""
        if when.tzinfo is None:
            raise ValueError("clock.set needs an aware datetime (centre time: tzinfo=VN_TZ)")
        if self._traveller is not None:
            self._traveller.stop()
        # In UTC: given a zone, time-machine would also change this process's TZ.
        self._traveller = time_machine.travel(when.astimezone(UTC), tick=tick)
        self._traveller.start()
        self.moved = True

    def freeze(self, when: datetime) -> None:
        """`when`, standing still: for assertions on exact timestamps and durations."""
        self.set(when, tick=False)

    def advance(self, delta: timedelta | None = None, **kwargs) -> None:
        self.set(self.now() + (delta or timedelta(**kwargs)), tick=self._ticking)

    def reset(self) -> None:
        """Back on the suite's timeline: DEFAULT plus the time the session has run."""
        self.set(DEFAULT + timedelta(seconds=_time.monotonic() - self._started))
        self.moved = False

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
        subprocess.Popen._execute_child = _ORIGINAL_EXECUTE_CHILD

    @property
    def _ticking(self) -> bool:
        return bool(self._traveller and self._traveller.tick)

    # -- reading it --
    def now(self) -> datetime:
        """Aware UTC, as queue_server.timeutil.utcnow() returns it."""
        return datetime.now(UTC)

    def local(self) -> datetime:
        return self.now().astimezone(VN_TZ)

    def today(self) -> date:
        """The centre's day."""
        return self.local().date()

    def at(self, hhmm: str, day: date | None = None) -> datetime:
        """`hhmm` centre time on `day` (the clock's day by default), aware."""
        h, m = (int(x) for x in hhmm.split(":"))
        return datetime.combine(day or self.today(), time(h, m), VN_TZ)

    # -- child processes and pages --
    def child_env(self, env: dict | None) -> dict:
        """`env` (None: a copy of this process's environment) set so a child starts now, at the
        test's time (libfaketime's start-at form), and ticks from there. This process's own
        environment is never changed: when the suite itself runs under libfaketime (make
        faketime-run), libfaketime re-reads FAKETIME from it every few seconds, and the suite's
        own clock would jump to the last child's start."""
        # libfaketime reads the timestamp in the child's own zone: UTC, said explicitly (the product
        # keeps UTC and converts to the centre's zone itself).
        stamp = self.now().strftime("%Y-%m-%d %H:%M:%S")
        target = dict(os.environ if env is None else env)
        target["TZ"] = "UTC"
        target["LD_PRELOAD"] = " ".join([*self._libs, *_without_faketime(target.get("LD_PRELOAD", ""))])
        target["FAKETIME"] = f"@{stamp}"
        # The start-at form starts over in every process that loads libfaketime, the child's own
        # children too: a server's workers, spawned after it, would each read a time behind it and
        # behind each other by their start gaps. Told not to reset, libfaketime gives the child's
        # descendants its own timeline (through a shared-memory segment it names in
        # FAKETIME_SHARED) — a segment of this process's, under faketime-run, is not the child's.
        target["FAKETIME_DONT_RESET"] = "1"
        target.pop("FAKETIME_SHARED", None)
        target.pop("FAKETIME_DONT_FAKE_MONOTONIC", None)  # breaks sleeping (see above)
        return target

    def install_spawn_hook(self) -> None:
        """Every child process started from here gets the test's time at the moment it starts."""
        names = list(inspect.signature(_ORIGINAL_EXECUTE_CHILD).parameters)
        at = names.index("env") - 1  # positional index after self
        clock = self

        def execute_child(popen, *args):
            remove_stale_faketime_segments()
            args = list(args)
            args[at] = clock.child_env(args[at])
            return _ORIGINAL_EXECUTE_CHILD(popen, *args)

        subprocess.Popen._execute_child = execute_child

    def install(self, page) -> None:
        """The page's JavaScript clock (Date, timers) starts at the test's now and runs on."""
        page.clock.install(time=self.now())


_ORIGINAL_EXECUTE_CHILD = subprocess.Popen._execute_child


# -- fixtures (registered for every test by `pytest_plugins` in tests/conftest.py) --


@pytest.fixture(scope="session", autouse=True)
def suite_clock():
    """Session-wide: fixtures of any scope (servers, databases) start on the test clock too and
    read it through this fixture."""
    c = Clock()
    c.reset()
    c.install_spawn_hook()
    yield c
    c.stop()
    remove_stale_faketime_segments()


@pytest.fixture(autouse=True)
def clock(suite_clock) -> Clock:
    """The suite's clock; a test that moves it (clock.set/freeze/advance) is put back afterwards."""
    if suite_clock.moved:
        suite_clock.reset()
    yield suite_clock
    if suite_clock.moved:
        suite_clock.reset()
