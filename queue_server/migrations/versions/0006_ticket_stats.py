"""ticket_stats: the reports' per-ticket projection of the ticket history, backfilled from ticket_events

Existing tickets are replayed from their history (`tickets.stats.rebuild_ticket_stats`, in batches), so an
upgraded database shows the same past figures; their agency is the service's agency at upgrade time.

Revision ID: 0006_ticket_stats
Revises: 0005_reports_indexes
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from queue_server.db import UTCDateTime

revision = "0006_ticket_stats"
down_revision = "0005_reports_indexes"
branch_labels = None
depends_on = None


COLUMNS = (
    "ticket_id",
    "centre_id",
    "service_id",
    "agency_id",
    "service_day",
    "issued_at",
    "issued_hour",
    "first_called_at",
    "wait_s",
    "service_started_at",
    "completed_at",
    "completed_hour",
    "service_s",
    "final_state",
    "at_counter",
    "last_event_at",
    "counter_id",
    "officer_id",
    "transfer_count",
)


def upgrade() -> None:
    op.create_table(
        "ticket_stats",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("issued_hour", sa.Integer(), nullable=False),
        sa.Column("first_called_at", UTCDateTime(), nullable=True),
        sa.Column("wait_s", sa.Float(), nullable=True),
        sa.Column("service_started_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_hour", sa.Integer(), nullable=True),
        sa.Column("service_s", sa.Float(), nullable=True),
        sa.Column("final_state", sa.String(length=12), nullable=True),
        sa.Column("at_counter", sa.Boolean(), nullable=False),
        sa.Column("last_event_at", UTCDateTime(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("transfer_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_ticket_stats_agency_id_agencies")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_ticket_stats_centre_id_centres")),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"], name=op.f("fk_ticket_stats_counter_id_counters")),
        sa.ForeignKeyConstraint(["officer_id"], ["users.id"], name=op.f("fk_ticket_stats_officer_id_users")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_ticket_stats_service_id_services")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_stats_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_stats")),
    )
    op.create_index("ix_ticket_stats_centre_day", "ticket_stats", ["centre_id", "service_day"])
    op.create_index("ix_ticket_stats_centre_issued", "ticket_stats", ["centre_id", "issued_at"])

    from queue_server.tickets.stats import rebuild_ticket_stats

    session = Session(bind=op.get_bind())
    rebuild_ticket_stats(session, columns=COLUMNS)  # this revision's columns, whatever later ones add
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_ticket_stats_centre_issued", table_name="ticket_stats")
    op.drop_index("ix_ticket_stats_centre_day", table_name="ticket_stats")
    op.drop_table("ticket_stats")
