"""centres.ticket_note and centres.call_template: the texts an administrator writes for the
printed ticket and for the call boards speak

Revision ID: 0015_centre_texts
Revises: 0014_appointments
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_centre_texts"
down_revision = "0014_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN on both databases: no table rebuild; empty means the product's default text.
    op.add_column("centres", sa.Column("ticket_note", sa.String(300), nullable=True))
    op.add_column("centres", sa.Column("call_template", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("centres", "call_template")
    op.drop_column("centres", "ticket_note")
