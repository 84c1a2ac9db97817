"""Dossier codes (mã số hồ sơ), both layouts in force (domain.md §3).

- "bp" (TT 01/2018 Đ.19 k.1; BP Đ.15), 25 characters: ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``
- "ag" (AG Đ.7 k.3), 22 characters: agency identifier + ``DDMMYY`` + 3-digit day sequence
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..errors import DomainError

_AGENCY = r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}"
AGENCY_RE = re.compile(rf"^{_AGENCY}$")
_PATTERNS = {
    "bp": re.compile(rf"^(?P<agency>{_AGENCY})-(?P<yy>\d{{2}})(?P<mm>\d{{2}})(?P<dd>\d{{2}})-(?P<seq>\d{{4}})$"),
    "ag": re.compile(rf"^(?P<agency>{_AGENCY})(?P<dd>\d{{2}})(?P<mm>\d{{2}})(?P<yy>\d{{2}})(?P<seq>\d{{3}})$"),
}
LENGTH = {"bp": 25, "ag": 22}
MAX_SEQUENCE = {"bp": 9999, "ag": 999}


@dataclass(frozen=True)
class ParsedCode:
    layout: str
    agency_identifier: str
    day: date
    sequence: int


def sequence_name(agency_identifier: str, day: date) -> str:
    """The named counter of the receipts under one agency identifier on one (Vietnam-local) day.

    The day sequence belongs to the identifier, not to the agency row: a province running several
    centres (commune desks) on one server may register the same identifier at each of them, and
    the codes they give out must still never repeat (the code is agency identifier + date +
    sequence). Every desk sharing an identifier therefore draws from the same counter.
    """
    return f"dossier-id:{agency_identifier}:{day.isoformat()}"


def legacy_sequence_name(agency_id: int, day: date) -> str:
    """The per-agency-row counter used before the sequence moved to the identifier (upgrade day only)."""
    return f"dossier:{agency_id}:{day.isoformat()}"


def format_code(layout: str, agency_identifier: str, day: date, sequence: int) -> str:
    if layout not in LENGTH:
        raise ValueError(f"unknown dossier code layout {layout!r}")
    if not AGENCY_RE.match(agency_identifier or ""):
        raise DomainError(
            "agency_identifier_invalid",
            "Mã định danh của cơ quan không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2, không thể cấp mã hồ sơ.",
            409,
        )
    if not 1 <= sequence <= MAX_SEQUENCE[layout]:
        raise DomainError(
            "dossier_sequence_exhausted",
            f"Cơ quan đã dùng hết {MAX_SEQUENCE[layout]} số hồ sơ của ngày {day:%d/%m/%Y}; "
            "không thể cấp thêm mã hồ sơ trong ngày.",
            409,
        )
    if layout == "bp":
        code = f"{agency_identifier}-{day:%y%m%d}-{sequence:04d}"
    else:
        code = f"{agency_identifier}{day:%d%m%y}{sequence:03d}"
    assert len(code) == LENGTH[layout]
    return code


def parse_code(text: str) -> ParsedCode | None:
    """A code in either layout, or None (also for impossible dates)."""
    text = (text or "").strip().upper()
    for layout, pattern in _PATTERNS.items():
        m = pattern.match(text)
        if m:
            try:
                day = date(2000 + int(m["yy"]), int(m["mm"]), int(m["dd"]))
            except ValueError:
                return None
            return ParsedCode(layout, m["agency"], day, int(m["seq"]))
    return None


def normalise_code(text: str) -> str:
    return (text or "").strip().upper()
