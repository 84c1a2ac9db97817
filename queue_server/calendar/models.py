"""A centre's own time rules and calendar days, and the append-only log of their changes.

The shipped override files (data/vn-YYYY.json) stay the national default; a centre's days win
over them. Time rules hold from `effective_from` until the next rule of the same centre and
agency (agency NULL: the centre's own rule, which its agencies follow unless they have theirs).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow


class TimeRule(Base):
    """Working, receiving and Saturday hours, the after-hours cut-off and an announced change.

    Sessions are JSON lists of ["HH:MM", "HH:MM"] pairs. `notice` is shown on kiosks and boards
    from `notice_from` until the day before `effective_from` (BD19 Đ.5 k.4).
    """

    __tablename__ = "time_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    effective_from: Mapped[date] = mapped_column(Date)
    working: Mapped[list] = mapped_column()
    receiving: Mapped[list] = mapped_column()
    saturday: Mapped[list] = mapped_column(default=list)
    cutoff: Mapped[time | None] = mapped_column(Time)
    counts_from: Mapped[time | None] = mapped_column(Time)
    notice: Mapped[str | None] = mapped_column(Text)
    notice_from: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class CalendarDay(Base):
    """A centre's own day off (`day_off`) or worked day (`working_day`, e.g. a make-up Saturday)."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("centre_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(300))
    replaces: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class CalendarChange(Base):
    """Who changed which rule or day, when, and how (before → after). Rows are only ever added."""

    __tablename__ = "calendar_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(Integer, index=True)  # kept after the centre is gone
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(20))  # time_rule | calendar_day
    entity_key: Mapped[str] = mapped_column(String(40))  # the rule's id or the day
    action: Mapped[str] = mapped_column(String(10))  # created | updated | deleted
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()
