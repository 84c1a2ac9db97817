"""a centre's time rules and calendar days as data, with the log of their changes

Working, receiving and Saturday hours, the after-hours cut-off and announced changes per centre
and agency with effective dates (time_rules); the centre's own days off and make-up days
(calendar_days); who changed what and when (calendar_changes, append-only). Every existing centre
gets the hours that were hard-coded until now as its first rule (07:30–11:30, 13:00–17:00
working; 07:30–11:00, 13:00–16:30 receiving; cut-off 16:00), in force since 2000-01-01.

Revision ID: 0013_calendar_rules
Revises: 0012_service_notice
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import queue_server.db

revision = "0013_calendar_rules"
down_revision = "0012_service_notice"
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "time_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("working", _json(), nullable=False),
        sa.Column("receiving", _json(), nullable=False),
        sa.Column("saturday", _json(), nullable=False),
        sa.Column("cutoff", sa.Time(), nullable=True),
        sa.Column("counts_from", sa.Time(), nullable=True),
        sa.Column("notice", sa.Text(), nullable=True),
        sa.Column("notice_from", sa.Date(), nullable=True),
        sa.Column("updated_at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_time_rules_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_time_rules_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_rules")),
    )
    with op.batch_alter_table("time_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_rules_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("replaces", sa.Date(), nullable=True),
        sa.Column("updated_at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_calendar_days_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("centre_id", "day", name=op.f("uq_calendar_days_centre_id_day")),
    )
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_days_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "calendar_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("at", queue_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_key", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", _json(), nullable=True),
        sa.Column("after", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_changes")),
    )
    with op.batch_alter_table("calendar_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_changes_centre_id"), ["centre_id"], unique=False)

    # The hours hard-coded until now become each existing centre's first rule.
    op.execute(
        """
        INSERT INTO time_rules (centre_id, agency_id, effective_from, working, receiving, saturday,
                                cutoff, counts_from, updated_at, updated_by)
        SELECT id, NULL, '2000-01-01', '[["07:30", "11:30"], ["13:00", "17:00"]]',
               '[["07:30", "11:00"], ["13:00", "16:30"]]', '[]', '16:00:00', NULL, CURRENT_TIMESTAMP, 'hệ thống'
        FROM centres
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("calendar_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_changes_centre_id"))
    op.drop_table("calendar_changes")
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_days_centre_id"))
    op.drop_table("calendar_days")
    with op.batch_alter_table("time_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_rules_centre_id"))
    op.drop_table("time_rules")
