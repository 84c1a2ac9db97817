"""Drive the real tablet app in a subprocess under Xvfb through its localhost control channel."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server_process import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def xvfb():
    """A private X display for this test session (the test starts Xvfb itself)."""
    number = next(
        n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    proc.terminate()
    proc.wait(5)


class Tablet:
    """One tablet process; `cmd()` talks to its control channel."""

    def __init__(self, display: str, workdir: Path, server_url: str, token: str, **config):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "tablet.json"
        self.config_path.write_text(
            json.dumps(
                {
                    "server_url": server_url,
                    "device_token": token,
                    "outbox_path": "outbox.sqlite3",
                    "fullscreen": False,
                    "send_interval_s": 0.5,
                    **config,
                }
            ),
            encoding="utf-8",
        )
        self.port = free_port()
        (workdir / "kivy").mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DISPLAY": display,
            "KIVY_NO_ARGS": "1",
            "KIVY_NO_CONSOLELOG": "1",
            "KIVY_HOME": str(workdir / "kivy"),
            "MOTCUA_TABLET_CONTROL_PORT": str(self.port),
            "KIVY_WINDOW": "sdl2",
            "KIVY_GL_BACKEND": "sdl2",
        }
        self.log = open(workdir / "tablet.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rating_tablet.main", "--config", str(self.config_path), "--windowed"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.sock = None
        deadline = time.monotonic() + 40
        while self.sock is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tablet exited: {(workdir / 'tablet.log').read_text()[-3000:]}")
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.reader = self.sock.makefile("rb")

    def cmd(self, cmd: str, **args) -> dict:
        self.sock.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        line = self.reader.readline()
        assert line, f"tablet closed the control channel; log:\n{(self.workdir / 'tablet.log').read_text()[-3000:]}"
        return json.loads(line)

    def wait_for(self, predicate, timeout: float = 20.0, what: str = "") -> dict:
        deadline = time.monotonic() + timeout
        while True:
            state = self.cmd("state")
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last state: {state}")
            time.sleep(0.1)

    def tap(self, text: str, nth: int = 0) -> None:
        assert self.cmd("tap", text=text, nth=nth) == {"ok": True}, f"no visible widget with text {text!r}"

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@pytest.fixture
def start_tablet(xvfb, tmp_path):
    started = []

    def start(server_url: str, token: str, name: str = "tablet", **config) -> Tablet:
        tablet = Tablet(xvfb, tmp_path / name, server_url, token, **config)
        started.append(tablet)
        return tablet

    yield start
    for tablet in started:
        tablet.close()
