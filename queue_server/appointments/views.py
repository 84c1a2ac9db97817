"""What the API and pages show of a booking (the phone masked)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from ..centres.models import Service
from ..config import Settings
from ..timeutil import aware, local
from .models import Appointment, BookingSettings
from .service import CheckIn, booking_status

STATUS_LABELS = {
    "booked": "Đã đặt lịch",
    "checked_in": "Đã xác nhận tại trung tâm",
    "cancelled": "Đã hủy",
    "no_show": "Không đến (quá giờ hẹn)",
}


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(0, len(phone) - 6) + phone[-3:] if len(phone) > 6 else "***"


def qr_url(settings: Settings, appointment: Appointment) -> str:
    return f"{settings.public_base_url.rstrip('/')}/h/{appointment.qr_token}"


def appointment_view(session: Session, settings: Settings, appointment: Appointment) -> dict:
    service = session.get(Service, appointment.service_id)
    status = booking_status(settings, appointment)
    start = aware(appointment.start)
    return {
        "code": appointment.code,
        "service_id": appointment.service_id,
        "service_name": service.name if service else "",
        "start": start,
        "end": aware(appointment.end),
        "status": status,
        "status_label": STATUS_LABELS[status],
        "full_name": appointment.full_name,
        "phone_masked": mask_phone(appointment.phone),
        "qr_url": qr_url(settings, appointment),
        "checkin_from": start - timedelta(minutes=settings.checkin_early_minutes),
        "checkin_until": start + timedelta(minutes=settings.checkin_grace_minutes),
    }


def staff_view(settings: Settings, appointment: Appointment) -> dict:
    return {
        "id": appointment.id,
        "code": appointment.code,
        "service_id": appointment.service_id,
        "start": aware(appointment.start),
        "end": aware(appointment.end),
        "status": booking_status(settings, appointment),
        "full_name": appointment.full_name,
        "phone_masked": mask_phone(appointment.phone),
        "checked_in_at": aware(appointment.checked_in_at),
        "checked_in_late": appointment.checked_in_late,
        "ticket_id": appointment.ticket_id,
    }


def booking_settings_view(row: BookingSettings) -> dict:
    return {
        name: getattr(row, name)
        for name in (
            "service_id",
            "booking_enabled",
            "slot_minutes",
            "slot_capacity",
            "days_ahead",
            "remote_enabled",
            "remote_per_hour",
        )
    }


def check_in_message(settings: Settings, done: CheckIn) -> str:
    start = local(done.appointment.start).strftime("%H:%M")
    number = done.ticket.display_number
    if done.late:
        return (
            f"Bạn đến muộn hơn {settings.checkin_grace_minutes} phút so với giờ hẹn {start}: "
            f"số {number} được xếp như người đến trực tiếp."
        )
    return f"Đã xác nhận lịch hẹn {start}. Số {number} được ưu tiên gọi trước người không đặt lịch."


def remote_absence_rule(settings: Settings) -> str:
    """The absence rule for a number taken from the phone, as the visitor is told it (queue policy)."""
    calls = settings.remote_absent_after_calls
    times = {1: "một", 2: "hai", 3: "ba"}.get(calls, str(calls))
    said = "được gọi" if calls == 1 else f"được gọi {times} lần"
    rule = f"Nếu {said} mà bạn chưa có mặt tại quầy, số của bạn không được xếp lại vào hàng chờ mà chuyển vào danh sách vắng mặt"
    if settings.missed_recall_minutes <= 0:
        return rule + "; khi đó bạn cần lấy số mới."
    return rule + f"; trong {settings.missed_recall_minutes} phút sau đó, hãy đến quầy để được gọi lại."
