"""The outbox's delivery state for staff."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ..bounds import Id
from ..deps import AdminOrManager, DbSession
from ..timeutil import aware
from . import schemas, service
from .channels import mask_phone

router = APIRouter(tags=["notifications"])
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed"},
    404: {"description": "no such centre"},
}


@router.get(
    "/centres/{centre_id}/notifications",
    response_model=list[schemas.NotificationRead],
    responses=ERRORS,
    summary="Messages to visitors (booking confirmed …) and their delivery state, newest first",
)
def list_notifications(
    centre_id: Id,
    session: DbSession,
    actor: AdminOrManager,
    state: Annotated[Literal["queued", "sent", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    rows = service.centre_notifications(session, actor, centre_id, state, limit)
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "phone_masked": mask_phone(n.phone),
            "text": n.text,
            "state": n.state,
            "attempts": n.attempts,
            "next_attempt_at": aware(n.next_attempt_at) if n.state == "queued" else None,
            "last_error": n.last_error,
            "created_at": aware(n.created_at),
            "sent_at": aware(n.sent_at),
        }
        for n in rows
    ]
