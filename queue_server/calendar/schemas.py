"""Requests and answers of the time rules and calendar days API.

Order and overlap are checked by the service (with Vietnamese messages naming the windows),
not here, so a form gets one clear sentence instead of a validator trace.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..bounds import Id, Name, ShortText, text

MAX_SESSIONS = 6


class SessionIO(BaseModel):
    start: time = Field(examples=["07:30"])
    end: time = Field(examples=["11:30"])

    @model_validator(mode="before")
    @classmethod
    def _stored_pair(cls, value):
        """Stored as ["07:30", "11:30"]; also accepted so in requests."""
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        return value


Sessions = list[SessionIO]


class TimeRuleIn(BaseModel):
    agency_id: Id | None = Field(None, description="empty: the centre's own rule, which its agencies follow")
    effective_from: date = Field(description="the day the rule takes effect")
    working: Sessions = Field(max_length=MAX_SESSIONS, description="working hours (BD19 Đ.5 k.1)")
    receiving: Sessions = Field(max_length=MAX_SESSIONS, description="receiving hours, inside working hours (Đ.5 k.2)")
    saturday: Sessions = Field(
        default_factory=list, max_length=MAX_SESSIONS, description="Saturday-morning sessions (ordinary Saturdays)"
    )
    cutoff: time | None = Field(time(16, 0), description="after it a dossier counts from the next working day")
    counts_from: time | None = Field(
        None, description="the clock time it then counts from (An Giang: 07:00); empty: the day's opening"
    )
    notice: text(1000) | None = Field(None, description="announcement of the change (Đ.5 k.4)")
    notice_from: date | None = Field(None, description="the day the announcement is published")


class TimeRuleUpdate(BaseModel):
    # Absent = unchanged; null refused for the NOT NULL fields.
    effective_from: date = None
    working: Sessions = Field(None, max_length=MAX_SESSIONS)
    receiving: Sessions = Field(None, max_length=MAX_SESSIONS)
    saturday: Sessions = Field(None, max_length=MAX_SESSIONS)
    cutoff: time | None = None
    counts_from: time | None = None
    notice: text(1000) | None = None
    notice_from: date | None = None


class TimeRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    centre_id: int
    agency_id: int | None
    effective_from: date
    working: Sessions
    receiving: Sessions
    saturday: Sessions
    cutoff: time | None
    counts_from: time | None
    notice: str | None
    notice_from: date | None
    updated_at: datetime
    updated_by: str | None


class CalendarDayIn(BaseModel):
    kind: Literal["day_off", "working_day"] = Field(description="a day off, or a worked day (làm bù)")
    name: Name = Field(examples=["Nghỉ bù Giỗ Tổ Hùng Vương"])
    source: ShortText | None = Field(None, description="the document behind it")
    replaces: date | None = Field(None, description="a worked day: the day off it makes up (its hours apply)")


class CalendarDayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    day: date
    kind: str
    name: str
    source: str | None
    replaces: date | None
    updated_at: datetime
    updated_by: str | None


class CalendarChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    centre_id: int
    at: datetime
    actor: str
    entity: str
    entity_key: str
    action: str
    before: dict | None
    after: dict | None
