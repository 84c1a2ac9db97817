"""request ids scoped to the calling device or account

A kiosk's client_request_id was unique across the whole system, so kiosk B reusing kiosk A's id
received A's ticket. The stored key now carries the caller ('d12:<id>' for device 12, 'u3:<id>'
for user 3; see tickets.service.request_key); existing keys get the caller of their ticket's
'issued' event (keys too long for the prefix stay as they were: old tickets, no longer retried).

Revision ID: 0008_scoped_request_ids
Revises: 0007_queue_indexes
"""

from alembic import op

revision = "0008_scoped_request_ids"
down_revision = "0007_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE tickets SET client_request_id = (
            SELECT CASE WHEN e.actor_device_id IS NOT NULL THEN 'd' || CAST(e.actor_device_id AS VARCHAR(20))
                        ELSE 'u' || CAST(e.actor_user_id AS VARCHAR(20)) END
            FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.type = 'issued'
            ORDER BY e.id LIMIT 1
        ) || ':' || client_request_id
        WHERE client_request_id IS NOT NULL AND length(client_request_id) <= 52
          AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.type = 'issued')
        """
    )


def downgrade() -> None:
    find = "strpos" if op.get_bind().dialect.name == "postgresql" else "instr"
    op.execute(
        f"UPDATE tickets SET client_request_id = substr(client_request_id, {find}(client_request_id, ':') + 1) "
        "WHERE client_request_id LIKE '%:%'"
    )
