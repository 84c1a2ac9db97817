from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor_name: str
    actor_role: str
    actor_user_id: int | None
    actor_device_id: int | None
    centre_id: int | None
    agency_id: int | None
    entity: str
    entity_id: str | None
    action: str
    summary: str | None
    before: dict | None
    after: dict | None
