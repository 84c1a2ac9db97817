"""Recording messages (inside the caller's transaction) and the sender's claim/mark steps (each its
own short transaction). Services never commit; the sender's unit_of_work does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from tenacity import RetryCallState, wait_exponential, wait_random

from ..auth.principal import Principal
from ..centres.service import ensure_centre_visible
from ..timeutil import utcnow
from .models import Notification

CLAIM_S = 120  # a claimed message is another sender's again after this (a sender that died)


def record(session: Session, centre_id: int, kind: str, source_id: int | str, phone: str, text: str) -> None:
    """Queue one message for `kind` of `source_id`, at most once (a repeat is ignored)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    session.execute(
        insert(Notification)
        .values(
            centre_id=centre_id,
            kind=kind,
            dedupe_key=f"{kind}:{source_id}",
            phone=phone,
            text=text,
            state="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


def claim_due(session: Session, limit: int = 20) -> list[Notification]:
    """Due queued messages this sender now holds for CLAIM_S. Safe across senders: on PostgreSQL
    rows another sender is claiming are skipped (FOR UPDATE SKIP LOCKED); on both, the conditional
    UPDATE takes a row only if nobody holds it, so two senders never both get it."""
    now = utcnow()
    free = (Notification.state == "queued", or_(Notification.claimed_until.is_(None), Notification.claimed_until < now))
    query = select(Notification.id).where(*free, Notification.next_attempt_at <= now)
    query = query.order_by(Notification.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    claimed = []
    for id_ in ids:
        taken = session.execute(
            update(Notification)
            .where(Notification.id == id_, *free)
            .values(claimed_until=now + timedelta(seconds=CLAIM_S))
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            claimed.append(id_)
    if not claimed:
        return []
    rows = list(session.scalars(select(Notification).where(Notification.id.in_(claimed))))
    for row in rows:
        session.expunge(row)  # read after commit, outside this session
    return rows


def mark_sent(session: Session, notification_id: int) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(state="sent", sent_at=utcnow(), claimed_until=None, attempts=Notification.attempts + 1, last_error=None)
    )


def retry_delay_s(attempt: int, initial_s: float, max_s: float) -> float:
    """Exponential backoff with jitter after the `attempt`-th failed send (tenacity's wait)."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    # initial·2^(n-1), at most max_s, plus up to initial_s of jitter (senders retrying together spread out)
    return (wait_exponential(multiplier=initial_s, max=max_s) + wait_random(0, initial_s))(state)


def mark_failed_attempt(
    session: Session, notification_id: int, error: str, max_attempts: int, initial_s: float, max_s: float
) -> str:
    """Count a failed send: queued again later (backoff), or failed for good. Returns the new state."""
    row = session.get(Notification, notification_id)
    attempts = row.attempts + 1
    row.attempts = attempts
    row.last_error = error[:500]
    row.claimed_until = None
    if attempts >= max_attempts:
        row.state = "failed"
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=retry_delay_s(attempts, initial_s, max_s))
    return row.state


def centre_notifications(
    session: Session, actor: Principal, centre_id: int, state: str | None, limit: int
) -> list[Notification]:
    ensure_centre_visible(actor, centre_id)
    query = select(Notification).where(Notification.centre_id == centre_id)
    if state:
        query = query.where(Notification.state == state)
    return list(session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))
