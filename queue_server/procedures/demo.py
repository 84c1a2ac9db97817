"""Demo catalogue: the shipped sample of 134 procedures (idempotent)."""

from __future__ import annotations

from pathlib import Path

from ..db import Database
from .service import import_file

SAMPLE = Path(__file__).resolve().parent / "data" / "tthc_sample.json"


def seed(db: Database) -> None:
    """Import the sample; a second run finds every procedure unchanged and writes nothing.

    Procedures are global: the demo centre's services carry the codes (HOTICH, DATDAI …) the
    sample maps to.
    """
    with db.unit_of_work() as s:
        import_file(s, SAMPLE.read_bytes(), filename=SAMPLE.name)
