from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ..bounds import Id


class TicketCreate(BaseModel):
    service_id: Id = Field(examples=[1])
    priority: str | None = Field(None, max_length=40, description="priority class code, e.g. elderly", examples=[None])
    source: str = Field("kiosk", max_length=10, pattern=r"^(kiosk|console|web|api|phone)$")
    procedure_code: str | None = Field(None, max_length=40, examples=["1.001193"])
    citizen_id: str | None = Field(
        None, max_length=12, pattern=r"^\d{12}$", description="CCCD number, with the visitor's consent"
    )
    client_request_id: str | None = Field(
        None,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="idempotency key: a retried request returns the same ticket",
        examples=["kiosk1-6f1c2a9e-0001"],
    )


class InternalTicketCreate(TicketCreate):
    """A ticket the server issues on a visitor's behalf (a booking's check-in, a number taken from
    the phone): its source and rank are decided by that path, never sent by a client."""

    source: str = Field("appointment", max_length=20)
    rank: int = 0


class TicketRead(BaseModel):
    id: int
    number: int
    display_number: str = Field(examples=["A012"])
    service_id: int
    service_name: str
    centre_id: int
    state: str
    priority: str | None
    position: int = Field(description="1-based place in the queue; 0 once called")
    people_ahead: int
    estimated_wait_s: int = Field(description="estimated wait from now until the call (0 once called)")
    estimated_wait_low_s: int = Field(description="the estimate's range, low end (docs/queue-policy.md)")
    estimated_wait_high_s: int = Field(description="the estimate's range, high end; wide while the server is unsure")
    issued_at: datetime
    called_at: datetime | None
    counter_id: int | None
    counter_number: int | None
    recall_count: int
    track_url: str
    procedure_code: str | None
    dossier_code: str | None = None


class SkipRequest(BaseModel):
    requeue: bool = Field(
        False,
        description="put the ticket back a few places instead of marking it a no-show (the console's default: true)",
    )
    places_back: int | None = Field(None, ge=0, le=100)


class TransferRequest(BaseModel):
    service_id: Id | None = None
    counter_id: Id | None = None
    note: str | None = Field(None, max_length=500)


class CallNumberRequest(BaseModel):
    display_number: str = Field(min_length=1, max_length=12, examples=["A012"])


class CallMissedRequest(BaseModel):
    ticket_id: Id


class MissedTicket(BaseModel):
    """A ticket marked absent that the counter may still call back (the console's "Vắng mặt" list)."""

    id: int
    display_number: str = Field(examples=["A012"])
    service_id: int
    service_name: str
    counter_number: int | None = Field(description="the counter where it was called and missed")
    missed_at: datetime
    recall_until: datetime
