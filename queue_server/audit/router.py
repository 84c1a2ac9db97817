"""Reading the audit log (admins: all; managers: their agencies). There is no endpoint that
changes or removes an entry, by design."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..bounds import Id, text
from ..deps import AdminOrManager, DbSession
from ..timeutil import local_day
from . import schemas, service

router = APIRouter(tags=["audit"])
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed"},
    422: {"description": "invalid input"},
}


Entity = text(40, 1)
EntityId = text(60, 1)
Action = text(30, 1)
ActorName = text(120, 1)
Words = text(200, 1)


class AuditFilters(BaseModel):
    centre_id: Id | None = None
    entity: Entity | None = Field(None, description="service, counter, user, device, centre, agency, …")
    entity_id: EntityId | None = None
    action: Action | None = Field(None, description="create, update, revoke, deactivate, reset_password, …")
    actor_name: ActorName | None = Field(None, description="part of the username of who acted")
    text: Words | None = Field(None, description="part of the entry's summary")
    day_from: date | None = None
    day_to: date | None = None


Filters = Annotated[AuditFilters, Query()]


def _filters(f: AuditFilters) -> dict:
    return f.model_dump()


@router.get("/audit", response_model=list[schemas.AuditRead], responses=ERRORS, summary="The audit log, newest first")
def list_audit(
    session: DbSession,
    actor: AdminOrManager,
    filters: Filters,
    limit: int = Query(100, ge=1, le=500),
    before_id: Id | None = Query(None, description="the next page: entries older than this id"),
):
    return [
        service.entry_read(e)
        for e in service.list_entries(session, actor, limit=limit, before_id=before_id, **_filters(filters))
    ]


@router.get(
    "/audit.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "the filtered log as CSV"}},
    summary="The audit log as CSV (UTF-8, for Excel)",
)
def export_audit(session: DbSession, actor: AdminOrManager, filters: Filters):
    body = service.to_csv(session, actor, **_filters(filters))
    name = f"nhat-ky-quan-tri-{local_day().isoformat()}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
