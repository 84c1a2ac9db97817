"""Status updates from the provincial one-stop system (Hệ thống thông tin một cửa điện tử).

Two adapters deliver the same `ExternalUpdate` records to `apply_updates`:
- `FolderAdapter`: a watched folder of JSON/CSV files (processed files go to `done/`, bad ones to
  `rejected/` with a `.reason.txt` next to them; a file is applied in chunks of ten updates, in
  order, up to its first failing update — see `apply_in_chunks`);
- the HTTP endpoint `POST /api/v1/sync/dossiers`, authenticated by an HMAC-SHA256 signature.

Every update carries an `update_id`; applied ids are stored, so a replay changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..centres.models import Agency
from ..config import Settings
from ..db import Database
from ..errors import DomainError
from ..timeutil import utcnow
from . import codes, service
from .models import Dossier, SyncUpdate
from .schemas import ApplicantIn, Channel, TransitionRequest

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Motcua-Signature"
TIMESTAMP_HEADER = "X-Motcua-Timestamp"
MAX_CLOCK_SKEW_S = 300


class ExternalUpdate(BaseModel):
    """One status update; creating fields are needed only for a dossier we have not seen yet."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    update_id: str = Field(min_length=1, max_length=120)
    code: str = Field(min_length=22, max_length=25)
    status: str | None = Field(default=None, max_length=30)
    reason: str | None = Field(default=None, max_length=2000)
    agency_identifier: str | None = Field(default=None, max_length=13)
    procedure_code: str | None = Field(default=None, max_length=40)
    procedure_name: str | None = Field(default=None, max_length=1000)
    processing_days: int | None = Field(default=None, ge=0, le=3650)
    applicant: ApplicantIn | None = None
    channel: Channel = "direct"
    received_at: datetime | None = None
    due_at: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class SyncAdapter(Protocol):
    """Where external updates come from; `apply_updates` is the one place they take effect."""

    name: str

    def poll(self) -> list[tuple[str, list[ExternalUpdate]]]:  # pragma: no cover - a protocol
        """Pending batches as (label, updates)."""


@dataclass
class Outcome:
    update_id: str
    code: str
    outcome: str  # created | updated | unchanged | duplicate


def _aware(dt: datetime | None, what: str) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        raise DomainError("timezone_required", f"Thời điểm «{what}» phải kèm múi giờ (ví dụ +07:00).", 422)
    return dt


def apply_update(
    session: Session, settings: Settings, update: ExternalUpdate, *, source: str, now: datetime | None = None
) -> Outcome:
    now = now or utcnow()
    if session.get(SyncUpdate, update.update_id) is not None:
        return Outcome(update.update_id, update.code, "duplicate")
    parsed = codes.parse_code(update.code)
    if parsed is None:
        raise DomainError("dossier_code_invalid", f"Mã hồ sơ «{update.code}» không đúng định dạng.", 422)
    code = codes.normalise_code(update.code)
    received_at = _aware(update.received_at, "received_at") or now
    due_at = _aware(update.due_at, "due_at")
    dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    label = f"Hệ thống một cửa điện tử ({source})"
    if dossier is None:
        dossier = _create(session, settings, update, code, parsed, received_at, due_at, source, label)
        outcome = "created"
    else:
        outcome = "unchanged"
        if due_at is not None and due_at != dossier.due_at:
            dossier.due_at = due_at
            service.record(
                session,
                dossier,
                "synced",
                None,
                at=now,
                actor_label=label,
                reason=update.reason,
                data={"update_id": update.update_id, "due_at": due_at.isoformat()},
            )
            outcome = "updated"
    if update.status and update.status != dossier.status:
        service.transition(
            session,
            settings,
            None,
            dossier,
            TransitionRequest(
                to=update.status, reason=update.reason, data={**update.data, "update_id": update.update_id}
            ),
            now=now,
            actor_label=label,
            external=True,
        )
        outcome = "updated" if outcome == "unchanged" else outcome
    session.add(
        SyncUpdate(update_id=update.update_id, source=source, dossier_code=code, applied_at=now, outcome=outcome)
    )
    session.flush()
    return Outcome(update.update_id, code, outcome)


def _create(
    session: Session,
    settings: Settings,
    update: ExternalUpdate,
    code: str,
    parsed: codes.ParsedCode,
    received_at: datetime,
    due_at: datetime | None,
    source: str,
    label: str,
) -> Dossier:
    identifier = update.agency_identifier or parsed.agency_identifier
    if identifier != parsed.agency_identifier:
        raise DomainError("agency_mismatch", "Mã định danh cơ quan không khớp với mã hồ sơ.", 422)
    agency = session.execute(
        select(Agency).where(Agency.identifier == identifier).order_by(Agency.id).limit(1)
    ).scalar_one_or_none()
    if agency is None:
        raise DomainError("agency_not_found", f"Không tìm thấy cơ quan có mã định danh «{identifier}».", 422)
    if update.applicant is None:
        raise DomainError("applicant_required", "Hồ sơ mới từ hệ thống ngoài cần thông tin người nộp (applicant).", 422)
    if update.procedure_name and update.procedure_code:
        procedure = service.ProcedureSnapshot(
            code=update.procedure_code, name=update.procedure_name, processing_days=update.processing_days or 0
        )
    elif update.procedure_code:
        procedure = service.procedure_snapshot(session, update.procedure_code)
    else:
        raise DomainError("procedure_required", "Hồ sơ mới từ hệ thống ngoài cần mã và tên thủ tục.", 422)
    dossier = service.new_dossier(
        session,
        settings,
        agency,
        procedure,
        update.applicant,
        now=received_at,
        channel=update.channel,
        code=code,
        source=source,
        status="received" if update.channel != "online" else None,
        due_at=due_at,
    )
    service.record(
        session,
        dossier,
        "created",
        None,
        at=received_at,
        to_status=dossier.status,
        actor_label=label,
        agency_name=agency.name,
        data={"update_id": update.update_id, "source": source},
    )
    return dossier


def apply_updates(
    session: Session, settings: Settings, updates: Iterable[ExternalUpdate], *, source: str
) -> list[Outcome]:
    """All or nothing: the caller's transaction holds every update of a batch."""
    return [apply_update(session, settings, u, source=source) for u in updates]


CHUNK_UPDATES = 10  # updates per transaction: a few milliseconds each, so the desk waits for one chunk at most


def apply_in_chunks(
    db: Database, settings: Settings, updates: list[ExternalUpdate], *, source: str, chunk: int = CHUNK_UPDATES
) -> list[Outcome]:
    """Apply `updates` in order, `chunk` per transaction, so that a large batch (a day of updates
    the one-stop system sends after an outage) never holds the write lock for long: the clerks'
    desk waits behind one chunk, not behind the batch. Each chunk is all or nothing. On a failing
    update the chunks before it stay applied and the error says which (`applied`: their update
    ids); since every update is idempotent by its update_id, the sender resends the whole batch
    and the applied ones answer "duplicate". A batch of up to `chunk` updates is all or nothing."""
    outcomes: list[Outcome] = []
    for start in range(0, len(updates), chunk):
        try:
            with db.unit_of_work() as session:
                done = apply_updates(session, settings, updates[start : start + chunk], source=source)
        except DomainError as exc:
            exc.extra["applied"] = [o.update_id for o in outcomes]
            raise
        outcomes += done
        time.sleep(0.001)  # a writer waiting for the lock gets it before the next chunk
    return outcomes


# -- HTTP: HMAC ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` over `<timestamp>.<raw body>`: the timestamp is signed so a capture cannot be re-dated."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(
    secret: str | None, timestamp: str | None, signature: str | None, body: bytes, *, now: float | None = None
) -> None:
    if not secret:
        raise DomainError("sync_disabled", "Chưa cấu hình khóa đồng bộ (sync_hmac_secret).", 503)
    if not timestamp or not signature:
        raise DomainError("signature_missing", "Thiếu chữ ký hoặc thời điểm gửi.", 403)
    try:
        sent = int(timestamp)
    except ValueError:
        raise DomainError("timestamp_invalid", "Thời điểm gửi không hợp lệ.", 403) from None
    if abs((now or time.time()) - sent) > MAX_CLOCK_SKEW_S:
        raise DomainError("timestamp_stale", "Yêu cầu đã quá hạn (lệch thời gian quá 5 phút).", 403)
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise DomainError("signature_invalid", "Chữ ký không hợp lệ.", 403)


def parse_json_updates(raw: bytes | str) -> list[ExternalUpdate]:
    """A single update, a list of updates, or {"updates": [...]}."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("malformed_json", f"Nội dung không phải JSON hợp lệ: {exc}", 400) from None
    if isinstance(payload, dict) and "updates" in payload:
        payload = payload["updates"]
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise DomainError("no_updates", "Không có cập nhật nào.", 422)
    return [_validated(item, i) for i, item in enumerate(items)]


def _validated(item: Any, index: int) -> ExternalUpdate:
    try:
        return ExternalUpdate.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise DomainError("update_invalid", f"Cập nhật thứ {index + 1} không hợp lệ: {problems}", 422) from None


CSV_COLUMNS = (
    "update_id",
    "code",
    "status",
    "reason",
    "agency_identifier",
    "procedure_code",
    "procedure_name",
    "processing_days",
    "full_name",
    "organisation_name",
    "phone",
    "address",
    "email",
    "channel",
    "received_at",
    "due_at",
)
_APPLICANT_COLUMNS = {
    "full_name": "full_name",
    "organisation_name": "organisation_name",
    "phone": "phone",
    "address": "address",
    "email": "email",
}


def parse_csv_updates(text: str) -> list[ExternalUpdate]:
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
    if not reader.fieldnames or "update_id" not in reader.fieldnames or "code" not in reader.fieldnames:
        raise DomainError("csv_header_invalid", "Tệp CSV cần dòng tiêu đề có ít nhất update_id và code.", 422)
    if unknown:
        raise DomainError("csv_header_invalid", f"Cột không được hỗ trợ: {', '.join(sorted(unknown))}.", 422)
    out = []
    for i, row in enumerate(reader):
        if None in row:
            raise DomainError("csv_row_invalid", f"Dòng {i + 2} có nhiều cột hơn tiêu đề.", 422)
        values = {k: v.strip() for k, v in row.items() if v is not None and v.strip() != ""}
        applicant = {dst: values.pop(src) for src, dst in _APPLICANT_COLUMNS.items() if src in values}
        if applicant:
            values["applicant"] = applicant
        out.append(_validated(values, i))
    if not out:
        raise DomainError("no_updates", "Tệp CSV không có dòng cập nhật nào.", 422)
    return out


# -- the watched folder -------------------------------------------------------------------------


class FolderAdapter:
    """A folder the external system drops files into (write to a temporary name, then rename)."""

    name = "folder"
    SUFFIXES = (".json", ".csv")

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.done = self.directory / "done"
        self.rejected = self.directory / "rejected"

    def pending_files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(
            p
            for p in self.directory.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith((".tmp", ".part"))
        )

    def read(self, path: Path) -> list[ExternalUpdate]:
        if path.suffix.lower() not in self.SUFFIXES:
            raise DomainError("file_type_unsupported", "Chỉ nhận tệp .json hoặc .csv.", 422)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("file_encoding", "Tệp phải được mã hóa UTF-8.", 422) from None
        return parse_csv_updates(text) if path.suffix.lower() == ".csv" else parse_json_updates(text)

    def poll(self) -> list[tuple[str, list[ExternalUpdate]]]:
        return [(p.name, self.read(p)) for p in self.pending_files()]

    def _move(self, path: Path, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        if target.exists():
            target = folder / f"{path.stem}.{int(time.time() * 1000)}{path.suffix}"
        shutil.move(str(path), target)
        return target

    def process(self, db: Database, settings: Settings) -> list[dict]:
        """Apply every pending file, each in its own transaction; returns a report per file."""
        report = []
        for path in self.pending_files():
            try:
                updates = self.read(path)
                outcomes = apply_in_chunks(db, settings, updates, source=self.name)
            except DomainError as exc:
                target = self._move(path, self.rejected)
                applied = exc.extra.get("applied") or []
                target.with_name(target.name + ".reason.txt").write_text(
                    f"{exc.code}: {exc.message}\n"
                    + (f"applied before it (resending the file is safe): {', '.join(applied)}\n" if applied else ""),
                    encoding="utf-8",
                )
                log.warning("sync file rejected: %s (%s)", path.name, exc.code)
                report.append({"file": path.name, "result": "rejected", "code": exc.code, "message": exc.message})
                continue
            except Exception as exc:  # a database integrity race, a bug: keep the file out of the loop
                target = self._move(path, self.rejected)
                target.with_name(target.name + ".reason.txt").write_text(
                    f"error: {type(exc).__name__}\n", encoding="utf-8"
                )
                log.exception("sync file failed: %s", path.name)
                report.append({"file": path.name, "result": "rejected", "code": "error", "message": type(exc).__name__})
                continue
            self._move(path, self.done)
            report.append(
                {
                    "file": path.name,
                    "result": "done",
                    "updates": [{"update_id": o.update_id, "code": o.code, "outcome": o.outcome} for o in outcomes],
                }
            )
        return report
