"""dossier time limits in their own unit, the procedure's level on the dossier

- `dossiers.processing_unit`: working_days | days | hours | unknown (the amount stays in
  `processing_days`); existing dossiers were all counted in working days.
- `dossiers.procedure_level`: the catalogue's level (xa, huyen, tinh, trung_uong) when the dossier
  was received, for the by-level report; filled for existing dossiers from the catalogue as it
  stands (the best knowledge there is).

Revision ID: 0010_dossier_clocks
Revises: 0009_audit_log, 0002_procedures, 0003_dossiers, 0004_ratings (merges the heads: one head from here on)
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_dossier_clocks"
down_revision = ("0009_audit_log", "0002_procedures", "0003_dossiers", "0004_ratings")
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (no table rebuild: other tables reference dossiers).
    op.add_column(
        "dossiers", sa.Column("processing_unit", sa.String(16), nullable=False, server_default="working_days")
    )
    op.add_column("dossiers", sa.Column("procedure_level", sa.String(20), nullable=True))
    op.execute(
        "UPDATE dossiers SET procedure_level = "
        "(SELECT p.level FROM procedures p WHERE p.code = dossiers.procedure_code OR p.ref = dossiers.procedure_code "
        "ORDER BY p.id LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("procedure_level")
        batch.drop_column("processing_unit")
