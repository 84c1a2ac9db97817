"""Run the real kiosk under Xvfb in a subprocess and drive it through its control channel."""

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

from tests.screenshots import publish
from tests.server_process import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
KIOSK_TOKEN = "mdv_demo-kiosk-1"


@pytest.fixture(scope="session")
def xdisplay():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
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


class Kiosk:
    """One kiosk process; ``send`` speaks the line protocol of kiosk/control.py."""

    def __init__(self, config: dict, display: str, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        config_path = workdir / "kiosk.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        env = dict(
            os.environ,
            DISPLAY=display,
            KIVY_NO_ARGS="1",
            KIVY_NO_CONSOLELOG="1",
            KIVY_HOME=str(workdir / "kivy-home"),
            SDL_NO_SIGNAL_HANDLERS="1",
        )
        self.log_path = workdir / "kiosk.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.main",
                "--config",
                str(config_path),
                "--windowed",
                "--control-port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
        )
        self._sock = None
        deadline = time.monotonic() + 30
        while self._sock is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kiosk exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("kiosk control channel did not open") from None
                time.sleep(0.1)
        self._file = self._sock.makefile("rw", encoding="utf-8")

    def send(self, line: str) -> dict:
        self._file.write(line + "\n")
        self._file.flush()
        answer = json.loads(self._file.readline())
        return answer

    def texts(self) -> list[str]:
        return self.send("texts")["texts"]

    def state(self) -> dict:
        return self.send("state")

    def tap(self, text: str) -> None:
        answer = self.send(f"tap {text}")
        assert answer["ok"], f"{answer['error']}; visible: {self.texts()}"

    def type(self, text: str) -> None:
        assert self.send(f"type {text}")["ok"]

    def wait_for(self, text: str, timeout: float = 10) -> list[str]:
        """Until a visible text contains ``text``; returns the texts."""
        deadline = time.monotonic() + timeout
        while True:
            texts = self.texts()
            if any(text in t for t in texts):
                return texts
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not shown within {timeout}s; visible: {texts}")
            time.sleep(0.1)

    def wait_state(self, key: str, predicate, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if predicate(state.get(key)):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"state {key} never matched; last: {state}")
            time.sleep(0.1)

    def screenshot(self, artifacts: Path, name: str, docs: bool = False) -> Path:
        path = artifacts / "kiosk" / f"{name}.png"
        assert self.send(f"screenshot {path}")["ok"]
        if docs:
            publish(path, f"kiosk-{name}.png")
        return path

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass
        self.proc.kill()
        self.proc.wait(5)


@pytest.fixture
def kiosk_factory(xdisplay, tmp_path):
    started: list[Kiosk] = []

    def start(server_url: str, **overrides) -> Kiosk:
        config = {
            "server_url": server_url,
            "device_token": KIOSK_TOKEN,
            "printer_url": f"emulator://{tmp_path / 'printer'}",
            "camera_url": None,
            "idle_timeout_s": 30,
            "search_debounce_s": 0.2,
            "issue_retry_s": 6,
        }
        config.update(overrides)
        kiosk = Kiosk(config, xdisplay, tmp_path)
        started.append(kiosk)
        kiosk.wait_state("services", lambda n: n and n > 0, timeout=40)
        return kiosk

    yield start
    for kiosk in started:
        kiosk.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("kiosk-server")) as srv:
        yield srv


def has_route(base_url: str, path: str) -> bool:
    import httpx

    return path in httpx.get(base_url + "/openapi.json", timeout=5).json().get("paths", {})
