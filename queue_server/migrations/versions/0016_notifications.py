"""notifications: the transactional outbox of messages to visitors; appointments.notify (consent)

A message is written in the transaction of the event that causes it, at most once per event
(uq_notifications_dedupe_key: kind + source id), and sent after commit by the server's sender.

Revision ID: 0016_notifications
Revises: 0015_centre_texts
"""

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision = "0016_notifications"
down_revision = "0015_centre_texts"
branch_labels = None
depends_on = None


def _dt():
    return queue_server.db.UTCDateTime()


def upgrade() -> None:
    # existing bookings were made without consent: false
    op.add_column("appointments", sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("dedupe_key", sa.String(80), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _dt(), nullable=False),
        sa.Column("claimed_until", _dt(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("sent_at", _dt(), nullable=True),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_notifications_centre_id_centres"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
    )
    op.create_index("ix_notifications_due", "notifications", ["state", "next_attempt_at"])
    op.create_index("ix_notifications_centre_created", "notifications", ["centre_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_centre_created", table_name="notifications")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("notify")
