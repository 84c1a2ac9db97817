"""Run the real kiosk under Xvfb in a subprocess and drive it through the test control channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kivy_app import KivyApp
from tests.screenshots import publish
from tests.server_process import running_server

KIOSK_TOKEN = "mdv_demo-kiosk-1"


class Kiosk(KivyApp):
    def screenshot(self, artifacts: Path, name: str, docs: bool = False) -> Path:
        path = super().screenshot(artifacts / "kiosk" / f"{name}.png")
        if docs:
            publish(path, f"kiosk-{name}.png")
        return path


@pytest.fixture
def kiosk_factory(xdisplay, tmp_path):
    started: list[Kiosk] = []

    def start(server_url: str, wait_for_services: bool = True, **overrides) -> Kiosk:
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
        kiosk = Kiosk("kiosk.main", config, xdisplay, tmp_path, name=f"kiosk{len(started) or ''}")
        started.append(kiosk)
        if wait_for_services:
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
