"""Staff accounts and device registrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..timeutil import utcnow

user_agencies = Table(
    "user_agencies",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
)

ROLES = ("admin", "manager", "clerk")
DEVICE_KINDS = ("kiosk", "display", "tablet", "console")


class User(Base):
    """A staff member: admin, manager (scoped to agencies) or clerk (officer, cán bộ một cửa)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(120))
    photo_url: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_version: Mapped[int] = mapped_column(Integer, default=0)  # bump to revoke issued tokens
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agencies = relationship("Agency", secondary=user_agencies, lazy="selectin")

    @property
    def agency_ids(self) -> list[int]:
        return [a.id for a in self.agencies]


class Device(Base):
    """A kiosk, display board, rating tablet or counter console, bound to a centre (and counter)."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(120))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    settings: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_seen_at: Mapped[datetime | None] = mapped_column()
    # The fleet (queue_server/devices): what its last heartbeat said, and when the sweep reported
    # it silent (None while it is not), so each change is published once.
    app_version: Mapped[str | None] = mapped_column(String(60))
    hardware: Mapped[dict | None] = mapped_column()
    offline_reported_at: Mapped[datetime | None] = mapped_column()
