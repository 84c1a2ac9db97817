"""appointments: bookable slots, bookings, each service's booking settings, remote numbers

A booking holds a place in a slot (appointment_slots.booked, kept within capacity by a conditional
update and a CHECK constraint); one active booking per phone, service and day (a partial unique
index). Ticket ranks make room for booked visitors between priority classes and walk-ins:
priority tickets move from rank 1 to rank 2 (docs/queue-policy.md, *Booked visitors*).

Revision ID: 0014_appointments
Revises: 0013_calendar_rules
"""

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision = "0014_appointments"
down_revision = "0013_calendar_rules"
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('booked', 'checked_in')")


def _dt():
    return queue_server.db.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "booking_settings",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("booking_enabled", sa.Boolean(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("slot_capacity", sa.Integer(), nullable=False),
        sa.Column("days_ahead", sa.Integer(), nullable=False),
        sa.Column("remote_enabled", sa.Boolean(), nullable=False),
        sa.Column("remote_per_hour", sa.Integer(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name="fk_booking_settings_service_id_services", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("service_id", name="pk_booking_settings"),
    )
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", _dt(), nullable=False),
        sa.Column("end", _dt(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_appointment_slots_within_capacity"),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name="fk_appointment_slots_service_id_services", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_slots"),
        sa.UniqueConstraint("service_id", "start", name="uq_appointment_slots_service_id_start"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("qr_token", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", _dt(), nullable=False),
        sa.Column("end", _dt(), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("procedure_code", sa.String(40), nullable=True),
        sa.Column("citizen_id", sa.String(12), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("cancelled_at", _dt(), nullable=True),
        sa.Column("checked_in_at", _dt(), nullable=True),
        sa.Column("checked_in_late", sa.Boolean(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_appointments_centre_id_centres"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name="fk_appointments_service_id_services"),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["appointment_slots.id"], name="fk_appointments_slot_id_appointment_slots"
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_appointments_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
        sa.UniqueConstraint("code", name="uq_appointments_code"),
        sa.UniqueConstraint("qr_token", name="uq_appointments_qr_token"),
    )
    op.create_index("ix_appointments_slot_id", "appointments", ["slot_id"])
    op.create_index("ix_appointments_centre_day", "appointments", ["centre_id", "day"])
    op.create_index(
        "uq_appointments_active_phone",
        "appointments",
        ["service_id", "day", "phone"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "remote_numbers",
        sa.Column("ticket_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("taken_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_remote_numbers_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name="fk_remote_numbers_service_id_services"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_remote_numbers"),
        sa.UniqueConstraint("service_id", "day", "phone", name="uq_remote_numbers_service_id_day_phone"),
    )
    op.create_index("ix_remote_numbers_service_taken", "remote_numbers", ["service_id", "taken_at"])
    # priority classes move up one rank, leaving rank 1 to booked visitors checked in on time
    op.execute("UPDATE tickets SET priority_rank = 2 WHERE priority_rank = 1")


def downgrade() -> None:
    op.execute("UPDATE tickets SET priority_rank = 1 WHERE priority_rank >= 1")
    op.drop_index("ix_remote_numbers_service_taken", table_name="remote_numbers")
    op.drop_table("remote_numbers")
    op.drop_index("uq_appointments_active_phone", table_name="appointments")
    op.drop_index("ix_appointments_centre_day", table_name="appointments")
    op.drop_index("ix_appointments_slot_id", table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("appointment_slots")
    op.drop_table("booking_settings")
