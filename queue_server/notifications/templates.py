"""The messages' texts: every kind of message with its default Vietnamese text and the placeholders
it may use; a centre's administrator may replace a kind's text (`notification_templates`), and
`render` fills the centre's text, or the default, when a message is recorded. Any area may render
a kind registered here (the dossier kinds are registered for the dossier area to use)."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import record
from ..auth.principal import Principal
from ..centres.service import ensure_centre_visible, get_centre
from ..errors import DomainError, not_found
from ..timeutil import aware, utcnow
from .models import NotificationTemplate

MAX_LENGTH = 500  # a few SMS parts; the column's bound too

_BOOKING = {
    "code": "mã lịch hẹn",
    "service": "tên dịch vụ",
    "time": "giờ hẹn (08:00)",
    "date": "ngày hẹn (Thứ Tư, 11/03/2026)",
}
_DOSSIER = {"dossier_code": "mã hồ sơ", "procedure": "tên thủ tục"}


@dataclass(frozen=True)
class Kind:
    label: str  # in /admin
    default: str
    placeholders: dict[str, str]  # name → what it is filled with


KINDS: dict[str, Kind] = {
    "booking_confirmed": Kind(
        "Xác nhận lịch hẹn",
        "Lịch hẹn {code} đã được xác nhận: {service}, {time} {date}. "
        "Đưa mã này hoặc mã QR vào ki-ốt khi đến để lấy số.",
        _BOOKING,
    ),
    "appointment_reminder": Kind(
        "Nhắc lịch hẹn ngày mai",
        "Nhắc lịch hẹn ngày mai: {service}, {time} {date}, mã {code}. "
        "Đưa mã này hoặc mã QR vào ki-ốt khi đến để lấy số.",
        _BOOKING,
    ),
    "queue_near": Kind(
        "Sắp đến lượt",
        "Số {number} ({service}): còn {ahead} người nữa đến lượt bạn. "
        "Vui lòng có mặt gần khu vực quầy để không lỡ lượt.",
        {"number": "số thứ tự", "service": "tên dịch vụ", "ahead": "số người phía trước"},
    ),
    "ticket_called": Kind(
        "Mời đến quầy",
        "Mời số {number} đến {counter_name} (quầy số {counter}) để được phục vụ.",
        {
            "number": "số thứ tự",
            "counter": "số quầy",
            "counter_name": "tên quầy (hoặc «Quầy N»)",
            "service": "tên dịch vụ",
        },
    ),
    "dossier_received": Kind(
        "Đã tiếp nhận hồ sơ",
        "Hồ sơ {dossier_code} ({procedure}) đã được tiếp nhận. Ngày hẹn trả kết quả: {due_date}.",
        {**_DOSSIER, "due_date": "ngày hẹn trả kết quả"},
    ),
    "dossier_supplement_requested": Kind(
        "Yêu cầu bổ sung hồ sơ",
        "Hồ sơ {dossier_code} ({procedure}) cần bổ sung: {reason}. Vui lòng liên hệ trung tâm để hoàn thiện hồ sơ.",
        {**_DOSSIER, "reason": "nội dung cần bổ sung"},
    ),
    "dossier_result_ready": Kind(
        "Đã có kết quả",
        "Hồ sơ {dossier_code} ({procedure}) đã có kết quả. Mời bạn đến trung tâm nhận kết quả.",
        _DOSSIER,
    ),
    "dossier_late": Kind(
        "Hồ sơ trễ hẹn",
        "Hồ sơ {dossier_code} ({procedure}) chưa có kết quả đúng hẹn. Trung tâm xin lỗi bạn; "
        "ngày hẹn trả kết quả mới: {new_due_date}.",
        {**_DOSSIER, "new_due_date": "ngày hẹn trả mới (trong thư xin lỗi)"},
    ),
}


def _kind(kind: str) -> Kind:
    found = KINDS.get(kind)
    if found is None:
        raise not_found("loại tin nhắn", "notification_kind_not_found")
    return found


def check_text(kind: str, text: str) -> str:
    """`text` as saved for `kind`, or a 422 naming what is wrong (braces, an unknown placeholder)."""
    allowed = _kind(kind).placeholders
    text = text.strip()
    names = ", ".join("{" + name + "}" for name in allowed)
    if not text or len(text) > MAX_LENGTH:
        raise DomainError("invalid_template", f"Nội dung tin nhắn phải có từ 1 đến {MAX_LENGTH} ký tự.", 422)
    try:
        fields = [(name, conv, spec) for _, name, spec, conv in Formatter().parse(text) if name is not None]
    except ValueError:
        raise DomainError(
            "invalid_template",
            "Dấu ngoặc nhọn không khớp: mỗi ô cần điền viết dạng {tên}; muốn in dấu { hoặc } hãy viết {{ hoặc }}.",
            422,
        ) from None
    for name, conv, spec in fields:
        if name not in allowed or conv or spec:
            raise DomainError(
                "invalid_template",
                f"Ô «{{{name}}}» không dùng được trong tin nhắn này; chỉ được dùng: {names}.",
                422,
            )
    return text


def _overrides(session: Session, centre_id: int) -> dict[str, NotificationTemplate]:
    rows = session.scalars(select(NotificationTemplate).where(NotificationTemplate.centre_id == centre_id))
    return {row.kind: row for row in rows}


def render(session: Session, centre_id: int, kind: str, **fields) -> str:
    """The message of `kind` for the centre: its own text, or the default, with `fields` filled in."""
    row = session.scalars(
        select(NotificationTemplate).where(
            NotificationTemplate.centre_id == centre_id, NotificationTemplate.kind == kind
        )
    ).first()
    text = row.text if row is not None else KINDS[kind].default
    return text.format_map(fields)


def _centre(session: Session, actor: Principal, centre_id: int) -> None:
    ensure_centre_visible(actor, centre_id)
    get_centre(session, centre_id)


def _audit(session: Session, actor: Principal, centre_id: int, kind: str, action: str, before: str, after: str) -> None:
    summary = KINDS[kind].label
    changes = {"before": {"text": before}, "after": {"text": after}}
    record(session, actor, action, "notification_template", kind, centre_id=centre_id, summary=summary, **changes)


def centre_templates(session: Session, actor: Principal, centre_id: int) -> list[dict]:
    _centre(session, actor, centre_id)
    overrides = _overrides(session, centre_id)
    return [_view(kind, overrides.get(kind)) for kind in KINDS]


def _view(kind: str, row: NotificationTemplate | None) -> dict:
    k = KINDS[kind]
    return {
        "kind": kind,
        "label": k.label,
        "text": row.text if row is not None else k.default,
        "default_text": k.default,
        "placeholders": k.placeholders,
        "overridden": row is not None,
        "updated_at": aware(row.updated_at) if row is not None else None,
    }


def set_template(session: Session, actor: Principal, centre_id: int, kind: str, text: str) -> dict:
    _centre(session, actor, centre_id)
    text = check_text(kind, text)
    row = _overrides(session, centre_id).get(kind)
    before = row.text if row is not None else KINDS[kind].default
    if row is None:
        row = NotificationTemplate(centre_id=centre_id, kind=kind, text=text, updated_at=utcnow())
        session.add(row)
    elif row.text != text:
        row.text, row.updated_at = text, utcnow()
    session.flush()
    _audit(session, actor, centre_id, kind, "update", before, text)
    return _view(kind, row)


def reset_template(session: Session, actor: Principal, centre_id: int, kind: str) -> dict:
    """Back to the default text (nothing to do when the centre had not changed it)."""
    _centre(session, actor, centre_id)
    _kind(kind)
    row = _overrides(session, centre_id).get(kind)
    if row is not None:
        _audit(session, actor, centre_id, kind, "reset", row.text, KINDS[kind].default)
        session.delete(row)
        session.flush()
    return _view(kind, None)
