"""Reading catalogue files (JSON, CSV, XLSX) into checked rows, before anything is written.

A file that cannot be read as a catalogue at all (not JSON, a JSON object instead of a
list, a CSV without a `name` column …) raises `MalformedFile`: nothing is imported. A bad
row inside a good file becomes a `Rejection` with its row number and reason; the other rows
still import. Row numbers are what a person opening the file sees: the item's position in a
JSON list (1-based), and the row a spreadsheet shows for CSV and XLSX (header = 1).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DomainError
from .models import LEVELS
from .search import DATA_DIR, fold

FORMATS = ("json", "csv", "xlsx")
COLUMNS = (
    "code",
    "name",
    "field",
    "level",
    "agency",
    "processing_time_text",
    "processing_days",
    "fee_text",
    "documents",
    "online_level_text",
    "source_url",
    "service_code",
)
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]{0,39}$")
_SERVICE_CODE = re.compile(r"^[A-Z0-9_]{1,20}$")
_DOC_SPLIT = re.compile(r"\r?\n| \| ")
_LEVEL_WORDS = {
    "xa": "xa",
    "cap xa": "xa",
    "huyen": "huyen",
    "cap huyen": "huyen",
    "tinh": "tinh",
    "cap tinh": "tinh",
    "trung uong": "trung_uong",
    "cap trung uong": "trung_uong",
    "cap bo": "trung_uong",
}
MAX_TEXT = 20_000


class MalformedFile(DomainError):
    def __init__(self, message: str):
        super().__init__("import_malformed", message, 422)


@dataclass(frozen=True)
class ProcedureRow:
    """One checked row, ready to be written."""

    row: int
    ref: str
    stable_key: str
    code: str | None
    name: str
    field: str | None
    level: str | None
    agency_name: str | None
    processing_time_text: str | None
    processing_days: int | None
    fee_text: str | None
    documents: list[str]
    online_level_text: str | None
    source_url: str | None
    service_code: str | None


@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str
    name: str | None = None
    code: str | None = None

    def as_dict(self) -> dict:
        return {"row": self.row, "reason": self.reason, "name": self.name, "code": self.code}


class RowError(ValueError):
    """A reason (Vietnamese) why one row cannot be imported."""


def stable_key(name: str, field: str | None, level: str | None) -> str:
    """The identity of a procedure without a national code: same name, field and level → same key."""
    digest = hashlib.sha1(f"{fold(name)}|{fold(field)}|{level or ''}".encode()).hexdigest()
    return f"tt-{digest[:12]}"


def service_rules() -> list[tuple[list[str], str]]:
    raw = json.loads((DATA_DIR / "service_map.json").read_text(encoding="utf-8"))
    return [(fold(words).split(), code) for words, code in raw["rules"]]


_RULES = service_rules()


def service_code_for_field(field: str | None) -> str | None:
    """The queue that receives procedures of `field` by default (data/service_map.json)."""
    words = f" {fold(field)} "
    for rule_words, code in _RULES:
        if f" {' '.join(rule_words)} " in words:
            return code
    return None


# -- reading files --------------------------------------------------------------------------------


def detect_format(filename: str | None, content: bytes) -> str:
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if content[:2] == b"PK":
        return "xlsx"
    if content.lstrip()[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def read_rows(content: bytes, fmt: str) -> list[tuple[int, Any]]:
    """(row number, raw record) pairs; raises MalformedFile when the file is not a catalogue."""
    if fmt not in FORMATS:
        raise MalformedFile(f"Định dạng tệp «{fmt}» không được hỗ trợ (chỉ nhận json, csv, xlsx).")
    if not content.strip():
        raise MalformedFile("Tệp rỗng, không có thủ tục nào để nhập.")
    return {"json": _json_rows, "csv": _csv_rows, "xlsx": _xlsx_rows}[fmt](content)


def _json_rows(content: bytes) -> list[tuple[int, Any]]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise MalformedFile("Tệp JSON không phải mã UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise MalformedFile(f"Tệp không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}: {exc.msg}).") from None
    if not isinstance(data, list):
        raise MalformedFile(f"Tệp JSON phải là một danh sách (mảng) các thủ tục, nhưng lại là {_json_kind(data)}.")
    return list(enumerate(data, start=1))


def _json_kind(value: Any) -> str:
    return {dict: "một đối tượng", str: "một chuỗi", int: "một số", float: "một số", bool: "giá trị đúng/sai"}.get(
        type(value), "giá trị rỗng"
    )


def _check_header(header: list[str]) -> list[str]:
    cleaned = [str(h).strip().lower() if h is not None else "" for h in header]
    if "name" not in cleaned:
        raise MalformedFile("Dòng tiêu đề phải có cột «name» (các cột: " + ", ".join(COLUMNS) + ").")
    return cleaned


def _csv_rows(content: bytes) -> list[tuple[int, Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedFile("Tệp CSV phải được lưu với mã UTF-8.") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise MalformedFile("Tệp CSV không có dòng tiêu đề.") from None
    except csv.Error as exc:
        raise MalformedFile(f"Tệp CSV không đọc được: {exc}.") from None
    columns = _check_header(header)
    rows = []
    try:
        # Numbered as a spreadsheet shows the file: one row per record, even one with quoted newlines.
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            rows.append((number, _record(columns, values)))
    except csv.Error as exc:
        raise MalformedFile(f"Tệp CSV không đọc được ở dòng {reader.line_num}: {exc}.") from None
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise MalformedFile("Tệp không phải bảng tính XLSX hợp lệ.") from None
    try:
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise MalformedFile("Trang tính đầu tiên trống, không có dòng tiêu đề.")
        columns = _check_header(list(header))
        rows = []
        for number, values in enumerate(it, start=2):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            rows.append((number, _record(columns, list(values))))
        return rows
    finally:
        book.close()


def _record(columns: list[str], values: list[Any]) -> dict:
    return {c: v for c, v in zip(columns, values) if c}


# -- checking rows --------------------------------------------------------------------------------


def check_rows(raw_rows: list[tuple[int, Any]]) -> tuple[list[ProcedureRow], list[Rejection]]:
    """Checked rows and rejections; a code (or stable key) seen twice keeps the first row."""
    good: list[ProcedureRow] = []
    rejected: list[Rejection] = []
    seen: dict[str, int] = {}
    for number, raw in raw_rows:
        try:
            row = check_row(number, raw)
        except RowError as exc:
            name = raw.get("name") if isinstance(raw, dict) else None
            code = raw.get("code") if isinstance(raw, dict) else None
            rejected.append(Rejection(number, str(exc), _short(name), _short(code)))
            continue
        if row.ref in seen:
            rejected.append(
                Rejection(
                    number, f"Trùng với thủ tục ở dòng {seen[row.ref]} (cùng mã «{row.ref}»).", row.name[:120], row.code
                )
            )
            continue
        seen[row.ref] = number
        good.append(row)
    return good, rejected


def _short(value: Any) -> str | None:
    return str(value)[:120] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def check_row(number: int, raw: Any) -> ProcedureRow:
    if not isinstance(raw, dict):
        raise RowError("Mỗi thủ tục phải là một đối tượng JSON có các khóa code, name, field, level …")
    name = _text(raw.get("name"), "name")
    if not name:
        raise RowError("Thiếu tên thủ tục (cột «name»).")
    code = _code(raw.get("code"))
    field = _text(raw.get("field"), "field")
    level = _level(raw.get("level"))
    service_code = _service_code(raw.get("service_code"))
    key = stable_key(name, field, level)
    agency = raw.get("agency") if raw.get("agency") not in (None, "") else raw.get("agency_name")
    return ProcedureRow(
        row=number,
        ref=code or key,
        stable_key=key,
        code=code,
        name=name,
        field=field,
        level=level,
        agency_name=_text(agency, "agency"),
        processing_time_text=_text(raw.get("processing_time_text"), "processing_time_text"),
        processing_days=_days(raw.get("processing_days")),
        fee_text=_text(raw.get("fee_text"), "fee_text"),
        documents=_documents(raw.get("documents")),
        online_level_text=_text(raw.get("online_level_text"), "online_level_text"),
        source_url=_text(raw.get("source_url"), "source_url"),
        service_code=service_code or service_code_for_field(field),
    )


def _text(value: Any, column: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RowError(f"Cột «{column}» phải là chữ.")
    text = " ".join(str(value).split())
    if len(text) > MAX_TEXT:
        raise RowError(f"Cột «{column}» dài quá {MAX_TEXT} ký tự.")
    return text or None


def _code(value: Any) -> str | None:
    if isinstance(value, float):
        # A spreadsheet turned 1.001193 into a number; national codes have six decimals.
        value = f"{value:.6f}"
    code = _text(value, "code")
    if code is None:
        return None
    if not _CODE.match(code):
        raise RowError(
            f"Mã thủ tục «{code[:60]}» không hợp lệ (chỉ gồm chữ số, chữ cái, dấu chấm, gạch; tối đa 40 ký tự)."
        )
    return code


def _level(value: Any) -> str | None:
    text = _text(value, "level")
    if text is None:
        return None
    if text in LEVELS:
        return text
    level = _LEVEL_WORDS.get(fold(text))
    if level is None:
        raise RowError(f"Cấp thực hiện «{text[:60]}» không hợp lệ (chỉ nhận: {', '.join(LEVELS)} hoặc để trống).")
    return level


def _days(value: Any) -> int | None:
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool):
        raise RowError("Số ngày giải quyết (processing_days) phải là số nguyên ≥ 0.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 0 or value > 3650:
        raise RowError(
            f"Số ngày giải quyết (processing_days) phải là số nguyên từ 0 đến 3650, không phải «{str(value)[:40]}»."
        )
    return value


def _documents(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = _DOC_SPLIT.split(value)
    elif isinstance(value, list):
        items = value
    else:
        raise RowError("Thành phần hồ sơ (documents) phải là danh sách hoặc chữ, mỗi giấy tờ một dòng.")
    documents = []
    for item in items:
        if not isinstance(item, str):
            raise RowError("Mỗi giấy tờ trong thành phần hồ sơ (documents) phải là chữ.")
        text = " ".join(item.split())
        if text:
            documents.append(text[:MAX_TEXT])
    return documents


def _service_code(value: Any) -> str | None:
    text = _text(value, "service_code")
    if text is None:
        return None
    text = text.upper()
    if not _SERVICE_CODE.match(text):
        raise RowError(
            f"Mã dịch vụ (service_code) «{text[:40]}» không hợp lệ (chữ in hoa, số, gạch dưới; tối đa 20 ký tự)."
        )
    return text
