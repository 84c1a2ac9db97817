from __future__ import annotations

import re
from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hardware.voice.announcement import check_template

from ..bounds import Id

AGENCY_ID_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .()-]{6,18}[0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_phone(v: str | None) -> str | None:
    """A telephone number as people write it (0274 3822 000, (0274) 3.822.000, +84 …), or none."""
    if v is None or not v.strip():
        return None
    v = " ".join(v.split())
    if not PHONE_RE.match(v) or sum(c.isdigit() for c in v) < 8:
        raise ValueError("số điện thoại không hợp lệ (ví dụ 0274 3822 000)")
    return v


def check_email(v: str | None) -> str | None:
    if v is None or not v.strip():
        return None
    v = v.strip()
    if not EMAIL_RE.match(v):
        raise ValueError("địa chỉ thư điện tử không hợp lệ (ví dụ motcua@binhduong.gov.vn)")
    return v


class CentreCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Trung tâm Phục vụ Hành chính công tỉnh Bình Dương"])
    short_name: str | None = Field(None, max_length=80)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    notice: str | None = Field(None, max_length=2000)
    target_wait_s: int = Field(1200, ge=60, le=86400)

    _phone = field_validator("phone")(check_phone)


def check_call_template(v: str | None) -> str | None:
    """The call as boards speak it: {number} required, {counter} optional, nothing else to fill."""
    if v is None or not v.strip():
        return None
    v = " ".join(v.split())
    try:
        check_template(v)
    except ValueError:
        raise ValueError(
            "câu mời phải có {number} (số thứ tự) và có thể có {counter} (số quầy), không có ô nào khác; "
            "ví dụ: Mời công dân có số thứ tự {number} đến quầy số {counter}"
        ) from None
    return v


def blank_to_none(v: str | None) -> str | None:
    return v.strip() or None if isinstance(v, str) else v


class CentreUpdate(BaseModel):
    name: str = Field(None, min_length=1, max_length=200)  # absent: unchanged; null: refused (the column is NOT NULL)
    short_name: str | None = Field(None, max_length=80)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    notice: str | None = Field(None, max_length=2000)
    ticket_note: str | None = Field(
        None, max_length=300, description="printed at the foot of every ticket; empty: none"
    )
    call_template: str | None = Field(
        None,
        max_length=200,
        description="the call boards speak, with {number} and {counter}; empty: the server's default",
        examples=["Mời công dân có số thứ tự {number} đến quầy số {counter}"],
    )
    target_wait_s: int = Field(None, ge=60, le=86400)

    _phone = field_validator("phone")(check_phone)
    _call = field_validator("call_template")(check_call_template)
    _note = field_validator("ticket_note")(blank_to_none)


class CentreRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    short_name: str | None
    address: str | None
    phone: str | None
    notice: str | None
    ticket_note: str | None = None
    call_template: str | None = None
    target_wait_s: int


class AgencyCreate(BaseModel):
    centre_id: Id
    identifier: str = Field(
        max_length=20, examples=["000.00.14.H12"], description="13-character agency identifier V1V2V3.Z1Z2.Y1Y2.MX1X2"
    )
    name: str = Field(min_length=1, max_length=200, examples=["Sở Tư pháp"])
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=120)

    @field_validator("identifier")
    @classmethod
    def _identifier(cls, v: str) -> str:
        v = v.strip().upper()
        if not AGENCY_ID_RE.match(v):
            raise ValueError("mã định danh cơ quan phải có dạng V1V2V3.Z1Z2.Y1Y2.MX1X2 (13 ký tự), ví dụ 000.00.14.H12")
        return v

    _phone = field_validator("phone")(check_phone)
    _email = field_validator("email")(check_email)


class AgencyUpdate(BaseModel):
    name: str = Field(None, min_length=1, max_length=200)  # absent: unchanged; null: refused (the column is NOT NULL)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=120)

    _phone = field_validator("phone")(check_phone)
    _email = field_validator("email")(check_email)


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    centre_id: int
    identifier: str
    name: str
    phone: str | None
    email: str | None


class HoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Thứ Hai … 6 = Chủ Nhật")
    start: time
    end: time
    effective_from: date = date(2000, 1, 1)

    @field_validator("end")
    @classmethod
    def _order(cls, v, info):
        start = info.data.get("start")
        if start is not None and v <= start:
            raise ValueError("giờ kết thúc phải sau giờ bắt đầu")
        return v


WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def check_hours(hours: list[HoursIn]) -> list[HoursIn]:
    """Windows of one weekday, in force from the same day, must not overlap."""
    seen: dict[tuple[int, date], list[HoursIn]] = {}
    for h in hours:
        for other in seen.setdefault((h.weekday, h.effective_from), []):
            if h.start < other.end and other.start < h.end:
                raise ValueError(
                    f"khung giờ {WEEKDAY_NAMES[h.weekday]} {h.start:%H:%M}–{h.end:%H:%M} trùng với "
                    f"{other.start:%H:%M}–{other.end:%H:%M}"
                )
        seen[(h.weekday, h.effective_from)].append(h)
    return hours


class HoursRead(HoursIn):
    model_config = ConfigDict(from_attributes=True)


class ServiceCreate(BaseModel):
    centre_id: Id
    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$", examples=["HOTICH"])
    name: str = Field(min_length=1, max_length=200, examples=["Hộ tịch"])
    name_en: str | None = Field(None, max_length=200, examples=["Civil status"])
    agency_id: Id | None = None
    prefix: str = Field("", max_length=4, pattern=r"^[A-Z]*$", examples=["A"])
    number_start: int = Field(1, ge=0, le=99999)
    number_end: int = Field(999, ge=1, le=99999)
    daily_cap: int | None = Field(None, ge=1, le=99999)
    allow_priority: bool = True
    accepting: bool = True
    default_service_s: int | None = Field(None, ge=10, le=36000)
    max_wait_alert_s: int | None = Field(None, ge=60, le=86400)
    sort_order: int = Field(0, ge=-10000, le=10000)
    notice: str | None = Field(None, max_length=1000, description="public notice shown with the service")
    hours: list[HoursIn] = Field(default_factory=list, max_length=100, description="Empty: issuing at any time")

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: list[HoursIn]) -> list[HoursIn]:
        return check_hours(v)

    @field_validator("number_end")
    @classmethod
    def _range(cls, v, info):
        start = info.data.get("number_start")
        if start is not None and v < start:
            raise ValueError("number_end phải lớn hơn hoặc bằng number_start")
        return v


class ServiceUpdate(BaseModel):
    # Non-null types with a None default: absent means unchanged, null is refused (NOT NULL columns).
    name: str = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    agency_id: Id | None = None
    prefix: str = Field(None, max_length=4, pattern=r"^[A-Z]*$")
    number_start: int = Field(None, ge=0, le=99999)
    number_end: int = Field(None, ge=1, le=99999)
    daily_cap: int | None = Field(None, ge=1, le=99999)
    allow_priority: bool = None
    accepting: bool = None
    default_service_s: int = Field(None, ge=10, le=36000)
    max_wait_alert_s: int | None = Field(None, ge=60, le=86400)
    sort_order: int = Field(None, ge=-10000, le=10000)
    notice: str | None = Field(None, max_length=1000)
    hours: list[HoursIn] | None = Field(None, max_length=100)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: list[HoursIn] | None) -> list[HoursIn] | None:
        return check_hours(v) if v is not None else v


class ServiceRead(BaseModel):
    id: int
    centre_id: int
    agency_id: int | None
    code: str
    name: str
    name_en: str | None
    prefix: str
    number_start: int
    number_end: int
    daily_cap: int | None
    allow_priority: bool
    accepting: bool
    sort_order: int
    default_service_s: int | None = None
    max_wait_alert_s: int | None = None
    notice: str | None = None
    hours: list[HoursRead]
    waiting: int = Field(description="tickets waiting now")
    estimated_wait_s: int = Field(description="estimated wait for a ticket taken now")
    estimated_wait_low_s: int = Field(description="the estimate's range, low end (docs/queue-policy.md)")
    estimated_wait_high_s: int = Field(description="the estimate's range, high end; wide while the server is unsure")
    open_now: bool = Field(description="issuing tickets right now")
    closed_reason: str | None = Field(None, description="Vietnamese reason when not issuing")
    reopens_at: str | None = Field(None, description="ISO time when issuing resumes, if known")
    calendar_notice: str | None = Field(
        None,
        description="Vietnamese notice for kiosks and boards: today's holiday with the next opening, and "
        "announced changes of the time rules (BD19 Đ.5 k.4)",
    )


class CounterServiceIn(BaseModel):
    service_id: int
    weight: float = Field(1.0, gt=0, le=100)


class CounterCreate(BaseModel):
    centre_id: Id
    number: int = Field(ge=1, le=9999)
    name: str | None = Field(None, max_length=200)
    service_ids: list[Id] = Field(default_factory=list, max_length=200)
    weights: dict[int, float] | None = Field(None, description="optional weight per service id (default 1)")


class CounterUpdate(BaseModel):
    name: str | None = Field(None, max_length=200)
    service_ids: list[Id] = Field(None, max_length=200)
    weights: dict[int, float] | None = None
    officer_id: Id | None = Field(None, description="the officer on duty (a clerk of the centre); null: nobody")


class OfficerBrief(BaseModel):
    id: int
    full_name: str
    title: str | None = None
    photo_url: str | None = None


class CounterRead(BaseModel):
    id: int
    centre_id: int
    number: int
    name: str | None
    state: str
    state_changed_at: str
    officer: OfficerBrief | None
    services: list[CounterServiceIn]
    current_ticket: dict | None = None
