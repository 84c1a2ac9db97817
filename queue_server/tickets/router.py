"""Ticket endpoints: issue, look up, and the counter actions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from ..bounds import Id, Token
from ..centres.service import ensure_centre_visible
from ..deps import AnyCaller, AppSettings, CounterActor, DbSession, Public, TicketIssuer
from ..queues.views import missed_view, ticket_view
from ..security.ratelimit import client_address
from . import service
from .pages import check_rate
from .schemas import (
    CallMissedRequest,
    CallNumberRequest,
    MissedTicket,
    SkipRequest,
    TicketCreate,
    TicketRead,
    TransferRequest,
)

router = APIRouter(tags=["tickets"])

ERRORS = {
    401: {"description": "missing, unknown or revoked token"},
    403: {"description": "not allowed for this caller or counter"},
    404: {"description": "unknown ticket, service or counter"},
    409: {"description": "illegal state transition, closed service or counter"},
    422: {"description": "invalid input"},
}


@router.post(
    "/tickets",
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "replayed client_request_id: the ticket issued the first time", "model": TicketRead},
        **ERRORS,
    },
    summary="Issue a queue ticket (kiosk, clerk, console, admin)",
)
async def issue_ticket(data: TicketCreate, actor: TicketIssuer, request: Request, response: Response):
    # batched with the requests arriving meanwhile (batching.py), in a transaction of the batch's own
    issued = await request.app.state.ticket_issuer.issue(actor, data)
    if not issued.created:
        response.status_code = status.HTTP_200_OK
    return issued.view


@router.get(
    "/tickets/track/{token}",
    response_model=TicketRead,
    responses={
        **ERRORS,
        429: {"description": "too many reads from this address (MOTCUA_TICKET_PAGE_RATE_LIMIT_PER_MINUTE)"},
    },
    summary="A ticket by the token on its printed QR (public)",
)
def track_ticket(token: Token, request: Request, session: DbSession, settings: AppSettings, _: Public):
    check_rate(request.app, client_address(request))  # with the ticket page's limit
    return ticket_view(session, settings, service.find_by_public_token(session, token))


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketRead,
    responses=ERRORS,
    summary="A ticket with its state and position (staff, devices)",
)
def get_ticket(ticket_id: Id, session: DbSession, settings: AppSettings, actor: AnyCaller):
    ticket = service.get_ticket(session, ticket_id)
    ensure_centre_visible(actor, ticket.centre_id)
    return ticket_view(session, settings, ticket)


@router.post(
    "/counters/{counter_id}/call-next",
    response_model=TicketRead,
    responses={204: {"description": "nobody is waiting for this counter"}, **ERRORS},
    summary="Call the counter's next ticket (clerk on duty, counter console, admin)",
)
def call_next(counter_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
    ticket = service.call_next(session, settings, actor, counter_id)
    if ticket is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ticket_view(session, settings, ticket)


@router.post(
    "/counters/{counter_id}/call", response_model=TicketRead, responses=ERRORS, summary="Call a specific waiting number"
)
def call_number(
    counter_id: Id, data: CallNumberRequest, session: DbSession, settings: AppSettings, actor: CounterActor
):
    return ticket_view(
        session, settings, service.call_number(session, settings, actor, counter_id, data.display_number)
    )


@router.get(
    "/counters/{counter_id}/missed",
    response_model=list[MissedTicket],
    responses=ERRORS,
    summary="Tickets marked absent today that this counter may still call back (MOTCUA_MISSED_RECALL_MINUTES)",
)
def missed(counter_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
    return [missed_view(session, settings, t) for t in service.missed_list(session, settings, actor, counter_id)]


@router.post(
    "/counters/{counter_id}/call-missed",
    response_model=TicketRead,
    responses=ERRORS,
    summary="Call back a ticket marked absent (within MOTCUA_MISSED_RECALL_MINUTES)",
)
def call_missed(
    counter_id: Id, data: CallMissedRequest, session: DbSession, settings: AppSettings, actor: CounterActor
):
    return ticket_view(session, settings, service.call_missed(session, settings, actor, counter_id, data.ticket_id))


@router.post(
    "/tickets/{ticket_id}/recall",
    response_model=TicketRead,
    responses=ERRORS,
    summary="Announce a called ticket again (capped)",
)
def recall(ticket_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
    return ticket_view(session, settings, service.recall(session, settings, actor, ticket_id))


@router.post(
    "/tickets/{ticket_id}/start",
    response_model=TicketRead,
    responses=ERRORS,
    summary="The visitor arrived: start serving",
)
def start(ticket_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
    return ticket_view(session, settings, service.start(session, actor, ticket_id))


@router.post(
    "/tickets/{ticket_id}/complete",
    response_model=TicketRead,
    responses=ERRORS,
    summary="Finish serving; asks the counter's tablet for a rating",
)
def complete(ticket_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
    return ticket_view(session, settings, service.complete(session, actor, ticket_id))


@router.post(
    "/tickets/{ticket_id}/skip",
    response_model=TicketRead,
    responses=ERRORS,
    summary="No-show, or re-queue a few places back",
)
def skip(
    ticket_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor, data: SkipRequest | None = None
):
    return ticket_view(session, settings, service.skip(session, settings, actor, ticket_id, data or SkipRequest()))


@router.post(
    "/tickets/{ticket_id}/transfer",
    response_model=TicketRead,
    responses=ERRORS,
    summary="Transfer to another service or counter",
)
def transfer(ticket_id: Id, data: TransferRequest, session: DbSession, settings: AppSettings, actor: CounterActor):
    return ticket_view(session, settings, service.transfer(session, settings, actor, ticket_id, data))


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketRead, responses=ERRORS, summary="Cancel a ticket")
def cancel(ticket_id: Id, session: DbSession, settings: AppSettings, actor: CounterActor):
    return ticket_view(session, settings, service.cancel(session, settings, actor, ticket_id))
