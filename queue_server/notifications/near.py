"""Messages a call causes, to booked visitors who agreed to messages, recorded in the call's
transaction and at most once per ticket (the outbox's dedupe key):

- «còn N người nữa đến lượt bạn» to the ticket a call leaves exactly N ahead
  (MOTCUA_NOTIFY_NEAR_AHEAD);
- «mời số … đến quầy …» to the ticket called (a recall, or a later call of the same ticket, sends
  nothing more)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..appointments.models import Appointment
from ..centres.models import Counter, Service
from ..queues.figures import QUEUE_ORDER
from ..tickets.models import WAITING_STATES, Ticket
from . import service
from .templates import render


def _consenting_booking(session: Session, ticket: Ticket) -> Appointment | None:
    """The booking the ticket was checked in from, if its visitor agreed to messages."""
    if ticket.source != "appointment":  # only booked visitors gave a phone and consent
        return None
    return session.scalars(
        select(Appointment).where(Appointment.ticket_id == ticket.id, Appointment.notify.is_(True))
    ).first()


def record_near(session: Session, ahead: int, service_id: int) -> None:
    """After a call from `service_id`'s queue: queue the message for the ticket `ahead` places from the front."""
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.service_id == service_id, Ticket.state.in_(WAITING_STATES))
        .order_by(*QUEUE_ORDER)
        .offset(ahead)
        .limit(1)
    ).first()
    appointment = ticket and _consenting_booking(session, ticket)
    if appointment is None:
        return
    name = session.get(Service, service_id).name
    text = render(session, ticket.centre_id, "queue_near", number=ticket.display_number, service=name, ahead=ahead)
    service.record(session, ticket.centre_id, "queue_near", ticket.id, appointment.phone, text)


def record_called(session: Session, ticket: Ticket, counter: Counter) -> None:
    """The ticket was just called to `counter`: tell its booked visitor which counter, once."""
    appointment = _consenting_booking(session, ticket)
    if appointment is None:
        return
    text = render(
        session,
        ticket.centre_id,
        "ticket_called",
        number=ticket.display_number,
        counter=counter.number,
        counter_name=counter.name or f"Quầy {counter.number}",
        service=session.get(Service, ticket.service_id).name,
    )
    service.record(session, ticket.centre_id, "ticket_called", ticket.id, appointment.phone, text)
