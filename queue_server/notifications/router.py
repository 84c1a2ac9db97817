"""The outbox's delivery state for staff; the centre's texts of the messages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ..bounds import Id
from ..deps import Admin, AdminOrManager, DbSession
from . import schemas, service, templates

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
    return service.centre_notifications(session, actor, centre_id, state, limit)


Kind = Annotated[str, Path(max_length=40, description="booking_confirmed, queue_near, … (GET lists them)")]
TEMPLATE_ERRORS = {**ERRORS, 404: {"description": "no such centre or kind of message"}}


@router.get(
    "/centres/{centre_id}/notification-templates",
    response_model=list[schemas.TemplateRead],
    responses=ERRORS,
    summary="Every kind of message with the text the centre sends, its default and its placeholders",
)
def list_templates(centre_id: Id, session: DbSession, actor: AdminOrManager):
    return templates.centre_templates(session, actor, centre_id)


@router.put(
    "/centres/{centre_id}/notification-templates/{kind}",
    response_model=schemas.TemplateRead,
    responses={**TEMPLATE_ERRORS, 422: {"description": "unknown placeholder, unmatched brace, or too long"}},
    summary="Set the centre's text for a kind of message (only that kind's placeholders, in {braces})",
)
def set_template(centre_id: Id, kind: Kind, data: schemas.TemplateUpdate, session: DbSession, actor: Admin):
    return templates.set_template(session, actor, centre_id, kind, data.text)


@router.delete(
    "/centres/{centre_id}/notification-templates/{kind}",
    response_model=schemas.TemplateRead,
    responses=TEMPLATE_ERRORS,
    summary="Return a kind of message to the default text",
)
def reset_template(centre_id: Id, kind: Kind, session: DbSession, actor: Admin):
    return templates.reset_template(session, actor, centre_id, kind)
