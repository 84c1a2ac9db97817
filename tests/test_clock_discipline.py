"""No test reads the wall clock: time comes from the suite's one clock (tests/clock.py).

Two guards. The static one reads every test module and fails on a direct read of the date or
time (``datetime.now()``, ``date.today()``, ``time.time()``, ``utcnow()``, ``local_day()`` with
no day, ``time.strftime`` …) or on a module's own patch of a service's ``utcnow`` — a new test
that does so fails here with its file and line. The behavioural one checks that the clock really
holds, in this process and in a child process, whatever the machine's date is.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from queue_server.timeutil import VN_TZ, local_day, utcnow
from tests.clock import DEFAULT

TESTS = Path(__file__).parent
ALLOWED = {TESTS / "clock.py", Path(__file__)}  # the clock itself; this file reads it on purpose

# (object, attribute) calls that read the wall clock; monotonic clocks (timeouts) are fine.
WALL_CLOCK_CALLS = {
    ("timeutil", "utcnow"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "strftime"),
    ("time", "ctime"),
}
WALL_CLOCK_FUNCTIONS = {"utcnow"}  # queue_server.timeutil.utcnow() read directly
NEEDS_A_DAY = {"local_day"}  # local_day() with no argument is today


def _patched_clock(node: ast.Call) -> str | None:
    """setattr("module.utcnow", …) or setattr(module, "utcnow", …): a clock patched by hand."""
    texts = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    for text in texts:
        if text.split(".")[-1] in ("utcnow", "now", "today", "local_day", "time"):
            return text
    return None


def wall_clock_reads(path: Path, root: Path = TESTS.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        where = f"{path.relative_to(root)}:{node.lineno}"
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (f.value.id, f.attr) in WALL_CLOCK_CALLS:
            if f.attr in ("localtime", "gmtime", "strftime", "ctime") and len(node.args) >= (
                2 if f.attr == "strftime" else 1
            ):
                continue  # formatting a given instant, not reading the clock
            found.append(f"{where}: {f.value.id}.{f.attr}()")
        elif isinstance(f, ast.Name) and f.id in WALL_CLOCK_FUNCTIONS:
            found.append(f"{where}: {f.id}()")
        elif isinstance(f, ast.Name) and f.id in NEEDS_A_DAY and not node.args:
            found.append(f"{where}: {f.id}() without a day")
        elif isinstance(f, ast.Attribute) and f.attr == "setattr" and (patched := _patched_clock(node)):
            found.append(f"{where}: patches {patched} (move the suite's clock instead)")
    return found


def test_no_test_reads_the_wall_clock():
    offenders = [
        hit
        for path in sorted(TESTS.rglob("*.py"))
        if path not in ALLOWED and "artifacts" not in path.parts
        for hit in wall_clock_reads(path)
    ]
    assert not offenders, "read the time from the `clock` fixture (tests/clock.py), not the wall clock:\n" + "\n".join(
        offenders
    )


def test_the_discipline_check_catches_each_kind_of_read(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "from datetime import date, datetime\nimport time\n"
        "def test_x(monkeypatch):\n"
        "    datetime.now()\n    date.today()\n    time.time()\n    utcnow()\n    local_day()\n"
        "    monkeypatch.setattr('queue_server.tickets.service.utcnow', lambda: 0)\n"
        "    monkeypatch.setattr(module, 'utcnow', clock)\n"
        "    local_day(x)\n    time.strftime('%H', t)\n    time.monotonic()\n",
        encoding="utf-8",
    )
    hits = wall_clock_reads(sample, root=tmp_path)
    assert [h.split(": ", 1)[1].split(" (")[0] for h in hits] == [
        "datetime.now()",
        "date.today()",
        "time.time()",
        "utcnow()",
        "local_day() without a day",
        "patches queue_server.tickets.service.utcnow",
        "patches utcnow",
    ]


def test_every_test_starts_on_the_suite_clock(clock):
    # In this process: whatever the machine's date, "now" is the ordinary working Tuesday morning
    # (09:00 when the session started, ticking since).
    assert DEFAULT <= utcnow() < DEFAULT + timedelta(hours=3)
    assert local_day(utcnow()) == DEFAULT.date() == clock.today()
    clock.freeze(datetime(2026, 2, 17, 10, 0, tzinfo=VN_TZ))  # Tết
    assert clock.now() == datetime(2026, 2, 17, 3, 0, tzinfo=UTC) == utcnow()
    clock.advance(hours=14)
    assert clock.local() == datetime(2026, 2, 18, 0, 0, tzinfo=VN_TZ) and clock.today().day == 18
    clock.reset()  # what happens after every test that moved it
    assert DEFAULT <= utcnow() < DEFAULT + timedelta(hours=3) and not clock.moved


CHILD = "import time; from datetime import datetime, UTC; time.sleep(0.2); print(datetime.now(UTC).isoformat())"


def test_a_child_process_shares_the_clock_and_sleeps_normally(clock):
    clock.set(datetime(2026, 3, 8, 23, 59, 30, tzinfo=VN_TZ))  # a Sunday night, centre time
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True)
    child = datetime.fromisoformat(out.stdout.strip())
    assert abs(child - clock.now()) < timedelta(minutes=1), (child, clock.now())


def test_a_child_started_later_with_its_own_environment_starts_at_the_tests_time(clock):
    """As a server restarted mid-test (tests/server_process.py copies os.environ): never back in time."""
    env = dict(os.environ)  # copied now, used after the clock moved on
    clock.set(datetime(2026, 2, 17, 10, 0, tzinfo=VN_TZ))
    clock.advance(hours=2)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60, check=True)
    child = datetime.fromisoformat(out.stdout.strip())
    assert abs(child - datetime(2026, 2, 17, 12, 0, tzinfo=VN_TZ)) < timedelta(minutes=1), child


WORKER = "import time; print(time.time())"
SUPERVISOR = (
    "import subprocess, sys, time; first = time.time(); time.sleep(1.5); "
    f"worker = subprocess.run([sys.executable, '-c', {WORKER!r}], capture_output=True, text=True, check=True); "
    "print(first, worker.stdout.strip())"
)


def test_a_childs_own_children_go_on_with_its_time(clock):
    """A server's workers (uvicorn --workers spawns them after its start) read the same time as
    each other and as the server: a staff token signed by one worker is not «issued in the future»
    at another (PyJWT refuses a token whose iat is ahead of its clock: a 401 that came and went with
    the machine's load)."""
    out = subprocess.run([sys.executable, "-c", SUPERVISOR], capture_output=True, text=True, timeout=60, check=True)
    first, worker = (float(x) for x in out.stdout.split())
    assert worker - first >= 1.4, (first, worker)  # not started over from the server's own start
    assert worker - first < 60
