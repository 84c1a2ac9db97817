"""The procedure catalogue (thủ tục hành chính).

Procedures are global — one province's catalogue shared by its centres — because the
national code, name, fees and documents do not depend on which centre receives them.
What does depend on the centre is the queue that receives a procedure: each procedure
carries a `service_code` (e.g. HOTICH) and each centre resolves it to its own Service with
that code. A centre that routes differently names its services accordingly, or imports a
file with its own `service_code` column; no per-centre mapping table is needed for that.

`ref` identifies a procedure everywhere (API paths, tickets, dossiers): its national code
when it has one, else a stable key derived from name, field and level ("tt-…").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..timeutil import utcnow

LEVELS = ("xa", "huyen", "tinh", "trung_uong")
LEVEL_LABELS = {"xa": "Cấp xã", "huyen": "Cấp huyện", "tinh": "Cấp tỉnh", "trung_uong": "Cấp trung ương"}


class Procedure(Base):
    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("ref"), UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40))
    code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(300), index=True)
    level: Mapped[str | None] = mapped_column(String(12))
    agency_name: Mapped[str | None] = mapped_column(Text)
    processing_time_text: Mapped[str | None] = mapped_column(Text)
    processing_days: Mapped[int | None] = mapped_column(Integer)
    fee_text: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list] = mapped_column(default=list)
    online_level_text: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(String(20))
    # Folded (no diacritics, lower case) copies for searching in SQL when the index is not at hand.
    search_name: Mapped[str] = mapped_column(Text, default="")
    search_field: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def level_label(self) -> str | None:
        return LEVEL_LABELS.get(self.level or "")


TERM_KINDS = ("name", "synonym")


class SearchTerm(Base):
    """A centre's own lexicon entry, written in /admin: an everyday name of a procedure
    (kind «name»: phrase → the procedure's ref) or a synonym (kind «synonym»: phrase → the words
    it means). Searches from the centre read the phrase as its target (search.CentreTerms).

    `phrase_key` is the phrase's words as written, lower case with their diacritics
    (search.spelling): «mất» and «mật» are two entries. The same phrase typed without diacritics
    or with y for i is refused by the service (terms.add_term): a query could not tell them apart."""

    __tablename__ = "search_terms"
    __table_args__ = (UniqueConstraint("centre_id", "phrase_key", name="uq_search_terms_centre_id_phrase_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(10))
    phrase: Mapped[str] = mapped_column(String(100))  # as the administrator wrote it (NFC)
    phrase_key: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))  # a procedure's ref, or the words meant
    source: Mapped[str] = mapped_column(String(300))  # who asked for it and why: the entry's source
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
