"""The organisation of a centre: agencies, services (the queues visitors choose) and counters."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db import Base
from ..timeutil import utcnow


class Centre(Base):
    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    notice: Mapped[str | None] = mapped_column(Text)
    # Printed at the foot of every ticket, and the sentence boards speak for a call ({number},
    # {counter}); empty: the product's defaults (MOTCUA_ANNOUNCEMENT_TEMPLATE for the call).
    ticket_note: Mapped[str | None] = mapped_column(String(300))
    call_template: Mapped[str | None] = mapped_column(String(200))
    target_wait_s: Mapped[int] = mapped_column(Integer, default=1200)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agency(Base):
    """A competent agency's one-stop desk inside the centre (13-character identifier)."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("centre_id", "identifier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(13))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))


class Service(Base):
    """A queue visitors choose at the kiosk (usually a procedure field: Hộ tịch, Đất đai …)."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(4), default="")
    number_start: Mapped[int] = mapped_column(Integer, default=1)
    number_end: Mapped[int] = mapped_column(Integer, default=999)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    allow_priority: Mapped[bool] = mapped_column(Boolean, default=True)
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)  # manually closed when false
    default_service_s: Mapped[int | None] = mapped_column(Integer)
    max_wait_alert_s: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    notice: Mapped[str | None] = mapped_column(Text)  # the public notice kiosks show with the service

    hours: Mapped[list[ServiceHours]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceHours.weekday"
    )


class ServiceHours(Base):
    """Issuing hours of a service on one weekday, in force from `effective_from`.

    On a given day the rows with the greatest effective_from not after that day apply (a
    schedule announced ahead, BD19 Đ.5 k.4); a service with no rows in force issues at any time.
    """

    __tablename__ = "service_hours"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    effective_from: Mapped[date] = mapped_column(Date, default=date(2000, 1, 1))
    service: Mapped[Service] = relationship(back_populates="hours")


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("centre_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default="closed")  # open | paused | closed
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    services: Mapped[list[CounterService]] = relationship(
        back_populates="counter", cascade="all, delete-orphan", order_by="CounterService.order"
    )


class CounterService(Base):
    """A service served at a counter; `weight` scales how much its waiting time counts."""

    __tablename__ = "counter_services"
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    order: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[float] = mapped_column(default=1.0)
    counter: Mapped[Counter] = relationship(back_populates="services")


# A session's identity map holds its objects weakly: a counter or a service loaded by one step of a
# request (the action, its events, the answer) was gone once that step returned, and the next step
# read it from the database again — two of a call's round trips. A transaction keeps the counters
# and services it loaded until it ends (a centre has tens of them, so this costs nothing).
@event.listens_for(Session, "loaded_as_persistent")
def _keep_counters_and_services(session: Session, instance) -> None:
    if isinstance(instance, Counter | Service):
        session.info.setdefault("kept_rows", []).append(instance)


@event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("kept_rows", None)
