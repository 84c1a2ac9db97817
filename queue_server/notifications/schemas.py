from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationRead(BaseModel):
    """A message of the outbox and its delivery state (the phone masked)."""

    id: int
    kind: str
    phone_masked: str
    text: str
    state: str = Field(description="queued | sent | failed")
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
