"""indexes for the live queue figures: a service's waiting line, and its latest finished tickets

Positions and waiting counts read a service's waiting tickets in queue order, and estimates read
its last finished tickets of the day; without these both scanned the whole tickets table.

Revision ID: 0007_queue_indexes
Revises: 0006_ticket_stats
"""

from alembic import op

revision = "0007_queue_indexes"
down_revision = "0006_ticket_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_service_line", "tickets", ["service_id", "state", "priority_rank", "queue_key"])
    op.create_index("ix_tickets_service_finished", "tickets", ["service_id", "service_day", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_service_finished", table_name="tickets")
    op.drop_index("ix_tickets_service_line", table_name="tickets")
