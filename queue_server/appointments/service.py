"""Booking, changing and checking in appointments; numbers taken from the phone.

Capacity: a slot's row counts its active bookings; a place is taken by one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`), which PostgreSQL re-evaluates on the row it
waited for and SQLite runs under its single writer — so no interleaving can overbook, and the
slot's CHECK constraint is the last line behind it. Services never commit (the request does).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from ..auth.principal import Principal
from ..auth.security import new_public_token
from ..calendar.service import calendar_for
from ..centres.hours import _windows, hours_in_force
from ..centres.models import Centre, Service
from ..centres.service import ensure_centre_visible, get_service
from ..config import Settings
from ..db import lock_only
from ..errors import DomainError
from ..notifications import service as notifications
from ..notifications.templates import render
from ..realtime.service import record_event
from ..tickets import service as tickets
from ..tickets.models import RANK_BOOKED, RANK_WALK_IN, Ticket
from ..tickets.schemas import InternalTicketCreate
from ..timeutil import VN_TZ, WEEKDAYS_VI, aware, local, local_day, utcnow
from . import schemas
from .models import ACTIVE_STATES, Appointment, AppointmentSlot, BookingSettings, RemoteNumber

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed at a kiosk
CODE_LENGTH = 8
NOT_FOUND_MESSAGE = "Không tìm thấy lịch hẹn. Vui lòng kiểm tra lại mã lịch hẹn và số điện thoại đã đăng ký."


def booking_not_found() -> DomainError:
    """The one refusal for an unknown code and for a wrong phone (as the dossier lookup)."""
    return DomainError("booking_not_found", NOT_FOUND_MESSAGE, 404)


def normalise_phone(phone: str) -> str:
    """'+84 912 345 678' → '0912345678'; anything that is not a Vietnamese number → 422."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{9}", digits):
        raise DomainError(
            "invalid_phone", "Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0, ví dụ 0912345678).", 422
        )
    return digits


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()[:20]


def _hhmm(dt: datetime) -> str:
    return local(dt).strftime("%H:%M")


def _date_vi(day: date) -> str:
    return f"{WEEKDAYS_VI[day.weekday()]}, {day:%d/%m/%Y}"


# -- settings ---------------------------------------------------------------------------------


def booking_settings(session: Session, service_id: int) -> BookingSettings:
    """The service's settings row, or the defaults (booking and remote numbers off) unsaved."""
    row = session.get(BookingSettings, service_id)
    if row is None:
        row = BookingSettings(
            service_id=service_id,
            booking_enabled=False,
            slot_minutes=15,
            slot_capacity=2,
            days_ahead=14,
            remote_enabled=False,
            remote_per_hour=10,
        )
    return row


def put_booking_settings(
    session: Session, actor: Principal, service_id: int, data: schemas.BookingSettingsIn
) -> BookingSettings:
    service = get_service(session, service_id)
    ensure_centre_visible(actor, service.centre_id)
    row = session.get(BookingSettings, service_id)
    if row is None:
        row = booking_settings(session, service_id)
        session.add(row)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    # Places already booked stay booked: future slots take the new capacity, never below their bookings.
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.service_id == service_id, AppointmentSlot.start > utcnow())
        .values(capacity=func.max(AppointmentSlot.booked, row.slot_capacity))
        if session.get_bind().dialect.name == "sqlite"
        else update(AppointmentSlot)
        .where(AppointmentSlot.service_id == service_id, AppointmentSlot.start > utcnow())
        .values(capacity=func.greatest(AppointmentSlot.booked, row.slot_capacity))
    )
    return row


def _service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id, options=(joinedload(Service.hours),))
    if service is None:
        raise DomainError("service_not_found", "Không tìm thấy dịch vụ đã chọn.", 404)
    return service


def bookable_services(session: Session, centre_id: int | None = None) -> list[dict]:
    """The services that take bookings or remote numbers, for the public page."""
    today = local_day()
    stmt = (
        select(Service, BookingSettings, Centre)
        .join(BookingSettings, BookingSettings.service_id == Service.id)
        .join(Centre, Centre.id == Service.centre_id)
        .where((BookingSettings.booking_enabled.is_(True)) | (BookingSettings.remote_enabled.is_(True)))
        .order_by(Service.centre_id, Service.sort_order, Service.id)
    )
    if centre_id is not None:
        stmt = stmt.where(Service.centre_id == centre_id)
    out = []
    for service, row, centre in session.execute(stmt).all():
        out.append(
            {
                "id": service.id,
                "name": service.name,
                "centre_id": centre.id,
                "centre_name": centre.name,
                "booking_enabled": row.booking_enabled,
                "remote_enabled": row.remote_enabled,
                "slot_minutes": row.slot_minutes,
                "first_day": today + timedelta(days=1),
                "last_day": today + timedelta(days=row.days_ahead),
            }
        )
    return out


# -- slots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, centre-local
    end: datetime


def day_slots(session: Session, service: Service, row: BookingSettings, day: date) -> list[Slot]:
    """The service's slots on `day`: its issuing hours (or, without hours, the centre's receiving
    sessions) on a working day of the centre's calendar, cut into `slot_minutes`; none otherwise."""
    calendar = calendar_for(session, service.centre_id)
    if not calendar.is_working_day(day):
        return []
    if hours_in_force(service, day) is not None:
        windows = _windows(service, day, calendar) or []
    else:
        windows = [
            (datetime.combine(day, s.start, VN_TZ), datetime.combine(day, s.end, VN_TZ))
            for s in calendar.receiving_sessions(day)
        ]
    step = timedelta(minutes=row.slot_minutes)
    slots = []
    for start, end in windows:
        at = start
        while at + step <= end:
            slots.append(Slot(at, at + step))
            at += step
    return slots


def _check_day(session: Session, service: Service, row: BookingSettings, day: date) -> None:
    if not row.booking_enabled:
        raise DomainError("booking_not_offered", f"Dịch vụ {service.name} chưa nhận đặt lịch hẹn.", 409)
    today = local_day()
    last = today + timedelta(days=row.days_ahead)
    if day <= today or day > last:
        raise DomainError(
            "booking_day_out_of_range",
            f"Chỉ đặt lịch hẹn từ ngày mai đến hết ngày {last:%d/%m/%Y}.",
            422,
            first_day=(today + timedelta(days=1)).isoformat(),
            last_day=last.isoformat(),
        )
    calendar = calendar_for(session, service.centre_id)
    if not calendar.is_working_day(day):
        reason = calendar.day_off_reason(day)
        why = f" ({reason})" if reason else ""
        raise DomainError(
            "booking_day_closed",
            f"{_date_vi(day)} trung tâm không làm việc{why}. Vui lòng chọn ngày làm việc khác.",
            409,
        )


def list_slots(session: Session, service_id: int, day: date) -> list[dict]:
    service = _service(session, service_id)
    row = booking_settings(session, service_id)
    _check_day(session, service, row, day)
    slots = day_slots(session, service, row, day)
    taken = {
        aware(s.start): s
        for s in session.execute(
            select(AppointmentSlot).where(AppointmentSlot.service_id == service_id, AppointmentSlot.day == day)
        ).scalars()
    }
    out = []
    for slot in slots:
        stored = taken.get(slot.start)
        capacity = stored.capacity if stored is not None else row.slot_capacity
        booked = stored.booked if stored is not None else 0
        out.append({"start": slot.start, "end": slot.end, "capacity": capacity, "available": max(0, capacity - booked)})
    return out


def _slot_at(session: Session, service: Service, row: BookingSettings, start: datetime) -> Slot:
    start = local(start)
    _check_day(session, service, row, start.date())
    for slot in day_slots(session, service, row, start.date()):
        if slot.start == start:
            return slot
    raise DomainError(
        "not_a_slot",
        f"{start:%H:%M} ngày {start:%d/%m/%Y} không phải một khung giờ hẹn của dịch vụ {service.name}.",
        422,
    )


def _slot_row(session: Session, service: Service, row: BookingSettings, slot: Slot) -> int:
    """The slot's row id, created (once, whatever the concurrency) on its first booking."""
    table = AppointmentSlot.__table__
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    values = {
        "service_id": service.id,
        "day": slot.start.date(),
        "start": slot.start,
        "end": slot.end,
        "capacity": row.slot_capacity,
        "booked": 0,
    }
    session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["service_id", "start"]))
    return session.execute(
        select(AppointmentSlot.id).where(AppointmentSlot.service_id == service.id, AppointmentSlot.start == slot.start)
    ).scalar_one()


def _take_place(session: Session, service: Service, slot_id: int, slot: Slot) -> None:
    taken = session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked < AppointmentSlot.capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise DomainError(
            "slot_full",
            f"Khung giờ {_hhmm(slot.start)} {_date_vi(slot.start.date())} của dịch vụ {service.name} "
            "đã hết chỗ. Vui lòng chọn khung giờ khác.",
            409,
        )


def _give_back(session: Session, slot_id: int) -> None:
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def _one_per_day(session: Session, service: Service, phone: str, day: date, except_id: int | None = None) -> None:
    stmt = select(Appointment.id).where(
        Appointment.service_id == service.id,
        Appointment.day == day,
        Appointment.phone == phone,
        Appointment.state.in_(ACTIVE_STATES),
    )
    if except_id is not None:
        stmt = stmt.where(Appointment.id != except_id)
    if session.execute(stmt.limit(1)).first() is not None:
        raise already_booked(service.name, day)


def already_booked(service_name: str, day: date) -> DomainError:
    # The code is not repeated: whoever types someone else's phone learns nothing they could use.
    return DomainError(
        "already_booked",
        f"Số điện thoại này đã có lịch hẹn dịch vụ {service_name} trong {_date_vi(day)}. "
        "Mỗi số điện thoại đặt một lịch cho mỗi dịch vụ trong ngày; hãy đổi giờ hoặc hủy lịch đã đặt.",
        409,
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def book(session: Session, data: schemas.AppointmentCreate, notifications_on: bool = False) -> Appointment:
    """A booking; with the visitor's consent and notifications on, its confirmation message is
    queued in the same transaction (sent after commit: notifications/sender.py)."""
    service = _service(session, data.service_id)
    row = booking_settings(session, service.id)
    phone = normalise_phone(data.phone)
    slot = _slot_at(session, service, row, data.start)
    _one_per_day(session, service, phone, slot.start.date())
    slot_id = _slot_row(session, service, row, slot)
    _take_place(session, service, slot_id, slot)
    appointment = Appointment(
        centre_id=service.centre_id,
        service_id=service.id,
        slot_id=slot_id,
        code=_new_code(),
        qr_token=new_public_token(),
        day=slot.start.date(),
        start=slot.start,
        end=slot.end,
        full_name=data.full_name.strip(),
        phone=phone,
        procedure_code=data.procedure_code,
        citizen_id=data.citizen_id,
        notify=data.notify,
        state="booked",
        created_at=utcnow(),
    )
    session.add(appointment)
    session.flush()
    _publish(session, appointment, "appointment.booked")
    if data.notify and notifications_on:
        text = render(session, service.centre_id, "booking_confirmed", **message_fields(appointment, service))
        notifications.record(session, service.centre_id, "booking_confirmed", appointment.id, phone, text)
    return appointment


def message_fields(appointment: Appointment, service: Service) -> dict[str, str]:
    """The placeholders of the booking's messages (confirmation, reminder): notifications/templates.py."""
    return {
        "code": appointment.code,
        "service": service.name,
        "time": _hhmm(appointment.start),
        "date": _date_vi(appointment.day),
    }


def _publish(session: Session, appointment: Appointment, type_: str, **extra) -> None:
    """The domain event (no personal data: boards of the centre receive it too)."""
    record_event(
        session,
        appointment.centre_id,
        type_,
        {
            "appointment_id": appointment.id,
            "service_id": appointment.service_id,
            "start": aware(appointment.start).isoformat(),
            "end": aware(appointment.end).isoformat(),
            "state": appointment.state,
            **extra,
        },
    )


def find(session: Session, code: str, phone: str) -> Appointment:
    """The booking with this code and phone; the same refusal for an unknown code and a wrong phone."""
    code = normalise_code(code)
    appointment = session.execute(select(Appointment).where(Appointment.code == code)).scalar_one_or_none()
    try:
        phone = normalise_phone(phone)
    except DomainError:
        phone = ""
    expected = appointment.phone if appointment is not None else "\x00" * 10
    if not secrets.compare_digest(expected.encode(), phone.encode()) or appointment is None:
        raise booking_not_found()
    return appointment


def _lock(session: Session, appointment: Appointment) -> None:
    lock_only(session, select(Appointment.id).where(Appointment.id == appointment.id))
    session.refresh(appointment)


def _changeable(appointment: Appointment, what: str) -> None:
    if appointment.state == "cancelled":
        raise DomainError("booking_cancelled", f"Lịch hẹn {appointment.code} đã được hủy, không thể {what}.", 409)
    if appointment.state == "checked_in":
        raise DomainError(
            "booking_checked_in", f"Lịch hẹn {appointment.code} đã được xác nhận tại trung tâm, không thể {what}.", 409
        )
    if aware(appointment.start) <= utcnow():
        raise DomainError("booking_past", f"Lịch hẹn {appointment.code} đã qua giờ hẹn, không thể {what}.", 409)


def cancel(session: Session, code: str, phone: str) -> Appointment:
    appointment = find(session, code, phone)
    _lock(session, appointment)
    _changeable(appointment, "hủy")
    appointment.state = "cancelled"
    appointment.cancelled_at = utcnow()
    _give_back(session, appointment.slot_id)
    session.flush()
    _publish(session, appointment, "appointment.cancelled")
    return appointment


def reschedule(session: Session, code: str, phone: str, start: datetime) -> Appointment:
    appointment = find(session, code, phone)
    _lock(session, appointment)
    _changeable(appointment, "đổi giờ")
    service = _service(session, appointment.service_id)
    row = booking_settings(session, service.id)
    slot = _slot_at(session, service, row, start)
    if slot.start == aware(appointment.start):
        return appointment
    _one_per_day(session, service, appointment.phone, slot.start.date(), except_id=appointment.id)
    slot_id = _slot_row(session, service, row, slot)
    _take_place(session, service, slot_id, slot)
    _give_back(session, appointment.slot_id)
    previous = aware(appointment.start).isoformat()
    appointment.slot_id = slot_id
    appointment.day = slot.start.date()
    appointment.start = slot.start
    appointment.end = slot.end
    session.flush()
    _publish(session, appointment, "appointment.rescheduled", previous_start=previous)
    return appointment


# -- status and check-in -----------------------------------------------------------------------


def booking_status(settings: Settings, appointment: Appointment, now: datetime | None = None) -> str:
    """booked | checked_in | cancelled | no_show (never checked in, and the grace time is over)."""
    now = now or utcnow()
    if appointment.state == "booked" and now > aware(appointment.start) + timedelta(
        minutes=settings.checkin_grace_minutes
    ):
        return "no_show"
    return appointment.state


def is_no_show(settings: Settings, at: datetime):
    """`booking_status` is no_show at `at`, as a SQL condition (for figures counted by the database)."""
    grace = timedelta(minutes=settings.checkin_grace_minutes)
    return and_(Appointment.state == "booked", Appointment.start < at - grace)


def find_for_check_in(session: Session, code: str | None, qr_token: str | None) -> Appointment:
    if qr_token:
        stmt = select(Appointment).where(Appointment.qr_token == qr_token.strip())
    elif code:
        stmt = select(Appointment).where(Appointment.code == normalise_code(code))
    else:
        raise DomainError("checkin_input_required", "Vui lòng quét mã QR lịch hẹn hoặc nhập mã lịch hẹn.", 422)
    appointment = session.execute(stmt).scalar_one_or_none()
    if appointment is None:
        raise DomainError(
            "booking_not_found", "Không tìm thấy lịch hẹn. Vui lòng kiểm tra lại mã trên tin nhắn xác nhận.", 404
        )
    return appointment


@dataclass
class CheckIn:
    appointment: Appointment
    ticket: Ticket
    late: bool
    created: bool  # False: the booking was already checked in; its ticket again


def check_in(
    session: Session,
    settings: Settings,
    actor: Principal,
    *,
    code: str | None = None,
    qr_token: str | None = None,
) -> CheckIn:
    """A booked visitor at the kiosk: a ticket served ahead of walk-ins within the window (see
    docs/queue-policy.md, *Booked visitors*), a walk-in ticket after the grace time."""
    appointment = find_for_check_in(session, code, qr_token)
    ensure_centre_visible(actor, appointment.centre_id)
    _lock(session, appointment)
    now = utcnow()
    start = aware(appointment.start)
    if appointment.state == "checked_in" and appointment.ticket_id is not None:
        return CheckIn(
            appointment, tickets.get_ticket(session, appointment.ticket_id), appointment.checked_in_late, False
        )
    if appointment.state == "cancelled":
        raise DomainError("booking_cancelled", "Lịch hẹn này đã được hủy. Mời lấy số thứ tự như thường lệ.", 409)
    today = local_day(now)
    if appointment.day != today:
        when = f"{_hhmm(start)} {_date_vi(appointment.day)}"
        if appointment.day > today:
            raise DomainError(
                "checkin_wrong_day", f"Lịch hẹn của bạn vào {when}, không phải hôm nay.", 409, start=start.isoformat()
            )
        raise DomainError(
            "checkin_wrong_day", f"Lịch hẹn của bạn vào {when} đã qua. Mời lấy số thứ tự như thường lệ.", 409
        )
    opens = start - timedelta(minutes=settings.checkin_early_minutes)
    if now < opens:
        raise DomainError(
            "checkin_too_early",
            f"Lịch hẹn của bạn lúc {_hhmm(start)}. Mời quay lại xác nhận từ {_hhmm(opens)}.",
            409,
            opens_at=opens.isoformat(),
        )
    late = now > start + timedelta(minutes=settings.checkin_grace_minutes)
    request = InternalTicketCreate(
        service_id=appointment.service_id,
        source="appointment",
        rank=RANK_WALK_IN if late else RANK_BOOKED,
        procedure_code=appointment.procedure_code,
        citizen_id=appointment.citizen_id,
    )
    issued = tickets.issue_ticket(session, settings, actor, request)
    ticket = session.get(Ticket, issued.ticket.id)
    appointment.state = "checked_in"
    appointment.checked_in_at = now
    appointment.checked_in_late = late
    appointment.ticket_id = ticket.id
    session.flush()
    _publish(session, appointment, "appointment.checked_in", ticket_id=ticket.id, late=late)
    return CheckIn(appointment, ticket, late, True)


# -- numbers taken from the phone (lấy số từ xa) --------------------------------------------------


def take_remote_number(session: Session, settings: Settings, data: schemas.RemoteNumberCreate) -> Ticket:
    """A number taken from the phone during issuing hours, within the service's cap per clock hour;
    one per phone, service and day."""
    service = _service(session, data.service_id)
    row = booking_settings(session, service.id)
    if not row.remote_enabled:
        raise DomainError("remote_not_offered", f"Dịch vụ {service.name} không cho lấy số từ xa.", 409)
    phone = normalise_phone(data.phone)
    now = utcnow()
    day = local_day(now)
    # The service's row first (the issuing path's lock order), so the hour's count cannot race.
    lock_only(session, select(Service.id).where(Service.id == service.id))
    taken = session.execute(
        select(RemoteNumber.ticket_id).where(
            RemoteNumber.service_id == service.id, RemoteNumber.day == day, RemoteNumber.phone == phone
        )
    ).first()
    if taken is not None:
        raise DomainError(
            "remote_already_taken",
            f"Số điện thoại này đã lấy số từ xa cho dịch vụ {service.name} hôm nay. "
            "Mở lại đường dẫn số thứ tự đã nhận để theo dõi.",
            409,
        )
    hour_start = local(now).replace(minute=0, second=0, microsecond=0)
    in_hour = session.execute(
        select(func.count())
        .select_from(RemoteNumber)
        .where(RemoteNumber.service_id == service.id, RemoteNumber.taken_at >= hour_start)
    ).scalar_one()
    if in_hour >= row.remote_per_hour:
        until = hour_start + timedelta(hours=1)
        raise DomainError(
            "remote_cap_reached",
            f"Dịch vụ {service.name} đã hết lượt lấy số từ xa trong khung {hour_start:%H:%M}–{until:%H:%M}. "
            f"Mời thử lại sau {until:%H:%M} hoặc lấy số tại máy ở trung tâm.",
            409,
            retry_at=until.isoformat(),
        )
    request = InternalTicketCreate(
        service_id=service.id, source="remote", rank=RANK_WALK_IN, procedure_code=data.procedure_code
    )
    issued = tickets.issue_ticket(session, settings, Principal(role="public"), request)
    session.add(RemoteNumber(ticket_id=issued.ticket.id, service_id=service.id, day=day, phone=phone, taken_at=now))
    session.flush()
    return session.get(Ticket, issued.ticket.id)


# -- staff view ---------------------------------------------------------------------------------


def day_bookings(session: Session, actor: Principal, centre_id: int, day: date) -> list[Appointment]:
    ensure_centre_visible(actor, centre_id)
    return list(
        session.execute(
            select(Appointment)
            .where(Appointment.centre_id == centre_id, Appointment.day == day)
            .order_by(Appointment.start, Appointment.id)
        ).scalars()
    )
