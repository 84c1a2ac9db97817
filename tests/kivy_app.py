"""Real Kivy apps (kiosk, rating tablet) under Xvfb in subprocesses, driven through control_channel.

Registered once as a pytest plugin (tests/conftest.py): the ``xdisplay`` fixture and `KivyApp`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server_process import end_process, free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def xdisplay():
    """A private X display (1920×1080) for this test session."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    number = next(
        n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    proc.terminate()
    proc.wait(5)


def app_env(display: str, workdir: Path) -> dict[str, str]:
    """The environment an app runs with under test (its own Kivy home: settings and logs)."""
    (workdir / "kivy-home").mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DISPLAY": display,
        "KIVY_NO_ARGS": "1",
        "KIVY_HOME": str(workdir / "kivy-home"),
        "SDL_NO_SIGNAL_HANDLERS": "1",
    }


class KivyApp:
    """One app process (``python -m <module> --config FILE --windowed``) with the test control channel on."""

    def __init__(self, module: str, config: dict, display: str, workdir: Path, name: str = "app"):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / f"{name}.json"
        self.config_path.write_text(json.dumps(config), encoding="utf-8")
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        env = {**app_env(display, workdir), "MOTCUA_TEST_CONTROL_PORT": str(self.port)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, "--config", str(self.config_path), "--windowed"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._sock = None
        deadline = time.monotonic() + 40
        while self._sock is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{module} exited:\n{self.log()[-3000:]}")
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{module}: the control channel did not open") from None
                time.sleep(0.1)
        self._file = self._sock.makefile("rw", encoding="utf-8")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    # -- the protocol (control_channel) ---------------------------------------------------------------
    def send(self, cmd: str, **args) -> dict:
        self._file.write(json.dumps({"cmd": cmd, **args}, ensure_ascii=False) + "\n")
        self._file.flush()
        line = self._file.readline()
        assert line, f"the app closed its control channel; log:\n{self.log()[-3000:]}"
        return json.loads(line)

    def state(self) -> dict:
        return self.send("state")

    def texts(self) -> list[str]:
        return self.send("texts").get("texts", [])

    def tap(self, text: str, nth: int = 0) -> None:
        answer = self.send("tap", text=text, nth=nth)
        assert answer["ok"], f"{answer['error']}; visible: {self.texts()}"

    def type(self, text: str) -> None:
        answer = self.send("type", text=text)
        assert answer["ok"], answer

    def boxes(self, text: str) -> list[dict]:
        """Each visible label showing ``text``: its window box and the box its text is drawn in."""
        answer = self.send("boxes", text=text)
        assert answer["ok"], answer
        return answer["boxes"]

    def screenshot(self, path: Path) -> Path:
        assert self.send("screenshot", path=str(path))["ok"]
        return path

    # -- waiting for what a visitor would see ---------------------------------------------------------
    def wait_until(self, predicate, timeout: float = 20.0, what: str = "") -> dict:
        """Until ``predicate(state)`` holds; returns that state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state.get("ok") and predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}; last state: {state}")
            time.sleep(0.1)

    def wait_for(self, text: str, timeout: float = 10) -> list[str]:
        """Until a visible text contains ``text``; returns the texts."""
        return self.wait_until(lambda s: any(text in t for t in s["texts"]), timeout, repr(text))["texts"]

    def wait_state(self, key: str, predicate, timeout: float = 10) -> dict:
        return self.wait_until(lambda s: predicate(s.get(key)), timeout, f"state {key}")

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass
        end_process(self.proc)
        self._log.close()
