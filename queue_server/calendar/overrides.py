"""Per-year override files: the civil-service holiday schedule the holiday library cannot know.

A file looks like::

    {"year": 2025,
     "note": "optional remark about the whole file",
     "days_off":     [{"date": "2025-01-27", "name": "Nghỉ Tết Nguyên đán", "source": "..."}],
     "working_days": [{"date": "2025-04-26", "name": "Làm bù ngày 02/05", "source": "...",
                       "replaces": "2025-05-02"}],
     "removed":      [{"date": "...", "name": "...", "source": "...", "note": "optional"}]}

`days_off` are extra days off, `working_days` are worked days (make-up Saturdays,
"làm bù") and `removed` cancels a holiday the library lists. Every entry names
the document it comes from; `note` says what is uncertain. A worked day may say which
day off it `replaces`: the queue then issues with that weekday's hours on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from .errors import CalendarError

DATA_DIR = Path(__file__).resolve().parent / "data"

OverrideKind = Literal["day_off", "working_day", "removed"]
_LISTS: dict[str, OverrideKind] = {"days_off": "day_off", "working_days": "working_day", "removed": "removed"}
_FILE_KEYS = {"year", "note", *_LISTS}
_ENTRY_KEYS = {"date", "name", "source", "note", "replaces"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class OverrideEntry:
    day: date
    kind: OverrideKind
    name: str
    source: str
    note: str | None = None
    replaces: date | None = None  # a worked day: the day off it makes up


@dataclass(frozen=True)
class OverrideFile:
    path: Path
    year: int
    entries: dict[date, OverrideEntry]
    note: str | None = None


def builtin_override_files() -> list[Path]:
    """The national files shipped with the server, oldest year first."""
    return sorted(DATA_DIR.glob("vn-*.json"))


def _text(raw: dict, key: str, where: str, required: bool) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CalendarError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _object(raw: object, allowed: set[str], where: str, what: str) -> dict:
    """`raw` as a JSON object with only `allowed` keys; a misspelt key must not pass silently."""
    if not isinstance(raw, dict):
        raise CalendarError(f"{where}: {what} must be a JSON object")
    unknown = set(raw) - allowed
    if unknown:
        raise CalendarError(f"{where}: unknown field(s) {sorted(unknown)}; expected {sorted(allowed)}")
    return raw


def _date(text: object, key: str, where: str) -> date:
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        raise CalendarError(f"{where}: '{key}' must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarError(f"{where}: {text!r} is not a calendar date") from None


def _entry(raw: object, kind: OverrideKind, year: int, where: str) -> OverrideEntry:
    raw = _object(raw, _ENTRY_KEYS, where, "an entry (date, name, source)")
    text = raw.get("date")
    day = _date(text, "date", where)
    replaces = None
    if raw.get("replaces") is not None:
        if kind != "working_day":
            raise CalendarError(f"{where}: only a worked day (working_days) replaces another day")
        replaces = _date(raw["replaces"], "replaces", where)
    if day.year != year:
        raise CalendarError(f"{where}: {text} is not in the file's year {year}")
    return OverrideEntry(
        day=day,
        kind=kind,
        name=_text(raw, "name", where, required=True),  # type: ignore[arg-type]
        source=_text(raw, "source", where, required=True),  # type: ignore[arg-type]
        note=_text(raw, "note", where, required=False),
        replaces=replaces,
    )


def load_overrides(path: str | Path) -> OverrideFile:
    """Read and validate one override file; any problem raises CalendarError naming the file and entry."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read override file ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CalendarError(f"{path}: not valid JSON ({exc})") from None
    data = _object(data, _FILE_KEYS, str(path), "the file")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2999:
        raise CalendarError(f"{path}: 'year' must be a four-digit integer, got {year!r}")

    entries: dict[date, OverrideEntry] = {}
    for list_key, kind in _LISTS.items():
        items = data.get(list_key, [])
        if not isinstance(items, list):
            raise CalendarError(f"{path}: '{list_key}' must be a list")
        for index, raw in enumerate(items):
            where = f"{path}: {list_key}[{index}]"
            entry = _entry(raw, kind, year, where)
            if entry.day in entries:
                first = entries[entry.day]
                raise CalendarError(f"{where}: {entry.day} is listed twice (already as {first.kind} '{first.name}')")
            entries[entry.day] = entry
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise CalendarError(f"{path}: 'note' must be a string")
    return OverrideFile(path=path, year=year, entries=entries, note=note)
