"""Recording and reading the audit log.

`record(...)` is called by each area's service in the same transaction as the administrative
change it describes: the entry exists exactly when the change does. Secrets (passwords, tokens,
their hashes) are never written: a changed secret shows as "[đã đổi]" and nothing else.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum

from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import Session

from ..auth.principal import Principal
from ..errors import forbidden
from ..timeutil import VN_TZ, local, utcnow
from .models import AuditEntry

SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret", "secret_key"})
CHANGED_SECRET = "[đã đổi]"
EXPORT_MAX_ROWS = 100_000


def plain(value):
    """A JSON-safe copy of a column value (dates as ISO text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def snapshot(obj, fields: Iterable[str] | None = None, **extra) -> dict:
    """The audited state of a row: its columns (or `fields`), plus `extra` (relations, made plain)."""
    names = list(fields) if fields is not None else [c.key for c in inspect(obj).mapper.column_attrs]
    state = {name: plain(getattr(obj, name)) for name in names}  # secrets included: `record` diffs, then redacts
    state.update({k: plain(v) for k, v in extra.items()})
    return state


def _actor_fields(actor: Principal | None) -> dict:
    if actor is None:
        return {"actor_user_id": None, "actor_device_id": None, "actor_name": "hệ thống", "actor_role": "system"}
    if actor.user is not None:
        return {
            "actor_user_id": actor.user.id,
            "actor_device_id": None,
            "actor_name": actor.user.username,
            "actor_role": actor.role,
        }
    if actor.device is not None:
        name = actor.device.name or f"{actor.device.kind} {actor.device.id}"
        return {
            "actor_user_id": None,
            "actor_device_id": actor.device.id,
            "actor_name": name[:120],
            "actor_role": actor.role,
        }
    return {"actor_user_id": None, "actor_device_id": None, "actor_name": actor.role, "actor_role": actor.role[:10]}


def _redact(state: dict | None, changed: set[str]) -> dict | None:
    if state is None:
        return None
    return {
        k: (CHANGED_SECRET if k in SECRET_KEYS else v) for k, v in state.items() if k not in SECRET_KEYS or k in changed
    }


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    entity: str,
    entity_id: int | str | None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    centre_id: int | None = None,
    agency_id: int | None = None,
    summary: str | None = None,
) -> AuditEntry | None:
    """Append one entry in this transaction. For an update (`before` and `after` both given) only
    the fields that changed are kept, and nothing is written when none did."""
    before = {k: plain(v) for k, v in before.items()} if before is not None else None
    after = {k: plain(v) for k, v in after.items()} if after is not None else None
    changed: set[str] = set()  # a secret that changed shows as CHANGED_SECRET; otherwise secrets are dropped
    if before is not None and after is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    entry = AuditEntry(
        at=utcnow(),
        **_actor_fields(actor),
        centre_id=centre_id,
        agency_id=agency_id,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        action=action,
        summary=(summary or None) and summary[:300],
        before=_redact(before, changed),
        after=_redact(after, changed),
    )
    session.add(entry)
    return entry


# -- reading ---------------------------------------------------------------------------------


def _scoped(stmt: Select, actor: Principal) -> Select:
    """Admins read everything; a manager the entries of their agencies (or, with no agencies set,
    of their centre)."""
    if actor.is_admin:
        return stmt
    if actor.role != "manager" or actor.user is None:
        raise forbidden()
    scope = actor.agency_scope()
    if scope is not None:
        return stmt.where(AuditEntry.agency_id.in_(scope))
    if actor.centre_id is None:
        raise forbidden()
    return stmt.where(AuditEntry.centre_id == actor.centre_id)


def query(
    actor: Principal,
    *,
    centre_id: int | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor_name: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    text: str | None = None,
    before_id: int | None = None,
) -> Select:
    stmt = _scoped(select(AuditEntry), actor)
    if centre_id is not None:
        stmt = stmt.where(AuditEntry.centre_id == centre_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_name:
        stmt = stmt.where(AuditEntry.actor_name.ilike(f"%{_like(actor_name)}%", escape="\\"))
    if text:
        stmt = stmt.where(AuditEntry.summary.ilike(f"%{_like(text)}%", escape="\\"))
    if day_from is not None:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(day_from))
    if day_to is not None:
        stmt = stmt.where(AuditEntry.at < _local_midnight(day_to + timedelta(days=1)))
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return stmt.order_by(AuditEntry.id.desc())


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ)


def list_entries(session: Session, actor: Principal, *, limit: int, **filters) -> list[AuditEntry]:
    return list(session.execute(query(actor, **filters).limit(limit)).scalars())


def entry_read(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor_name": entry.actor_name,
        "actor_role": entry.actor_role,
        "actor_user_id": entry.actor_user_id,
        "actor_device_id": entry.actor_device_id,
        "centre_id": entry.centre_id,
        "agency_id": entry.agency_id,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }


CSV_COLUMNS = (
    "Mã",
    "Thời điểm",
    "Người thực hiện",
    "Vai trò",
    "Trung tâm",
    "Cơ quan",
    "Đối tượng",
    "Mã đối tượng",
    "Thao tác",
    "Tóm tắt",
    "Trước",
    "Sau",
)


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def to_csv(session: Session, actor: Principal, **filters) -> bytes:
    """The filtered log as CSV (UTF-8 with a BOM so Excel reads Vietnamese), newest first, local times."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for e in session.execute(query(actor, **filters).limit(EXPORT_MAX_ROWS)).scalars():
        w.writerow(
            [
                e.id,
                local(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_name,
                e.actor_role,
                e.centre_id or "",
                e.agency_id or "",
                e.entity,
                e.entity_id or "",
                e.action,
                e.summary or "",
                _json(e.before),
                _json(e.after),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
