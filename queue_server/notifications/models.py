"""The notification outbox: one row per message, written in the transaction of the event that
causes it, sent after commit by the sender (sender.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow

# queued → sent | failed (after notify_max_attempts failed sends)
STATES = ("queued", "sent", "failed")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # one event gives at most one message: kind + the id of what caused it
        UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
        Index("ix_notifications_due", "state", "next_attempt_at"),
        Index("ix_notifications_centre_created", "centre_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(40))  # booking_confirmed, …
    dedupe_key: Mapped[str] = mapped_column(String(80))  # "<kind>:<source id>"
    phone: Mapped[str] = mapped_column(String(20))  # the recipient; personal data: never logged
    text: Mapped[str] = mapped_column(Text)  # rendered when recorded (Vietnamese)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()  # a sender holds it until then
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class NotificationTemplate(Base):
    """A centre's own text for one kind of message (templates.KINDS); no row: the default text."""

    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("centre_id", "kind", name="uq_notification_templates_centre_id_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(500))  # checked against the kind's placeholders when saved
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
