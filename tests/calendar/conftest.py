from datetime import datetime

import pytest

from queue_server.calendar import VN_TZ, WorkingCalendar


def _vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


@pytest.fixture(scope="session")
def vn():
    """Builds a Hồ Chí Minh-time datetime: vn(2025, 3, 7, 10) is Fri 07/03/2025 10:00."""
    return _vn


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    return WorkingCalendar()
