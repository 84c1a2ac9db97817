"""services.notice: the public notice an administrator writes for a service

Revision ID: 0012_service_notice
Revises: 0011_device_fleet
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_service_notice"
down_revision = "0011_device_fleet"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("notice", sa.Text(), nullable=True))  # ADD COLUMN on both: no table rebuild


def downgrade() -> None:
    op.drop_column("services", "notice")  # SQLite ≥ 3.35 drops a column in place
