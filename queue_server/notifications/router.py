"""The outbox's delivery state for staff; the centre's texts of the messages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ..bounds import Id
from ..deps import Admin, AdminOrManager, DbSession
from ..timeutil import aware
from . import schemas, service, templates
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
