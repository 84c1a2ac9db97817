"""devices: app version, hardware state and the offline report of the device fleet

Revision ID: 0011_device_fleet
Revises: 0010_dossier_clocks
"""

import sqlalchemy as sa
from alembic import op

from queue_server.db import JSONType, UTCDateTime

revision = "0011_device_fleet"
down_revision = "0010_dossier_clocks"
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
