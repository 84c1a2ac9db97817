"""Administration of centres, agencies, services and counters; counter state changes."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from ..bounds import INT32_MAX, Id
from ..deps import Admin, AnyCaller, AppSettings, CounterActor, DbSession, Staff
from ..queues import views
from . import schemas, service

router = APIRouter()
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed"},
    404: {"description": "not found"},
    409: {"description": "conflict"},
    422: {"description": "invalid input"},
}


# centres
@router.post(
    "/centres", response_model=schemas.CentreRead, status_code=status.HTTP_201_CREATED, tags=["admin"], responses=ERRORS
)
def create_centre(data: schemas.CentreCreate, session: DbSession, actor: Admin):
    return service.create_centre(session, data, actor=actor)


@router.get("/centres", response_model=list[schemas.CentreRead], tags=["admin"], responses=ERRORS)
def list_centres(session: DbSession, actor: AnyCaller):
    return service.list_centres(session, actor)


@router.get("/centres/{centre_id}", response_model=schemas.CentreRead, tags=["admin"], responses=ERRORS)
def get_centre(centre_id: Id, session: DbSession, actor: AnyCaller):
    service.ensure_centre_visible(actor, centre_id)
    return service.get_centre(session, centre_id)


@router.patch("/centres/{centre_id}", response_model=schemas.CentreRead, tags=["admin"], responses=ERRORS)
def update_centre(centre_id: Id, data: schemas.CentreUpdate, session: DbSession, actor: Admin):
    return service.update_centre(session, centre_id, data, actor=actor)


@router.get(
    "/centres/{centre_id}/snapshot",
    tags=["realtime"],
    responses=ERRORS,
    summary="The state the WebSocket snapshot carries: services, counters, recent calls",
)
def snapshot(centre_id: Id, session: DbSession, settings: AppSettings, actor: AnyCaller):
    service.ensure_centre_visible(actor, centre_id)
    service.get_centre(session, centre_id)
    return views.centre_snapshot(session, centre_id, settings.default_service_s)


# agencies
@router.post(
    "/agencies",
    response_model=schemas.AgencyRead,
    status_code=status.HTTP_201_CREATED,
    tags=["admin"],
    responses=ERRORS,
)
def create_agency(data: schemas.AgencyCreate, session: DbSession, actor: Admin):
    return service.create_agency(session, data, actor=actor)


@router.get("/agencies", response_model=list[schemas.AgencyRead], tags=["admin"], responses=ERRORS)
def list_agencies(session: DbSession, actor: Staff, centre_id: Id | None = None):
    return service.list_agencies(session, actor, centre_id)


@router.patch("/agencies/{agency_id}", response_model=schemas.AgencyRead, tags=["admin"], responses=ERRORS)
def update_agency(agency_id: Id, data: schemas.AgencyUpdate, session: DbSession, actor: Admin):
    return service.update_agency(session, agency_id, data, actor=actor)


# services (queues)
@router.post(
    "/services",
    response_model=schemas.ServiceRead,
    status_code=status.HTTP_201_CREATED,
    tags=["admin"],
    responses=ERRORS,
)
def create_service(data: schemas.ServiceCreate, session: DbSession, settings: AppSettings, actor: Admin):
    created = service.create_service(session, data, actor=actor)
    return views.service_views(session, [created], settings.default_service_s)[0]


@router.get(
    "/services",
    response_model=list[schemas.ServiceRead],
    tags=["queues"],
    responses=ERRORS,
    summary="Services with their waiting count, estimated wait and whether they issue now",
)
def list_services(
    session: DbSession,
    settings: AppSettings,
    actor: AnyCaller,
    centre_id: int | None = Query(None, ge=1, le=INT32_MAX, description="default: the caller's centre"),
):
    centre_id = centre_id or actor.centre_id
    if centre_id is None:
        return []
    service.ensure_centre_visible(actor, centre_id)
    return views.service_views(session, views.list_services(session, centre_id), settings.default_service_s)


@router.get("/services/{service_id}", response_model=schemas.ServiceRead, tags=["queues"], responses=ERRORS)
def get_service(service_id: Id, session: DbSession, settings: AppSettings, actor: AnyCaller):
    svc = service.get_service(session, service_id)
    service.ensure_centre_visible(actor, svc.centre_id)
    return views.service_views(session, [svc], settings.default_service_s)[0]


@router.patch("/services/{service_id}", response_model=schemas.ServiceRead, tags=["admin"], responses=ERRORS)
def update_service(
    service_id: Id, data: schemas.ServiceUpdate, session: DbSession, settings: AppSettings, actor: Admin
):
    svc = service.update_service(session, service_id, data, default_service_s=settings.default_service_s, actor=actor)
    return views.service_views(session, [svc], settings.default_service_s)[0]


# counters
@router.post(
    "/counters",
    response_model=schemas.CounterRead,
    status_code=status.HTTP_201_CREATED,
    tags=["admin"],
    responses=ERRORS,
)
def create_counter(data: schemas.CounterCreate, session: DbSession, actor: Admin):
    return views.counter_view(session, service.create_counter(session, data, actor=actor))


@router.get("/counters", response_model=list[schemas.CounterRead], tags=["queues"], responses=ERRORS)
def list_counters(session: DbSession, actor: AnyCaller, centre_id: Id | None = None):
    centre_id = centre_id or actor.centre_id
    if centre_id is None:
        return []
    service.ensure_centre_visible(actor, centre_id)
    return [views.counter_view(session, c) for c in views.list_counters(session, centre_id)]


@router.get("/counters/{counter_id}", response_model=schemas.CounterRead, tags=["queues"], responses=ERRORS)
def get_counter(counter_id: Id, session: DbSession, actor: AnyCaller):
    counter = service.get_counter(session, counter_id)
    service.ensure_centre_visible(actor, counter.centre_id)
    return views.counter_view(session, counter)


@router.patch("/counters/{counter_id}", response_model=schemas.CounterRead, tags=["admin"], responses=ERRORS)
def update_counter(counter_id: Id, data: schemas.CounterUpdate, session: DbSession, actor: Admin):
    return views.counter_view(session, service.update_counter(session, counter_id, data, actor=actor))


@router.get(
    "/counters/{counter_id}/queue",
    tags=["queues"],
    responses=ERRORS,
    summary="Waiting tickets for the services this counter serves",
)
def counter_queue(counter_id: Id, session: DbSession, settings: AppSettings, actor: Staff):
    counter = service.get_counter(session, counter_id)
    service.ensure_centre_visible(actor, counter.centre_id)
    tickets = views.waiting_list(session, [link.service_id for link in counter.services])
    return [views.ticket_view(session, settings, t) for t in tickets]


def _state_route(state: str, summary: str):
    def handler(counter_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
        counter = service.set_counter_state(
            session, actor, counter_id, state, default_service_s=settings.default_service_s
        )
        return views.counter_view(session, counter)

    handler.__name__ = f"{state}_counter"
    router.add_api_route(
        f"/counters/{{counter_id}}/{'open' if state == 'open' else 'pause' if state == 'paused' else 'close'}",
        handler,
        methods=["POST"],
        response_model=schemas.CounterRead,
        tags=["queues"],
        responses=ERRORS,
        summary=summary,
    )


_state_route("open", "Open the counter (a clerk signs in and takes it)")
_state_route("paused", "Pause the counter (boards show Tạm dừng)")
_state_route("closed", "Close the counter (the officer signs out)")
