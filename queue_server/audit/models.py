"""The audit log table: append-only (no update or delete path in the code; on both databases
triggers refuse UPDATE and DELETE of a row — see `IMMUTABLE_DDL`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow


class AuditEntry(Base):
    """One administrative change: who (a staff account or a device), when, which entity, the
    action, and the changed fields before → after (secrets never: see `service.SECRET_KEYS`).

    No foreign keys: the log outlives what it describes, and names who acted as they were then.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_device_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(120))  # username (or "device 12") at the time
    actor_role: Mapped[str] = mapped_column(String(10))
    centre_id: Mapped[int | None] = mapped_column(Integer, index=True)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(40))  # service | counter | user | device | centre | agency | …
    entity_id: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(30))  # create | update | revoke | deactivate | reset_password | …
    summary: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()


# Row-level immutability, kept by the database itself (a bug or a hand-typed UPDATE cannot rewrite
# history). TRUNCATE is not a row operation: the tests' wipe and a restore still empty the table.
IMMUTABLE_DDL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        """CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$""",
        """CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_immutable()""",
    ),
    "sqlite": (
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
    ),
}
DROP_IMMUTABLE_DDL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_log_immutable ON audit_log",
        "DROP FUNCTION IF EXISTS audit_log_immutable()",
    ),
    "sqlite": ("DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"),
}
