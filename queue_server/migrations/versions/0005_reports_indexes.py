"""reports: indexes on core tables for the report and dashboard queries (no new tables)

- ticket_events (centre_id, at, ticket_id, type, service_id, counter_id, officer_id): the period's
  events of a centre read from the index alone (no table lookups) by the queue report's GROUP BY.
- events (centre_id, type, seq): the dashboard's newest device.alert events without scanning the log.

Revision ID: 0005_reports_indexes
Revises: 0001_core
"""

from alembic import op

revision = "0005_reports_indexes"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_events_report",
        "ticket_events",
        ["centre_id", "at", "ticket_id", "type", "service_id", "counter_id", "officer_id"],
    )
    op.create_index("ix_events_centre_id_type_seq", "events", ["centre_id", "type", "seq"])


def downgrade() -> None:
    op.drop_index("ix_events_centre_id_type_seq", table_name="events")
    op.drop_index("ix_ticket_events_report", table_name="ticket_events")
