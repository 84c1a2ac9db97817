"""notification_templates: a centre's own text for a kind of message to visitors (no row: the
product's default text, queue_server/notifications/templates.py)

Revision ID: 0017_notification_templates
Revises: 0016_notifications
"""

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision = "0017_notification_templates"
down_revision = "0016_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("updated_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_notification_templates_centre_id_centres"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_templates"),
        sa.UniqueConstraint("centre_id", "kind", name="uq_notification_templates_centre_id_kind"),
    )


def downgrade() -> None:
    op.drop_table("notification_templates")
