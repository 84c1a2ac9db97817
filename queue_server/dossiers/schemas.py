"""Request and response models of the dossier API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..bounds import Id

Channel = Literal["direct", "post", "online"]
ReturnMethod = Literal["desk", "post"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicantIn(_Strict):
    kind: Literal["person", "organisation"] = "person"
    full_name: str = Field(min_length=1, max_length=200)
    organisation_name: str | None = Field(default=None, max_length=300)
    id_number: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=120)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        digits = "".join(ch for ch in v if ch.isdigit())
        if len(digits) < 8 or any(ch not in "0123456789 +.-()" for ch in v):
            raise ValueError("số điện thoại không hợp lệ")
        return v


class DocumentIn(_Strict):
    name: str = Field(min_length=1, max_length=500)
    copies: int = Field(default=1, ge=1, le=100)


class DossierCreate(_Strict):
    agency_id: Id
    procedure_code: str | None = Field(default=None, max_length=40)
    ticket_id: Id | None = None
    applicant: ApplicantIn | None = None
    content: str | None = Field(default=None, max_length=2000)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=100)
    sets: int = Field(default=1, ge=1, le=50)
    channel: Channel = "direct"
    return_method: ReturnMethod = "desk"
    fee_text: str | None = Field(default=None, max_length=300)
    department: str | None = Field(default=None, max_length=200)
    ledger_book: str | None = Field(default=None, max_length=40)
    notify: bool = Field(
        False,
        description="the applicant agrees to be sent messages about the dossier (received, supplement requested, "
        "result ready, late with the new date) at applicant.phone",
    )


class DossierUpdate(_Strict):
    """An amendment: the code never changes, the diff goes into the history."""

    applicant: ApplicantIn | None = None
    content: str | None = Field(default=None, max_length=2000)
    documents: list[DocumentIn] | None = Field(default=None, max_length=100)
    sets: int | None = Field(default=None, ge=1, le=50)
    return_method: ReturnMethod | None = None
    fee_text: str | None = Field(default=None, max_length=300)
    department: str | None = Field(default=None, max_length=200)
    ledger_book: str | None = Field(default=None, max_length=40)
    notify: bool | None = Field(
        None,
        description="give or withdraw the applicant's consent to messages; a changed applicant.phone without it "
        "withdraws consent (a new number never inherits the old one's)",
    )
    reason: str | None = Field(default=None, max_length=1000)


class TransitionRequest(_Strict):
    to: str = Field(min_length=1, max_length=30)
    reason: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


class ApologyRequest(_Strict):
    """A letter of apology and new appointment (phiếu xin lỗi và hẹn lại ngày trả kết quả).

    kind "late": the agency that let the dossier pass its appointment (BP Đ.9 k.3 đ.d, k.4 đ.d);
    a new date is required. kind "receiving_error": the one-stop desk's own error at receipt, sent
    with a supplement request (BP Đ.9 k.4 đ.b); the new date may be left out while the
    supplement is awaited (the appointment then moves by the time the citizen takes).
    """

    reason: str = Field(min_length=1, max_length=2000)
    kind: Literal["late", "receiving_error"] = "late"
    new_due_at: datetime | None = None
    agency_name: str | None = Field(
        default=None, max_length=200
    )  # liên thông: the late agency, if not the receiving one


class PrintRequest(_Strict):
    printer_url: str | None = Field(default=None, max_length=500)


class LookupRequest(_Strict):
    token: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=40)
    phone_last4: str | None = Field(default=None, max_length=10)


class ApplicantRead(BaseModel):
    kind: str
    full_name: str
    organisation_name: str | None
    id_number: str | None
    address: str | None
    phone: str | None
    email: str | None


class DossierEventRead(BaseModel):
    type: str
    from_status: str | None
    to_status: str | None
    at: datetime
    actor_user_id: int | None
    actor_device_id: int | None
    actor_label: str | None
    agency_name: str | None
    reason: str | None
    data: dict


class DossierRead(BaseModel):
    code: str
    lookup_url: str | None = None  # only to staff who may print the receipt
    centre_id: int
    agency_id: int
    agency_name: str
    ticket_id: int | None
    source: str
    procedure_code: str
    procedure_name: str
    processing_days: int = Field(description="the time limit's amount, in processing_unit")
    processing_unit: str = Field(description="working_days | days (calendar) | hours (working) | unknown")
    procedure_level: str | None = None
    applicant: ApplicantRead
    notify: bool = Field(description="the applicant agreed to messages about the dossier at applicant.phone")
    content: str | None
    documents: list[dict]
    sets: int
    channel: str
    return_method: str
    fee_text: str | None
    department: str | None
    ledger_book: str | None
    ledger_seq: int | None
    status: str
    status_label: str
    received_at: datetime
    effective_received_at: datetime
    due_at: datetime | None
    original_due_at: datetime | None
    acceptance_deadline_at: datetime | None
    supplement_deadline_at: datetime | None
    result_ready_at: datetime | None
    finished_at: datetime | None
    flags: list[str]  # overdue, acceptance_overdue, uncollected, completed_early, supplement_lapsed
    history: list[DossierEventRead] | None = None


class DossierPage(BaseModel):
    items: list[DossierRead]
    total: int


class LookupResult(BaseModel):
    """What a public lookup shows (BP Đ.17, ĐN Đ.16, AG Đ.11)."""

    code: str
    qr_content: str
    valid: bool
    receiving_agency: str
    processing_department: str | None = None
    organisation_name: str | None
    applicant_name: str
    received_at: datetime
    appointment_at: datetime | None = None
    status: str
    status_label: str
    status_tone: Literal["done", "progress", "attention", "stopped"] = Field(
        description="what the status means to the applicant: done, still in progress, waiting on them, stopped"
    )
    overdue_days: int | None = Field(
        None, description="days past the appointment while the result is still owed (0: due earlier today)"
    )
    corrections: list[str] = Field(default_factory=list)  # what must be added or corrected


class SyncResultItem(BaseModel):
    update_id: str
    code: str
    outcome: str  # created | updated | unchanged | duplicate


class SyncResponse(BaseModel):
    results: list[SyncResultItem]
