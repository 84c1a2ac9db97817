"""dossiers.notify: the applicant's consent, given at receipt, to messages about the dossier at
the phone recorded with it

Revision ID: 0018_dossier_notify
Revises: 0017_notification_templates
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_dossier_notify"
down_revision = "0017_notification_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing dossiers were received without consent: false
    op.add_column("dossiers", sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("notify")
