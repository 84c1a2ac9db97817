"""«Còn N người nữa đến lượt bạn»: when a call moves a service's queue up, the ticket now with
exactly N ahead (MOTCUA_NOTIFY_NEAR_AHEAD) is told, if it is a booked visitor who agreed to
messages. Recorded in the call's transaction; at most once per ticket (the outbox's dedupe key)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..appointments.models import Appointment
from ..centres.models import Service
from ..queues.figures import QUEUE_ORDER
from ..tickets.models import WAITING_STATES, Ticket
from . import service


def record_near(session: Session, ahead: int, service_id: int) -> None:
    """After a call from `service_id`'s queue: queue the message for the ticket `ahead` places from the front."""
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.service_id == service_id, Ticket.state.in_(WAITING_STATES))
        .order_by(*QUEUE_ORDER)
        .offset(ahead)
        .limit(1)
    ).first()
    if ticket is None or ticket.source != "appointment":  # only booked visitors gave a phone and consent
        return
    appointment = session.scalars(
        select(Appointment).where(Appointment.ticket_id == ticket.id, Appointment.notify.is_(True))
    ).first()
    if appointment is None:
        return
    name = session.get(Service, service_id).name
    text = (
        f"Số {ticket.display_number} ({name}): còn {ahead} người nữa đến lượt bạn. "
        "Vui lòng có mặt gần khu vực quầy để không lỡ lượt."
    )
    service.record(session, ticket.centre_id, "queue_near", ticket.id, appointment.phone, text)
