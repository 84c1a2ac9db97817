"""ratings: versioned criteria lists and one rating per served ticket

Revision ID: 0004_ratings
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import queue_server.db

revision = "0004_ratings"
down_revision = "0001_core"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rating_criteria_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("items", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_rating_criteria_versions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_criteria_versions")),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("overall", sa.String(length=16), nullable=False),
        sa.Column("criteria", JSON, nullable=False),
        sa.Column("criteria_version_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_ratings_agency_id_agencies")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_ratings_centre_id_centres")),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"], name=op.f("fk_ratings_counter_id_counters")),
        sa.ForeignKeyConstraint(
            ["criteria_version_id"],
            ["rating_criteria_versions.id"],
            name=op.f("fk_ratings_criteria_version_id_rating_criteria_versions"),
        ),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_ratings_device_id_devices")),
        sa.ForeignKeyConstraint(["officer_id"], ["users.id"], name=op.f("fk_ratings_officer_id_users")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_ratings_service_id_services")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ratings_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ratings_idempotency_key")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ratings_ticket_id")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_centre_id_day", ["centre_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_centre_id_day")
    op.drop_table("ratings")
    op.drop_table("rating_criteria_versions")
