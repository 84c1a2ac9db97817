"""Queue tickets and their append-only history."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow

# waiting → called → serving → done; or no_show / cancelled; a transferred ticket waits at its
# new service or counter in state "transferred" until called there.
WAITING_STATES = ("waiting", "transferred")
ACTIVE_STATES = ("called", "serving")
FINAL_STATES = ("done", "no_show", "cancelled")
# Served ahead when higher (docs/queue-policy.md): priority classes, then booked visitors checked in
# within their window, then everyone else.
RANK_WALK_IN = 0
RANK_BOOKED = 1
RANK_PRIORITY = 2


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # The last line of defence behind the per-service day sequence.
        UniqueConstraint("original_service_id", "service_day", "number", name="uq_tickets_service_day_number"),
        UniqueConstraint("client_request_id", name="uq_tickets_client_request_id"),
        Index("ix_tickets_queue", "centre_id", "state", "service_id"),
        # a service's waiting line in queue order, and its latest finished tickets (0007)
        Index("ix_tickets_service_line", "service_id", "state", "priority_rank", "queue_key"),
        Index("ix_tickets_service_finished", "service_id", "service_day", "finished_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    original_service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    display_number: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str | None] = mapped_column(String(20))
    priority_rank: Mapped[int] = mapped_column(Integer, default=0)  # served ahead when higher
    source: Mapped[str] = mapped_column(String(20), default="kiosk")
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    citizen_id: Mapped[str | None] = mapped_column(String(20))  # personal data: never logged
    client_request_id: Mapped[str | None] = mapped_column(String(64))  # scoped: 'd12:<id>' / 'u3:<id>'
    public_token: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))  # where it is called/served
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))  # transferred to a counter
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    queue_key: Mapped[datetime] = mapped_column(
        default=utcnow
    )  # order in the queue (issue time, or later after a re-queue)
    called_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    dossier_code: Mapped[str | None] = mapped_column(String(30))


# A ticket as just written by the issuing path: every column of `tickets`, none of the ORM's
# bookkeeping (building an ORM object costs ~30 times more; a batch builds dozens). The views,
# positions and statistics read it as they read a Ticket. Its fields are the table's columns, so
# the two cannot drift apart. Read-only by convention, not `frozen`: a frozen dataclass sets each
# of its 26 fields through object.__setattr__, ~5 times the cost of a plain one per ticket;
# `unsafe_hash` keeps the equality and hash it had as frozen.
TicketRecord = dataclasses.make_dataclass(
    "TicketRecord",
    [c.name for c in Ticket.__table__.columns],
    unsafe_hash=True,
    slots=True,
)
TicketRecord.__module__ = __name__


class TicketEvent(Base):
    """One change of a ticket: append-only, never updated. Waiting and service times derive from it."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        # covering index for the reports, which read the history by centre and time (0005)
        Index(
            "ix_ticket_events_report", "centre_id", "at", "ticket_id", "type", "service_id", "counter_id", "officer_id"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))  # issued, called, recalled, started, completed, skipped, ...
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    data: Mapped[dict] = mapped_column(default=dict)


class TicketStats(Base):
    """One row per ticket: a projection of its history kept in step by `service._append` (see stats.py).

    The reports aggregate this table instead of regrouping `ticket_events`; the history stays the truth
    (`stats.rebuild_ticket_stats` replays it). `agency_id` is the service's agency when the ticket was
    issued, so moving a service to another agency later does not move past figures.
    """

    __tablename__ = "ticket_stats"
    __table_args__ = (
        Index("ix_ticket_stats_centre_day", "centre_id", "service_day"),
        Index("ix_ticket_stats_centre_issued", "centre_id", "issued_at"),
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, autoincrement=False)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))  # the service it was issued for
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))  # as recorded at issue
    service_day: Mapped[date] = mapped_column(Date)  # centre-local day of issue
    issued_at: Mapped[datetime] = mapped_column()
    issued_hour: Mapped[int] = mapped_column(Integer)  # centre-local hour of issue
    first_called_at: Mapped[datetime | None] = mapped_column()
    wait_s: Mapped[float | None] = mapped_column(Float)  # first call − issue
    service_started_at: Mapped[datetime | None] = mapped_column()  # the latest call or start
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_hour: Mapped[int | None] = mapped_column(Integer)  # centre-local hour of completion
    service_s: Mapped[float | None] = mapped_column(Float)  # completed − service start
    final_state: Mapped[str | None] = mapped_column(String(12))  # done | no_show | cancelled; None while open
    at_counter: Mapped[bool] = mapped_column(Boolean, default=False)  # open and called/being served (else queued)
    last_event_at: Mapped[datetime] = mapped_column()  # a report ending before it must replay the history
    counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("counters.id")
    )  # of the latest event (the serving counter)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
