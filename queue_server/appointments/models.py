"""Bookable slots, bookings and each service's booking settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow

# booked → checked_in (a ticket was issued) | cancelled. A booking never checked in is a no-show
# once its grace time has passed (derived, see service.booking_status: nothing has to sweep it).
ACTIVE_STATES = ("booked", "checked_in")


class BookingSettings(Base):
    """A service's booking and remote-number settings (a service without a row: the defaults, both off)."""

    __tablename__ = "booking_settings"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    booking_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=2)
    days_ahead: Mapped[int] = mapped_column(Integer, default=14)  # bookable from tomorrow up to this many days
    remote_enabled: Mapped[bool] = mapped_column(Boolean, default=False)  # lấy số từ xa
    remote_per_hour: Mapped[int] = mapped_column(Integer, default=10)  # remote numbers per clock hour
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppointmentSlot(Base):
    """One bookable time of a service, created when first booked. `booked` counts the active
    bookings; the conditional increment (service.take_place) and the check constraint keep it
    within `capacity` whatever the concurrency."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("service_id", "start", name="uq_appointment_slots_service_id_start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # centre-local
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("code", name="uq_appointments_code"),
        UniqueConstraint("qr_token", name="uq_appointments_qr_token"),
        # one active booking per phone, service and day: the last line behind the service's check
        Index(
            "uq_appointments_active_phone",
            "service_id",
            "day",
            "phone",
            unique=True,
            sqlite_where=text("state IN ('booked', 'checked_in')"),
            postgresql_where=text("state IN ('booked', 'checked_in')"),
        ),
        Index("ix_appointments_centre_day", "centre_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    code: Mapped[str] = mapped_column(String(12))  # typed at the kiosk, with the phone for changes
    qr_token: Mapped[str] = mapped_column(String(40))  # the QR's unforgeable part
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    full_name: Mapped[str] = mapped_column(String(200))  # personal data: never logged
    phone: Mapped[str] = mapped_column(String(20))  # digits only; personal data
    notify: Mapped[bool] = mapped_column(Boolean, default=False)  # consent to messages at `phone`
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    citizen_id: Mapped[str | None] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    checked_in_late: Mapped[bool] = mapped_column(Boolean, default=False)  # after the grace: a walk-in ticket
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class RemoteNumber(Base):
    """A ticket taken from the phone (lấy số từ xa): who took it, for the cap and the one-per-day rule."""

    __tablename__ = "remote_numbers"
    __table_args__ = (
        UniqueConstraint("service_id", "day", "phone", name="uq_remote_numbers_service_id_day_phone"),
        Index("ix_remote_numbers_service_taken", "service_id", "taken_at"),
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, autoincrement=False)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20))  # personal data
    taken_at: Mapped[datetime] = mapped_column()
