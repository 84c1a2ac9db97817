"""Dossiers, their append-only history and the external updates already applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow


class Dossier(Base):
    """One application filed at (or synchronised into) a one-stop desk.

    The procedure is a snapshot (code, name, processing days, fees) rather than a foreign key:
    the published catalogue changes, the dossier must keep what applied when it was received.
    """

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("code", name="uq_dossiers_code"),  # the last line of defence behind the day sequence
        UniqueConstraint("lookup_token_hash", name="uq_dossiers_lookup_token_hash"),
        Index("ix_dossiers_agency_status", "agency_id", "status"),
        Index("ix_dossiers_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    source: Mapped[str] = mapped_column(String(40), default="local")  # local | external system name

    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    procedure_field: Mapped[str | None] = mapped_column(String(200))
    # The time limit in its own unit (time_limits.py): the amount is kept in `processing_days` for
    # every unit (days, working days or working hours); "unknown": the catalogue states none readably.
    processing_days: Mapped[int] = mapped_column(Integer, default=0)
    processing_unit: Mapped[str] = mapped_column(String(16), default="working_days", server_default="working_days")
    procedure_level: Mapped[str | None] = mapped_column(String(20))  # the catalogue's level, for the by-level report

    # Personal data: never logged.
    applicant_kind: Mapped[str] = mapped_column(String(20), default="person")  # person | organisation
    applicant_name: Mapped[str] = mapped_column(String(200))
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    applicant_id_number: Mapped[str | None] = mapped_column(String(20))
    applicant_address: Mapped[str | None] = mapped_column(String(300))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    applicant_email: Mapped[str | None] = mapped_column(String(120))
    # The applicant agreed, at receipt, to be sent messages about the dossier at applicant_phone.
    notify: Mapped[bool] = mapped_column(Boolean, default=False)

    content: Mapped[str | None] = mapped_column(Text)  # request content
    documents: Mapped[list] = mapped_column(default=list)  # [{"name", "copies"}]
    sets: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(10), default="direct")  # direct | post | online
    return_method: Mapped[str] = mapped_column(String(10), default="desk")  # desk | post
    fee_text: Mapped[str | None] = mapped_column(String(300))
    department: Mapped[str | None] = mapped_column(String(200))  # processing department
    ledger_book: Mapped[str | None] = mapped_column(String(40))
    ledger_seq: Mapped[int | None] = mapped_column(Integer)

    status: Mapped[str] = mapped_column(String(30), default="received")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    effective_received_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()
    # The appointment the law owes: set at receipt (or acceptance), moved only by the working time
    # the dossier waited for the citizen's supplement, never by an apology. Early / on time / late
    # are judged against it; `due_at` is the appointment in force (an apology moves it).
    original_due_at: Mapped[datetime | None] = mapped_column()
    acceptance_deadline_at: Mapped[datetime | None] = mapped_column()  # online: accept or send back by then
    supplement_deadline_at: Mapped[datetime | None] = mapped_column()
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)
    result_ready_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The receipt QR's token is HMAC(secret_key, nonce): the nonce is random and the server
    # can print the receipt again, yet only the hash is searchable; revoking draws a new nonce.
    lookup_nonce: Mapped[str] = mapped_column(String(40))
    lookup_token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DossierEvent(Base):
    """One step of a dossier's history: append-only, never updated (who, when, why)."""

    __tablename__ = "dossier_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))  # created | transition | amended | apology | token_revoked | synced
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    actor_label: Mapped[str | None] = mapped_column(String(200))  # name at the time, or the external system
    agency_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(default=dict)


class SyncUpdate(Base):
    """An external status update already applied: replaying its id changes nothing."""

    __tablename__ = "dossier_sync_updates"
    update_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    dossier_code: Mapped[str] = mapped_column(String(30))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(20))
