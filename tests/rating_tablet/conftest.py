"""Drive the real tablet app in a subprocess under Xvfb through the test control channel."""

from __future__ import annotations

import pytest

from tests.kivy_app import KivyApp


@pytest.fixture
def start_tablet(xdisplay, tmp_path):
    started: list[KivyApp] = []

    def start(server_url: str, token: str, name: str = "tablet", **config) -> KivyApp:
        config = {
            "server_url": server_url,
            "device_token": token,
            "outbox_path": "outbox.sqlite3",
            "fullscreen": False,
            "send_interval_s": 0.5,
            **config,
        }
        tablet = KivyApp("rating_tablet.main", config, xdisplay, tmp_path / name, name="tablet")
        started.append(tablet)
        return tablet

    yield start
    for tablet in started:
        tablet.close()
