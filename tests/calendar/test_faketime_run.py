"""CI's pass of the fast suite on another day (`make faketime-run`) must start whatever the
machine's shared memory holds.

libfaketime, preloaded, names a semaphore and a segment after the process's pid
(/dev/shm/sem.faketime_sem_<pid>, faketime_shm_<pid>) and removes them at exit — not when the
process is killed, as the crash tests kill servers. Debian's `faketime` wrapper refuses to start
when its own pid's names are taken («faketime: sem_open: File exists»): CI failed that way once
its pids came round to a killed server's. The library itself carries on without the segment.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tests.clock
from tests.clock import remove_stale_faketime_segments

ROOT = Path(__file__).resolve().parents[2]
SHM = Path("/dev/shm")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHM.is_dir(), reason="needs POSIX shared memory in /dev/shm"),
]

NOW_TEST = """
from datetime import UTC, datetime

def test_the_process_clock_is_moved():
    now = datetime.now(UTC)
    assert now.date().isoformat() == "2026-03-08", now
    assert (now.hour, now.minute) in ((16, 59), (17, 0)), now
"""


def _names_for_next_pids(count: int) -> list[Path]:
    first = os.getpid() + 1
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    pids = [(first + i) % pid_max for i in range(count)]
    return [SHM / f"{kind}_{pid}" for pid in pids for kind in ("sem.faketime_sem", "faketime_shm")]


def test_faketime_run_starts_with_killed_processes_names_left_in_shared_memory(tmp_path, monkeypatch):
    (tmp_path / "test_now.py").write_text(NOW_TEST)
    # The suite clears such names before each child it starts (below); CI's shell does not.
    monkeypatch.setattr(tests.clock, "remove_stale_faketime_segments", lambda: None)
    # As a killed process leaves them, for every pid the next few thousand processes may get.
    stale = [p for p in _names_for_next_pids(4000) if not p.exists()]
    try:
        for p in stale:
            p.touch()
        run = subprocess.run(
            [
                "make",
                "-s",
                "faketime-run",
                f"BIN={Path(sys.executable).parent}",
                f"FAKETIME_PYTEST_ARGS=-q -c /dev/null --rootdir={tmp_path} {tmp_path / 'test_now.py'}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        for p in stale:
            p.unlink(missing_ok=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout, run.stdout


def test_stale_segments_of_dead_processes_are_removed_and_live_ones_kept():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # its pid is a process that has ended
    mine = [SHM / f"sem.faketime_sem_{os.getpid()}", SHM / f"faketime_shm_{os.getpid()}"]
    gone = [SHM / f"sem.faketime_sem_{child.pid}", SHM / f"faketime_shm_{child.pid}"]
    made = [p for p in [*mine, *gone] if not p.exists()]
    try:
        for p in made:
            p.touch()
        remove_stale_faketime_segments()
        assert not any(p.exists() for p in gone)
        assert all(p.exists() for p in mine)
    finally:
        for p in made:
            p.unlink(missing_ok=True)
