"""POST /ratings (counter tablets), the criteria list, and the satisfaction summary."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ..auth.principal import Principal
from ..bounds import INT32_MAX
from ..deps import Admin, AnyCaller, AppSettings, DbSession, Staff, allow
from . import schemas, service

router = APIRouter(tags=["ratings"])
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed"},
    404: {"description": "not found"},
    409: {"description": "conflict"},
    422: {"description": "invalid input"},
}
Tablet = Annotated[Principal, allow("tablet")]


@router.post(
    "/ratings",
    response_model=schemas.RatingRead,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Record a visitor's rating of a served ticket (201; a replay of the same idempotency_key → 200)",
)
def create_rating(
    data: schemas.RatingCreate, session: DbSession, settings: AppSettings, actor: Tablet, response: Response
):
    rating, created = service.record_rating(session, actor, data, rating_window_s=settings.rating_window_s)
    if not created:
        response.status_code = status.HTTP_200_OK
    return rating


@router.get(
    "/ratings/criteria",
    response_model=schemas.CriteriaRead,
    responses=ERRORS,
    summary="The current list of detailed criteria and the three levels",
)
def get_criteria(session: DbSession, _: AnyCaller):
    return service.criteria_read(service.current_criteria(session))


@router.post(
    "/ratings/criteria",
    response_model=schemas.CriteriaRead,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Publish a new criteria list (items, or preset 'detailed' / 'provincial'); old ratings keep theirs",
)
def publish_criteria(data: schemas.CriteriaCreate, session: DbSession, actor: Admin):
    return service.criteria_read(service.publish_criteria(session, actor, data))


@router.get(
    "/ratings/summary",
    response_model=schemas.Summary,
    responses=ERRORS,
    summary="Satisfaction per officer, counter, agency or service over centre-local days (inclusive)",
)
def rating_summary(
    session: DbSession,
    actor: Staff,
    date_from: date | None = Query(None, alias="from", description="first local day; default: `to`"),
    date_to: date | None = Query(None, alias="to", description="last local day; default: today"),
    group_by: schemas.GroupBy = "officer",
    centre_id: int | None = Query(None, ge=1, le=INT32_MAX, description="default: the caller's centre"),
):
    return service.summary(session, actor, date_from=date_from, date_to=date_to, group_by=group_by, centre_id=centre_id)
