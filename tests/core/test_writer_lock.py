"""SQLite writers of several processes take turns on a file lock; a dead process never leaves it locked."""

import sqlite3
import subprocess
import sys
import time

import pytest

from queue_server.db import WriterLock

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1] + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_in_other_process(db_path: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, db_path, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_writer_waits_for_another_process_then_gets_its_turn(tmp_path):
    db_path = str(tmp_path / "motcua.db")
    holder = hold_in_other_process(db_path, 0.5)
    lock = WriterLock(db_path, timeout_s=10)
    t0 = time.monotonic()
    lock.acquire()
    waited = time.monotonic() - t0
    lock.release()
    holder.wait(5)
    assert 0.3 < waited < 3, waited


def test_a_writer_gives_up_with_a_clear_error_and_keeps_nothing_locked(tmp_path):
    db_path = str(tmp_path / "motcua.db")
    holder = hold_in_other_process(db_path, 30)
    lock = WriterLock(db_path, timeout_s=0.3)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            lock.acquire()
    finally:
        holder.kill()  # a crashed process: the OS drops its lock
        holder.wait(5)
    lock.acquire()  # neither the thread lock nor the file lock was left held by the failed attempt
    lock.release()
