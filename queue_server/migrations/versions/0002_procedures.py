"""procedures: the catalogue (global, one row per procedure, keyed by code or stable key)

Revision ID: 0002_procedures
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import queue_server.db

revision = "0002_procedures"
down_revision = "0001_core"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=True),
        sa.Column("level", sa.String(length=12), nullable=True),
        sa.Column("agency_name", sa.Text(), nullable=True),
        sa.Column("processing_time_text", sa.Text(), nullable=True),
        sa.Column("processing_days", sa.Integer(), nullable=True),
        sa.Column("fee_text", sa.Text(), nullable=True),
        sa.Column("documents", JSON, nullable=False),
        sa.Column("online_level_text", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("service_code", sa.String(length=20), nullable=True),
        sa.Column("search_name", sa.Text(), nullable=False),
        sa.Column("search_field", sa.Text(), nullable=False),
        sa.Column("updated_at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
        sa.UniqueConstraint("code", name=op.f("uq_procedures_code")),
        sa.UniqueConstraint("ref", name=op.f("uq_procedures_ref")),
    )
    op.create_index(op.f("ix_procedures_field"), "procedures", ["field"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_procedures_field"), table_name="procedures")
    op.drop_table("procedures")
