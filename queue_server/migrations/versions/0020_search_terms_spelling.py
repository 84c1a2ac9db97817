"""search_terms keyed by their spelling: `phrase_key` holds the phrase's words lower case with
their diacritics (NFC), no longer folded, so «mất» and «mật» are two entries

Existing keys are recomputed from each entry's phrase; they were unique folded, so they are
unique spelled. A downgrade folds them again: it fails on the unique constraint if the centre
now holds two entries differing only in diacritics (delete one first).

Revision ID: 0020_search_terms_spelling
Revises: 0019_search_terms
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0020_search_terms_spelling"
down_revision = "0019_search_terms"
branch_labels = None
depends_on = None

# Frozen copies of the two keys as this revision knows them (queue_server.procedures.search may change).
_NON_WORD = re.compile(r"[^0-9a-z]+")
_Y_AFTER_CONSONANT = re.compile(r"(?<=[bcdghklmnpqrstvx])y\b")


def _spelled(phrase: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFC", phrase.lower())))


def _folded(phrase: str) -> str:
    text = unicodedata.normalize("NFD", phrase.lower().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _Y_AFTER_CONSONANT.sub("i", _NON_WORD.sub(" ", text).strip())


def _rekey(make) -> None:
    bind = op.get_bind()
    terms = sa.table(
        "search_terms", sa.column("id", sa.Integer), sa.column("phrase", sa.String), sa.column("phrase_key", sa.String)
    )
    for id_, phrase in bind.execute(sa.select(terms.c.id, terms.c.phrase)).all():
        bind.execute(sa.update(terms).where(terms.c.id == id_).values(phrase_key=make(phrase)))


def upgrade() -> None:
    _rekey(_spelled)


def downgrade() -> None:
    _rekey(_folded)
