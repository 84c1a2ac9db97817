from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from ..bounds import Id


class BookingSettingsIn(BaseModel):
    """A service's booking and remote-number settings (fields left out are kept)."""

    booking_enabled: bool | None = None
    slot_minutes: int | None = Field(None, ge=5, le=240)
    slot_capacity: int | None = Field(None, ge=1, le=500)
    days_ahead: int | None = Field(None, ge=1, le=90)
    remote_enabled: bool | None = None
    remote_per_hour: int | None = Field(None, ge=1, le=1000)


class BookingSettingsRead(BaseModel):
    service_id: int
    booking_enabled: bool
    slot_minutes: int
    slot_capacity: int
    days_ahead: int
    remote_enabled: bool
    remote_per_hour: int


class BookableService(BaseModel):
    id: int
    name: str
    centre_id: int
    centre_name: str
    booking_enabled: bool
    remote_enabled: bool
    slot_minutes: int
    first_day: date
    last_day: date


class SlotRead(BaseModel):
    start: datetime
    end: datetime
    capacity: int
    available: int


class AppointmentCreate(BaseModel):
    service_id: Id
    start: datetime = Field(description="a slot's start, as GET /appointments/slots gives it")
    full_name: str = Field(min_length=2, max_length=200)
    phone: str = Field(min_length=9, max_length=20, examples=["0912345678"])
    procedure_code: str | None = Field(None, max_length=40)
    citizen_id: str | None = Field(
        None, max_length=12, pattern=r"^\d{12}$", description="CCCD number, with the visitor's consent"
    )
    notify: bool = Field(False, description="the visitor agrees to be sent messages about the booking at this phone")

    @field_validator("start")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("giờ hẹn cần có múi giờ (ví dụ 2026-03-11T08:00:00+07:00)")
        return v


class BookingRef(BaseModel):
    """Who may see or change a booking: whoever knows its code and the phone it was booked with."""

    phone: str = Field(min_length=1, max_length=20)


class RescheduleRequest(BookingRef):
    start: datetime

    _aware = field_validator("start")(AppointmentCreate._aware.__func__)


class AppointmentRead(BaseModel):
    code: str
    service_id: int
    service_name: str
    start: datetime
    end: datetime
    status: str = Field(description="booked | checked_in | cancelled | no_show")
    status_label: str
    full_name: str
    phone_masked: str
    qr_url: str = Field(description="the booking's QR (scanned at the kiosk to check in)")
    checkin_from: datetime
    checkin_until: datetime


class CheckInRequest(BaseModel):
    code: str | None = Field(None, max_length=20)
    qr_token: str | None = Field(None, max_length=200)


class CheckInRead(BaseModel):
    appointment_code: str
    late: bool
    message: str
    ticket: dict


class RemoteNumberCreate(BaseModel):
    service_id: Id
    phone: str = Field(min_length=9, max_length=20)
    procedure_code: str | None = Field(None, max_length=40)


class StaffBooking(BaseModel):
    id: int
    code: str
    service_id: int
    start: datetime
    end: datetime
    status: str
    full_name: str
    phone_masked: str
    checked_in_at: datetime | None
    checked_in_late: bool
    ticket_id: int | None
