"""devices: app version, hardware state and the offline report of the device fleet

Revision ID: 0010_device_fleet
Revises: 0009_audit_log
"""

import sqlalchemy as sa
from alembic import op

from queue_server.db import JSONType, UTCDateTime

revision = "0010_device_fleet"
down_revision = "0009_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (no table rebuild on SQLite: devices are referenced).
    op.add_column("devices", sa.Column("app_version", sa.String(length=60), nullable=True))
    op.add_column("devices", sa.Column("hardware", JSONType, nullable=True))
    op.add_column("devices", sa.Column("offline_reported_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("offline_reported_at")
        batch.drop_column("hardware")
        batch.drop_column("app_version")
