"""search_terms: a centre's own everyday names of procedures and synonyms, added in /admin and
read by searches from the centre

Revision ID: 0019_search_terms
Revises: 0018_dossier_notify
"""

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision = "0019_search_terms"
down_revision = "0018_dossier_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("phrase", sa.String(100), nullable=False),
        sa.Column("phrase_key", sa.String(100), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_search_terms_centre_id_centres"),
        sa.PrimaryKeyConstraint("id", name="pk_search_terms"),
        sa.UniqueConstraint("centre_id", "phrase_key", name="uq_search_terms_centre_id_phrase_key"),
    )


def downgrade() -> None:
    op.drop_table("search_terms")
