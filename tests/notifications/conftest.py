"""The fake gateway of the notification tests, and settings that send to it."""

from __future__ import annotations

import pytest

from tests.notifications.gateway import Gateway, ZaloGateway


@pytest.fixture
def gateway():
    with Gateway() as g:
        yield g


@pytest.fixture
def zalo():
    with ZaloGateway() as g:
        yield g


@pytest.fixture
def settings(settings, gateway):
    """Messages go to the gateway; the app's own sender loop is off (one poll an hour): each test
    drives senders itself, or turns the loop on."""
    return settings.model_copy(
        update={"notify_url": gateway.url, "notify_poll_interval_s": 3600.0, "notify_max_attempts": 3}
    )
