"""The procedure catalogue: lookup by code, search, browse by field, and import.

Write procedures through `import_rows`/`import_file`: they bump the `procedures:version`
counter that tells every process to rebuild its search index. A row written any other way
is found by `get_procedure_by_code` at once but by search only after the next import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..audit.service import record
from ..auth.principal import Principal
from ..centres.models import Service
from ..db import current_value, current_values, next_value
from ..errors import DomainError
from ..timeutil import utcnow
from . import terms
from .documents import document_outline
from .importer import ProcedureRow, Rejection, check_rows, detect_format, read_rows
from .models import LEVEL_LABELS, LEVELS, Procedure
from .search import INDEXES, TERMS, CentreTerms, Entry, SearchIndex, fold, strip_noise

VERSION = "procedures:version"
NO_TERMS = CentreTerms()
MAX_LIMIT = 100
# Row attributes an import writes; comparing them tells "updated" from "unchanged".
IMPORTED = (
    "code",
    "ref",
    "name",
    "field",
    "level",
    "agency_name",
    "processing_time_text",
    "processing_days",
    "fee_text",
    "documents",
    "online_level_text",
    "source_url",
    "service_code",
)
_CHANNELS = (
    ("truc tiep", "Trực tiếp"),
    ("truc tuyen", "Trực tuyến"),
    ("muc do 4", "Trực tuyến"),
    ("buu chinh", "Dịch vụ bưu chính"),
)


# -- lookup ---------------------------------------------------------------------------------------


def get_procedure_by_code(session: Session, code: str) -> Procedure:
    """The procedure with this national code (or, for one without a code, its `ref` key)."""
    wanted = (code or "").strip()
    procedure = None
    if wanted:
        procedure = (
            session.execute(select(Procedure).where(or_(Procedure.ref == wanted, Procedure.code == wanted)))
            .scalars()
            .first()
        )
    if procedure is None:
        raise DomainError("procedure_not_found", f"Không tìm thấy thủ tục hành chính mã «{wanted[:60]}».", 404)
    return procedure


def summary(p: Procedure) -> dict:
    return {
        "ref": p.ref,
        "code": p.code,
        "name": p.name,
        "field": p.field,
        "level": p.level,
        "level_label": p.level_label,
        "agency_name": p.agency_name,
        "processing_time_text": p.processing_time_text,
        "processing_days": p.processing_days,
        "fee_text": p.fee_text,
        "service_code": p.service_code,
    }


def channels(online_level_text: str | None) -> list[str]:
    """Submission channels named in the source's text, in a fixed order, without repeats."""
    folded = fold(online_level_text)
    found: list[str] = []
    for words, label in _CHANNELS:
        if words in folded and label not in found:
            found.append(label)
    return found


def procedure_detail(session: Session, code: str, centre_id: int | None) -> dict:
    """Everything the kiosk's procedure page shows, with the queue that receives it at this centre."""
    p = get_procedure_by_code(session, code)
    outline = document_outline(list(p.documents or []))
    detail = summary(p) | {
        "documents": [line["text"] for line in outline],
        "document_outline": outline,
        "online_level_text": p.online_level_text,
        "channels": channels(p.online_level_text),
        "source_url": p.source_url,
        "updated_at": p.updated_at,
    }
    return with_service_ids(session, centre_id, [detail])[0]


def with_service_ids(session: Session, centre_id: int | None, items: list[dict]) -> list[dict]:
    """Copies of `items` with `service_id`: the centre's service whose code is the procedure's."""
    codes = {i["service_code"] for i in items if i.get("service_code")}
    ids: dict[str, int] = {}
    if centre_id is not None and codes:
        rows = session.execute(
            select(Service.code, Service.id).where(Service.centre_id == centre_id, Service.code.in_(codes))
        ).all()
        ids = {code: sid for code, sid in rows}
    return [i | {"service_id": ids.get(i.get("service_code") or "")} for i in items]


# -- search ---------------------------------------------------------------------------------------


def _entry(p: Procedure) -> Entry:
    return Entry(ref=p.ref, code=p.code, name=p.name, field=p.field, level=p.level, data=summary(p))


def search_index(session: Session) -> SearchIndex:
    """This process's index of the catalogue, rebuilt only when an import has changed it."""
    return _index(session, current_value(session, VERSION))


def _index(session: Session, version: int) -> SearchIndex:
    def load() -> list[Entry]:
        return [_entry(p) for p in session.execute(select(Procedure).order_by(Procedure.id)).scalars()]

    return INDEXES.get(session.get_bind(), version, load)


def search_index_for(session: Session, centre_id: int | None) -> tuple[SearchIndex, CentreTerms]:
    """The index and the centre's own lexicon (none without a centre), each rebuilt in this
    process only when its counter has moved: both counters are read in one SELECT per search."""
    if centre_id is None:
        return search_index(session), NO_TERMS
    values = current_values(session, (VERSION, terms.version_name(centre_id)))
    catalogue, own = values[VERSION], values[terms.version_name(centre_id)]
    index = _index(session, catalogue)
    if own == 0:  # the centre never had an entry
        return index, NO_TERMS
    return index, TERMS.get(
        session.get_bind(), centre_id, (catalogue, own), lambda: terms.replacements(session, centre_id)
    )


def _check_filters(field: str | None, level: str | None, limit: int) -> None:
    if level is not None and level not in LEVELS:
        raise DomainError(
            "invalid_level", f"Cấp thực hiện «{level[:40]}» không hợp lệ (chỉ nhận: {', '.join(LEVELS)}).", 422
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError("invalid_limit", f"Số kết quả (limit) phải từ 1 đến {MAX_LIMIT}.", 422)


def search_procedures(
    session: Session,
    q: str | None,
    field: str | None = None,
    level: str | None = None,
    limit: int = 20,
    *,
    centre_id: int | None = None,
) -> dict:
    """Best matches for `q`; an empty `q` browses (alphabetically by field, then name).

    Returns {"query", "items", "total", "suggestion"}; items are summaries with `service_id` for
    `centre_id`; `suggestion` ("Có phải bạn muốn tìm …") when nothing matched the whole query
    and the items are the best partial matches.
    """
    _check_filters(field, level, limit)
    index, own_terms = search_index_for(session, centre_id)
    query = (q or "").strip()
    suggestion = None
    if query:
        hits, total = index.search(own_terms.rewrite(query), field=field, level=level, limit=limit)
        items = [h.entry.data for h in hits]
        if hits and hits[0].partial:
            suggestion = f"Có phải bạn muốn tìm «{hits[0].entry.name}»?"
    else:
        entries = index.browse(field=field, level=level)
        items = [e.data for e in entries[:limit]]
        total = len(entries)
    return {
        "query": query,
        "items": with_service_ids(session, centre_id, items),
        "total": total,
        "suggestion": suggestion,
    }


def list_fields(session: Session) -> dict:
    """Fields with how many procedures each has (most first), and the same by level."""
    index = search_index(session)
    fields: dict[str, dict] = {}
    levels: dict[str, int] = {}
    unclassified = 0
    for e in index.entries:
        if e.level:
            levels[e.level] = levels.get(e.level, 0) + 1
        if not e.field:
            unclassified += 1
            continue
        group = fields.setdefault(e.field, {"field": e.field, "count": 0, "service_code": e.data["service_code"]})
        group["count"] += 1
    items = sorted(fields.values(), key=lambda f: (-f["count"], fold(f["field"])))
    return {
        "items": items,
        "levels": [{"level": lv, "label": LEVEL_LABELS[lv], "count": levels[lv]} for lv in LEVELS if lv in levels],
        "unclassified": unclassified,
        "total": len(index.entries),
    }


def map_field(session: Session, field: str, service_code: str | None, *, actor: Principal | None = None) -> dict:
    """Route every procedure of a field to the queue with `service_code` (at each centre, the
    service with that code). A later import applies its own file's routing again."""
    procedures = list(session.execute(select(Procedure).where(Procedure.field == field)).scalars())
    if not procedures:
        raise DomainError("field_not_found", f"Không có thủ tục nào thuộc lĩnh vực «{field}».", 404)
    changed = [p for p in procedures if p.service_code != service_code]
    before = sorted({p.service_code or "" for p in changed})
    for p in changed:
        p.service_code = service_code
        p.updated_at = utcnow()
    if changed:
        session.flush()
        next_value(session, VERSION)  # search results carry the receiving service: rebuild the index
        record(
            session,
            actor,
            "map",
            "procedure_field",
            None,
            before={"service_code": ", ".join(before)},
            after={"service_code": service_code},
            summary=f"{field} → {service_code or '—'} ({len(changed)} thủ tục)",
        )
    return {"field": field, "service_code": service_code, "updated": len(changed)}


# -- import ---------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    format: str = ""

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.as_dict() for r in self.rejected],
            "rejected_count": len(self.rejected),
            "message": self.message(),
        }

    def message(self) -> str:
        text = f"Đã nhập {self.imported} thủ tục: thêm mới {self.added}, cập nhật {self.updated}, không đổi {self.unchanged}."
        if self.rejected:
            text += (
                f" Từ chối {len(self.rejected)} dòng (các dòng này không được ghi; các dòng hợp lệ khác vẫn được nhập)."
            )
        return text


def import_file(
    session: Session,
    content: bytes,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    actor: Principal | None = None,
) -> ImportSummary:
    """Read, check and write a catalogue file in the caller's transaction.

    A malformed file raises before anything is written; bad rows are reported and skipped.
    Re-importing the same file changes nothing: rows are matched by code, else by stable key.
    """
    fmt = (fmt or detect_format(filename, content)).lower()
    rows, rejected = check_rows(read_rows(content, fmt))
    result = import_rows(session, rows)
    result.rejected = rejected
    result.format = fmt
    record(
        session,
        actor,
        "import",
        "procedure_catalogue",
        None,
        after={
            "file": filename,
            "format": fmt,
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": len(rejected),
        },
        summary=result.message(),
    )
    return result


def import_rows(session: Session, rows: Iterable[ProcedureRow]) -> ImportSummary:
    existing = list(session.execute(select(Procedure)).scalars())
    by_code = {p.code: p for p in existing if p.code}
    by_ref = {p.ref: p for p in existing}
    result = ImportSummary()
    now = utcnow()
    for row in rows:
        values = {name: getattr(row, name) for name in IMPORTED}
        procedure = by_code.get(row.code) if row.code else None
        if procedure is None:
            # A procedure first imported without a code keeps its identity when the code appears.
            candidate = by_ref.get(row.stable_key)
            if candidate is not None and (candidate.code is None or candidate.code == row.code):
                procedure = candidate
        if procedure is None:
            procedure = Procedure(**values, updated_at=now)
            _refresh_search_columns(procedure)
            session.add(procedure)
            by_ref[procedure.ref] = procedure
            if procedure.code:
                by_code[procedure.code] = procedure
            result.added += 1
            continue
        if all(getattr(procedure, name) == value for name, value in values.items()):
            result.unchanged += 1
            continue
        by_ref.pop(procedure.ref, None)
        for name, value in values.items():
            setattr(procedure, name, value)
        procedure.updated_at = now
        _refresh_search_columns(procedure)
        by_ref[procedure.ref] = procedure
        if procedure.code:
            by_code[procedure.code] = procedure
        result.updated += 1
    if result.added or result.updated:
        session.flush()
        next_value(session, VERSION)  # every process rebuilds its search index on its next search
    return result


def _refresh_search_columns(p: Procedure) -> None:
    p.search_name = strip_noise(fold(p.name))
    p.search_field = fold(p.field)
