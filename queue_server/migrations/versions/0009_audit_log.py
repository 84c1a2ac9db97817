"""audit_log: the append-only log of administrative changes (triggers refuse UPDATE and DELETE)

Revision ID: 0009_audit_log
Revises: 0008_scoped_request_ids
"""

import sqlalchemy as sa
from alembic import op

from queue_server.audit.models import DROP_IMMUTABLE_DDL, IMMUTABLE_DDL
from queue_server.db import JSONType, UTCDateTime

revision = "0009_audit_log"
down_revision = "0008_scoped_request_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_device_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=10), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.Column("before", JSONType, nullable=True),
        sa.Column("after", JSONType, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_centre_id"), "audit_log", ["centre_id"])
    op.create_index("ix_audit_log_entity_entity_id", "audit_log", ["entity", "entity_id"])
    for statement in IMMUTABLE_DDL[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_IMMUTABLE_DDL[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("audit_log")
