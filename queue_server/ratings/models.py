"""Ratings and the versioned criteria lists they are given under."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow


class CriteriaVersion(Base):
    """One published list of detailed criteria; the newest is current, old ones stay for old ratings."""

    __tablename__ = "rating_criteria_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    items: Mapped[list] = mapped_column()  # [{"code", "label_vi"}]


class Rating(Base):
    """A visitor's rating of one served ticket: counts for the officer and for the agency (BD19 Đ.18 k.2 đ.b)."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_centre_id_day", "centre_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    day: Mapped[date] = mapped_column(Date)  # centre-local day the visitor was served
    overall: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[dict] = mapped_column(default=dict)  # {criterion code: level}
    criteria_version_id: Mapped[int | None] = mapped_column(ForeignKey("rating_criteria_versions.id"))
    comment: Mapped[str | None] = mapped_column(Text)  # visitor's words: never logged
    rated_at: Mapped[datetime] = mapped_column()  # when the visitor tapped (tablet clock, clamped)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
