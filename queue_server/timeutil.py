"""Centre-local time. Every stored timestamp is timezone-aware UTC; days are centre-local."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def local(dt: datetime, tz: ZoneInfo = VN_TZ) -> datetime:
    return aware(dt).astimezone(tz)


def local_day(dt: datetime | None = None, tz: ZoneInfo = VN_TZ) -> date:
    return local(dt or utcnow(), tz).date()


WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
