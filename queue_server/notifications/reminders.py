"""«Nhắc lịch hẹn ngày mai»: from MOTCUA_NOTIFY_REMINDER_HOUR (centre time) the day before, each
active booking for tomorrow whose visitor agreed to messages gets one reminder. The sender loop
runs this at every poll; the outbox's dedupe key (booking + its day) makes it once, and a booking
moved to another day is reminded of its new day."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..appointments.models import ACTIVE_STATES, Appointment
from ..appointments.service import message_fields
from ..centres.models import Service
from ..timeutil import VN_TZ, local
from . import service
from .models import Notification
from .templates import render

KIND = "appointment_reminder"


def _source(appointment: Appointment) -> str:
    return f"{appointment.id}@{appointment.day.isoformat()}"


def record_due_reminders(session: Session, now: datetime, from_hour: int) -> int:
    """Queue the reminders due at `now` (aware) not queued yet; how many were queued."""
    today = local(now).date()
    since = datetime.combine(today, time(from_hour), VN_TZ)
    if now < since:
        return 0
    bookings = list(
        session.scalars(
            select(Appointment).where(
                Appointment.day == today + timedelta(days=1),
                Appointment.state.in_(ACTIVE_STATES),
                Appointment.notify.is_(True),
                # booked this evening, after the hour: the confirmation just said it all
                Appointment.created_at < since,
            )
        )
    )
    keys = {f"{KIND}:{_source(a)}": a for a in bookings}
    if keys:
        done = set(session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys))))
        bookings = [a for key, a in keys.items() if key not in done]
    for appointment in bookings:
        fields = message_fields(appointment, session.get(Service, appointment.service_id))
        text = render(session, appointment.centre_id, KIND, **fields)
        service.record(session, appointment.centre_id, KIND, _source(appointment), appointment.phone, text)
    return len(bookings)
