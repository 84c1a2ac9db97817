"""Dossier business logic: receive, amend, move through the lifecycle, apologise, list.

Services take the session first, never commit, and append every change to the history in the
same transaction as the change itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from ..auth.principal import Principal
from ..calendar import CalendarError, default_calendar
from ..calendar.service import calendar_for
from ..centres.models import Agency
from ..centres.service import get_agency
from ..config import Settings
from ..db import Sequence, next_value
from ..errors import DomainError, forbidden, not_found
from ..notifications.dossiers import record_for as tell_applicant
from ..timeutil import aware, local_day, utcnow
from . import codes, lifecycle, time_limits
from .models import Dossier, DossierEvent
from .schemas import ApologyRequest, ApplicantIn, DossierCreate, DossierUpdate, TransitionRequest

# -- the procedure snapshot ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureSnapshot:
    code: str
    name: str
    processing_days: int
    field: str | None = None
    fee_text: str | None = None
    # The catalogue's own wording of the time limit, and whether it states whole working days.
    processing_time_text: str | None = None
    days_known: bool = True
    level: str | None = None

    def limit(self, channel: str) -> time_limits.TimeLimit:
        """The time limit that applies to a dossier filed through `channel`."""
        days = self.processing_days if self.days_known else None
        return time_limits.limit_for(days, self.processing_time_text, channel)


def procedure_snapshot(session: Session, code: str) -> ProcedureSnapshot:
    """The catalogue entry as it stands now (404 if the code is not published)."""
    from ..procedures.service import get_procedure_by_code  # the catalogue area; imported late on purpose

    try:
        procedure = get_procedure_by_code(session, code)
    except DomainError as exc:
        if exc.status == 404:
            raise _unknown_procedure(code) from None
        raise
    if procedure is None:
        raise _unknown_procedure(code)
    days = getattr(procedure, "processing_days", None)
    return ProcedureSnapshot(
        code=procedure.code or getattr(procedure, "ref", code),
        name=procedure.name,
        processing_days=int(days) if days is not None else 0,
        field=getattr(procedure, "field", None),
        fee_text=getattr(procedure, "fee_text", None),
        processing_time_text=getattr(procedure, "processing_time_text", None),
        days_known=days is not None,
        level=getattr(procedure, "level", None),
    )


def _unknown_procedure(code: str) -> DomainError:
    return DomainError("procedure_not_found", f"Không tìm thấy thủ tục hành chính mã «{code}».", 404)


# -- lookup tokens ------------------------------------------------------------------------------


def lookup_token(secret_key: str, nonce: str) -> str:
    """The receipt QR's token: unforgeable without the server secret, revoked by a new nonce."""
    mac = hmac.new(secret_key.encode(), b"dossier-lookup:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_nonce(dossier: Dossier, secret_key: str) -> None:
    dossier.lookup_nonce = secrets.token_urlsafe(18)
    dossier.lookup_token_hash = token_hash(lookup_token(secret_key, dossier.lookup_nonce))


def lookup_url(settings: Settings, dossier: Dossier) -> str:
    return f"{settings.public_base_url.rstrip('/')}/l/{lookup_token(settings.secret_key, dossier.lookup_nonce)}"


def calendar_of(settings: Settings, session: Session | None, centre_id: int, agency_id: int | None):
    """The agency's working calendar: its centre's days and its (or its centre's) hours and cut-off."""
    if session is None:
        return default_calendar(settings.holiday_override_files)
    return calendar_for(session, centre_id, agency_id, settings.holiday_override_files)


# -- access -------------------------------------------------------------------------------------


def ensure_can_receive(actor: Principal, agency: Agency) -> None:
    if actor.is_admin:
        return
    if actor.role == "clerk" and actor.centre_id == agency.centre_id:
        return
    raise forbidden("Bạn chỉ được tiếp nhận hồ sơ cho các cơ quan của trung tâm mình.")


def can_see(actor: Principal, dossier: Dossier) -> bool:
    if actor.is_admin:
        return True
    if not actor.can_see_centre(dossier.centre_id):
        return False
    scope = actor.agency_scope()
    return scope is None or dossier.agency_id in scope


def ensure_can_see(actor: Principal, dossier: Dossier) -> None:
    if not can_see(actor, dossier):
        raise forbidden("Bạn không có quyền với hồ sơ này.")


def _actor_label(actor: Principal | None) -> str | None:
    if actor is None:
        return None
    if actor.user is not None:
        return actor.user.full_name or actor.user.username
    if actor.device is not None:
        return actor.device.name or actor.device.kind
    return None


def record(
    session: Session,
    dossier: Dossier,
    type_: str,
    actor: Principal | None,
    *,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
    actor_label: str | None = None,
    agency_name: str | None = None,
) -> DossierEvent:
    """Append one history row (never updated)."""
    event = DossierEvent(
        dossier_id=dossier.id,
        type=type_,
        from_status=from_status,
        to_status=to_status,
        at=at,
        actor_user_id=actor.user_id if actor else None,
        actor_device_id=actor.device_id if actor else None,
        actor_label=actor_label or _actor_label(actor),
        agency_name=agency_name,
        reason=reason,
        data=data or {},
    )
    session.add(event)
    return event


# -- receiving ----------------------------------------------------------------------------------


def get_dossier(session: Session, code: str) -> Dossier:
    dossier = session.execute(select(Dossier).where(Dossier.code == codes.normalise_code(code))).scalar_one_or_none()
    if dossier is None:
        raise not_found("hồ sơ", "dossier_not_found")
    return dossier


def create_dossier(
    session: Session, settings: Settings, actor: Principal, data: DossierCreate, *, now: datetime | None = None
) -> Dossier:
    """Receive a dossier at the desk (or from the current ticket): code, due date, history."""
    now = now or utcnow()
    agency = get_agency(session, data.agency_id)
    ensure_can_receive(actor, agency)
    ticket = None
    applicant = data.applicant
    procedure_code = data.procedure_code
    if data.ticket_id is not None:
        from ..tickets.models import Ticket

        ticket = session.get(Ticket, data.ticket_id)
        if ticket is None or ticket.centre_id != agency.centre_id:
            raise not_found("số thứ tự", "ticket_not_found")
        procedure_code = procedure_code or ticket.procedure_code
        if applicant is not None and not applicant.id_number and ticket.citizen_id:
            applicant = applicant.model_copy(update={"id_number": ticket.citizen_id})
    if not procedure_code:
        raise DomainError("procedure_required", "Cần chọn thủ tục hành chính của hồ sơ.", 422)
    if applicant is None:
        raise DomainError("applicant_required", "Cần nhập thông tin người nộp hồ sơ (họ tên).", 422)
    procedure = procedure_snapshot(session, procedure_code)
    dossier = new_dossier(
        session,
        settings,
        agency,
        procedure,
        applicant,
        now=now,
        channel=data.channel,
        return_method=data.return_method,
        content=data.content,
        documents=[d.model_dump() for d in data.documents],
        sets=data.sets,
        fee_text=data.fee_text,
        department=data.department,
        ledger_book=data.ledger_book,
    )
    dossier.notify = data.notify
    if ticket is not None:
        dossier.ticket_id = ticket.id
        if not ticket.dossier_code:
            ticket.dossier_code = dossier.code
    session.flush()
    event = record(
        session,
        dossier,
        "created",
        actor,
        at=now,
        to_status=dossier.status,
        agency_name=agency.name,
        data={"channel": dossier.channel, "ticket_id": dossier.ticket_id},
    )
    if settings.notify_url:
        tell_applicant(session, dossier, event)
    return dossier


def new_dossier(
    session: Session,
    settings: Settings,
    agency: Agency,
    procedure: ProcedureSnapshot,
    applicant: ApplicantIn,
    *,
    now: datetime,
    channel: str = "direct",
    return_method: str = "desk",
    content: str | None = None,
    documents: list[dict] | None = None,
    sets: int = 1,
    fee_text: str | None = None,
    department: str | None = None,
    ledger_book: str | None = None,
    code: str | None = None,
    source: str = "local",
    status: str | None = None,
    due_at: datetime | None = None,
) -> Dossier:
    """Build and add a dossier; a code is taken from the agency's day sequence unless given (sync)."""
    cal = calendar_of(settings, session, agency.centre_id, agency.id)
    if code is None:
        day = local_day(now)
        sequence = next_value(
            session, codes.sequence_name(agency.identifier, day), start=_first_sequence(session, agency, day)
        )
        code = codes.format_code(settings.dossier_code_layout, agency.identifier, day, sequence)
    online = channel == "online"
    status = status or ("pending_acceptance" if online else "received")
    limit = procedure.limit(channel)
    effective, computed_due = time_limits.appointment(cal, now, limit)
    if status == "pending_acceptance":
        computed_due = None  # the appointment is set when the online dossier is accepted
    book = ledger_book or f"{local_day(now).year}"
    dossier = Dossier(
        code=code,
        centre_id=agency.centre_id,
        agency_id=agency.id,
        source=source,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        procedure_field=procedure.field,
        processing_days=limit.amount,
        processing_unit=limit.unit,
        procedure_level=procedure.level,
        applicant_kind=applicant.kind,
        applicant_name=applicant.full_name,
        organisation_name=applicant.organisation_name,
        applicant_id_number=applicant.id_number,
        applicant_address=applicant.address,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        content=content,
        documents=documents or [],
        sets=sets,
        channel=channel,
        return_method=return_method,
        fee_text=fee_text if fee_text is not None else procedure.fee_text,
        department=department,
        ledger_book=book,
        ledger_seq=next_value(session, f"dossier-ledger:{agency.id}:{book}"),
        status=status,
        received_at=now,
        effective_received_at=effective,
        due_at=due_at or computed_due,
        original_due_at=due_at or computed_due,
        status_changed_at=now,
        created_at=now,
        acceptance_deadline_at=cal.add_working_hours(now, settings.online_acceptance_hours) if online else None,
    )
    _new_nonce(dossier, settings.secret_key)
    session.add(dossier)
    session.flush()
    return dossier


def _first_sequence(session: Session, agency: Agency, day: date) -> int:
    """Where the identifier's day counter starts when first drawn: after every number the older
    per-agency counters gave that day (a server upgraded mid-day never repeats a code)."""
    same = session.execute(select(Agency.id).where(Agency.identifier == agency.identifier)).scalars().all()
    names = [codes.legacy_sequence_name(agency_id, day) for agency_id in same]
    taken = session.execute(select(func.max(Sequence.value)).where(Sequence.name.in_(names))).scalar()
    return int(taken or 0) + 1


def _appointment(settings: Settings, dossier: Dossier, received_at: datetime) -> tuple[datetime, datetime | None]:
    """(effective receipt, appointment) of `dossier`'s own time limit counted from `received_at`."""
    limit = time_limits.TimeLimit(dossier.processing_days or 0, dossier.processing_unit or time_limits.WORKING_DAYS)
    cal = calendar_of(settings, object_session(dossier), dossier.centre_id, dossier.agency_id)
    return time_limits.appointment(cal, received_at, limit)


# -- amendments ---------------------------------------------------------------------------------

_APPLICANT_FIELDS = {
    "kind": "applicant_kind",
    "full_name": "applicant_name",
    "organisation_name": "organisation_name",
    "id_number": "applicant_id_number",
    "address": "applicant_address",
    "phone": "applicant_phone",
    "email": "applicant_email",
}


def _digits(phone: object) -> str:
    """A number as dialled: «0912 345 678» and «0912345678» are the same phone."""
    return "".join(ch for ch in str(phone or "") if ch.isdigit())


def amend(
    session: Session, actor: Principal, code: str, data: DossierUpdate, *, now: datetime | None = None
) -> Dossier:
    """Correct a dossier's details; the code stays, the diff is appended to the history (AG Đ.15 k.5)."""
    now = now or utcnow()
    dossier = get_dossier(session, code)
    ensure_can_see(actor, dossier)
    if dossier.status in lifecycle.FINAL_STATES:
        raise DomainError("dossier_closed", "Hồ sơ đã kết thúc, không thể sửa thông tin.", 409)
    wanted: dict[str, object] = {}
    if data.applicant is not None:
        for key, attr in _APPLICANT_FIELDS.items():
            wanted[attr] = getattr(data.applicant, key)
    for attr in ("content", "sets", "return_method", "fee_text", "department", "ledger_book"):
        value = getattr(data, attr)
        if value is not None:
            wanted[attr] = value
    if data.documents is not None:
        wanted["documents"] = [d.model_dump() for d in data.documents]
    if data.notify is not None:
        wanted["notify"] = data.notify
    elif "applicant_phone" in wanted and _digits(wanted["applicant_phone"]) != _digits(dossier.applicant_phone):
        wanted["notify"] = False  # consent was to the old number; a new one is asked afresh
    changes = {}
    for attr, value in wanted.items():
        old = getattr(dossier, attr)
        if old != value:
            changes[attr] = {"from": old, "to": value}
            setattr(dossier, attr, value)
    if changes:
        record(session, dossier, "amended", actor, at=now, reason=data.reason, data={"changes": changes})
    return dossier


# -- lifecycle ----------------------------------------------------------------------------------


def transition(
    session: Session,
    settings: Settings,
    actor: Principal | None,
    dossier: Dossier,
    req: TransitionRequest,
    *,
    now: datetime | None = None,
    actor_label: str | None = None,
    external: bool = False,
) -> Dossier:
    """Move a dossier one step; refused (409/422) with nothing written if the step is not allowed.

    `external`: a status reported by the provincial one-stop system, which may skip steps we did
    not see; it must still be reachable from the current state (a returned dossier never reopens).
    """
    now = now or utcnow()
    current, target = dossier.status, req.to
    if external:
        lifecycle.check_reachable(current, target)
    else:
        lifecycle.check_transition(current, target, req.reason, req.data)
    data = dict(req.data)
    if target == "supplement_requested":
        if dossier.supplement_count >= 1 and not external:
            raise DomainError(
                "supplement_already_requested",
                "Hồ sơ đã được yêu cầu bổ sung một lần; mọi nội dung cần bổ sung phải nêu trong một lần yêu cầu.",
                409,
            )
        dossier.supplement_count += 1
        # Lapses after a period equal to the procedure's processing time (BD19 Đ.10 k.3).
        dossier.supplement_deadline_at = _appointment(settings, dossier, now)[1]
        data["lapses_at"] = dossier.supplement_deadline_at.isoformat() if dossier.supplement_deadline_at else None
        data["clock_stopped_at"] = now.isoformat()
    awaiting = _awaiting_acceptance(session, dossier)
    if current == "supplement_requested" and target == "pending_acceptance" and not awaiting:
        raise DomainError(
            "not_awaiting_acceptance",
            "Chỉ hồ sơ trực tuyến chưa được tiếp nhận mới quay lại chờ tiếp nhận sau khi bổ sung.",
            409,
        )
    if current == "supplement_requested" and target in lifecycle.RESUMING_STATES:
        data.update(_resume_clock(settings, dossier, now, awaiting_acceptance=awaiting))
    if awaiting and target in lifecycle.ACCEPTED_STATES:
        # Accepted: the appointment counts from now (BP Đ.12 k.1 đ.d).
        dossier.effective_received_at, dossier.due_at = _appointment(settings, dossier, now)
        dossier.original_due_at = dossier.due_at
        data["due_at"] = dossier.due_at.isoformat() if dossier.due_at else None
    if target == "result_ready":
        dossier.result_ready_at = now
    if target == "returned":
        data.setdefault("method", dossier.return_method)
    if target in lifecycle.FINAL_STATES:
        dossier.finished_at = now
    dossier.status = target
    dossier.status_changed_at = now
    agency = session.get(Agency, dossier.agency_id)
    event = record(
        session,
        dossier,
        "synced" if external else "transition",
        actor,
        at=now,
        from_status=current,
        to_status=target,
        reason=req.reason,
        data=data,
        actor_label=actor_label,
        agency_name=agency.name if agency else None,
    )
    if settings.notify_url:
        tell_applicant(session, dossier, event)
    return dossier


def _awaiting_acceptance(session: Session, dossier: Dossier) -> bool:
    """An online dossier never accepted yet (no step of its history put it into processing)."""
    if dossier.status == "pending_acceptance":
        return True
    if dossier.channel != "online" or dossier.acceptance_deadline_at is None:
        return False
    accepted = session.execute(
        select(DossierEvent.id)
        .where(DossierEvent.dossier_id == dossier.id, DossierEvent.to_status.in_(lifecycle.ACCEPTED_STATES))
        .limit(1)
    ).first()
    return accepted is None


def _resume_clock(settings: Settings, dossier: Dossier, now: datetime, *, awaiting_acceptance: bool) -> dict:
    """The supplement arrived: every clock moves on by the working time the dossier waited.

    The rule (BP Đ.9 k.3 đ.b and Đ.10 k.2 đ.đ: «Thời gian mà cơ quan, tổ chức đã giải quyết lần đầu
    được tính trong thời gian giải quyết hồ sơ»): the time the agency spent before sending the
    dossier back counts, the time the citizen spends supplementing does not. So the clock stops
    when the supplement is requested and the appointment — the one in force and the one the law
    owes (`original_due_at`) — moves by the working time (working sessions of working days,
    `WorkingCalendar.working_time_between`) from the request to the supplement's arrival. An
    online dossier not accepted yet has its 8-working-hour acceptance deadline moved the same way
    (BD23 Đ.10; AG Đ.15).
    """
    cal = calendar_of(settings, object_session(dossier), dossier.centre_id, dossier.agency_id)
    stopped = aware(dossier.status_changed_at)
    try:
        waited = cal.working_time_between(stopped, now)
        hours = waited.total_seconds() / 3600
        moved = {}
        for attr in ("due_at", "original_due_at", "acceptance_deadline_at"):
            value = getattr(dossier, attr)
            if value is None or (attr == "acceptance_deadline_at" and not awaiting_acceptance):
                continue
            setattr(dossier, attr, cal.add_working_hours(aware(value), hours))
            moved[attr] = {"from": aware(value).isoformat(), "to": getattr(dossier, attr).isoformat()}
    except CalendarError as exc:
        raise DomainError("calendar_error", f"Không tính được ngày hẹn trả: {exc}", 409) from None
    return {"clock_stopped_at": stopped.isoformat(), "waited_working_hours": round(hours, 2), "moved": moved}


def transition_by_code(
    session: Session, settings: Settings, actor: Principal, code: str, req: TransitionRequest
) -> Dossier:
    dossier = get_dossier(session, code)
    ensure_can_see(actor, dossier)
    return transition(session, settings, actor, dossier, req)


def apologise(
    session: Session,
    actor: Principal,
    code: str,
    req: ApologyRequest,
    *,
    now: datetime | None = None,
    notifications_on: bool = False,
) -> Dossier:
    """An apology letter with its reason and new appointment (phiếu xin lỗi và hẹn lại ngày trả kết quả).

    The new date goes into `due_at` (what the citizen is now told); `original_due_at`, the
    appointment the law owes, never moves, so a late dossier stays late in every figure. With
    notifications on, a late apology's new date is messaged to a consenting applicant.
    """
    now = now or utcnow()
    dossier = get_dossier(session, code)
    ensure_can_see(actor, dossier)
    if dossier.status not in lifecycle.OPEN_STATES:
        raise DomainError("apology_not_applicable", "Chỉ lập phiếu xin lỗi và hẹn lại cho hồ sơ đang giải quyết.", 409)
    agency = session.get(Agency, dossier.agency_id)
    if req.kind == "late":
        if dossier.due_at is None:
            raise DomainError("apology_not_applicable", "Hồ sơ chưa có ngày hẹn trả, chưa thể quá hạn.", 409)
        if aware(dossier.due_at) > now:
            raise DomainError("not_overdue", "Hồ sơ chưa quá hạn giải quyết, chưa cần phiếu xin lỗi và hẹn lại.", 409)
        if req.new_due_at is None:
            raise DomainError("new_due_required", "Phiếu xin lỗi do quá hạn phải ghi ngày hẹn trả kết quả mới.", 422)
        agency_name = req.agency_name or (agency.name if agency else None)
    else:
        if actor.role not in ("admin", "clerk"):
            raise forbidden("Chỉ cán bộ Bộ phận Một cửa lập phiếu xin lỗi vì lỗi khi tiếp nhận hồ sơ.")
        agency_name = req.agency_name or f"Bộ phận Một cửa – {agency.name if agency else ''}"
    new_due = req.new_due_at
    if new_due is not None:
        if new_due.tzinfo is None:
            raise DomainError("timezone_required", "Ngày hẹn lại phải kèm múi giờ (ví dụ +07:00).", 422)
        if new_due <= now:
            raise DomainError("new_due_in_past", "Ngày hẹn lại phải sau thời điểm hiện tại.", 422)
    previous = dossier.due_at
    if new_due is not None:
        dossier.due_at = new_due
    number = len([e for e in history_of(session, dossier) if e.type == "apology"]) + 1
    event = record(
        session,
        dossier,
        "apology",
        actor,
        at=now,
        reason=req.reason,
        agency_name=agency_name,
        data={
            "kind": req.kind,
            "number": number,
            "previous_due_at": aware(previous).isoformat() if previous else None,
            "new_due_at": new_due.isoformat() if new_due else None,
        },
    )
    if notifications_on:
        tell_applicant(session, dossier, event)
    return dossier


def apology_event(session: Session, dossier: Dossier, number: int | None = None) -> DossierEvent:
    """The dossier's `number`-th apology (1-based), or its latest; 404 when there is none."""
    apologies = [e for e in history_of(session, dossier) if e.type == "apology"]
    if not apologies or (number is not None and not 1 <= number <= len(apologies)):
        raise not_found("phiếu xin lỗi", "apology_not_found")
    return apologies[-1] if number is None else apologies[number - 1]


def revoke_lookup_token(
    session: Session, settings: Settings, actor: Principal, code: str, *, now: datetime | None = None
) -> Dossier:
    """Invalidate the printed QR (lost receipt) and issue a new token."""
    dossier = get_dossier(session, code)
    ensure_can_see(actor, dossier)
    _new_nonce(dossier, settings.secret_key)
    record(session, dossier, "token_revoked", actor, at=now or utcnow())
    return dossier


def sweep(session: Session, settings: Settings, *, now: datetime | None = None) -> list[str]:
    """Lapse supplement requests whose period has run out; returns the codes that lapsed."""
    now = now or utcnow()
    due = (
        session.execute(
            select(Dossier).where(Dossier.status == "supplement_requested", Dossier.supplement_deadline_at < now)
        )
        .scalars()
        .all()
    )
    for dossier in due:
        transition(
            session,
            settings,
            None,
            dossier,
            TransitionRequest(to="lapsed", reason="Quá thời hạn bổ sung hồ sơ"),
            now=now,
            actor_label="Hệ thống",
        )
    return [d.code for d in due]


# -- reading ------------------------------------------------------------------------------------


def overdue_days(dossier: Dossier, now: datetime) -> int | None:
    """Days past the appointment (0: due earlier today) while the agency still owes the result; else None.

    A dossier waiting for the citizen's supplement is not overdue: its clock is stopped.
    """
    if (
        dossier.status not in lifecycle.OPEN_STATES
        or dossier.status in lifecycle.CLOCK_STOPPED
        or dossier.due_at is None
        or now <= dossier.due_at
    ):
        return None
    return (local_day(now) - local_day(dossier.due_at)).days


def flags(dossier: Dossier, now: datetime, uncollected_after_days: int = 60) -> list[str]:
    out = []
    if overdue_days(dossier, now) is not None:
        out.append("overdue")
    if (
        dossier.status == "pending_acceptance"
        and dossier.acceptance_deadline_at
        and now > dossier.acceptance_deadline_at
    ):
        out.append("acceptance_overdue")
    if (
        dossier.status == "supplement_requested"
        and dossier.supplement_deadline_at
        and now > dossier.supplement_deadline_at
    ):
        out.append("supplement_lapsed")
    if dossier.result_ready_at is not None and dossier.original_due_at is not None:
        if local_day(dossier.result_ready_at) < local_day(dossier.original_due_at):
            out.append("completed_early")
        elif dossier.result_ready_at > dossier.original_due_at:
            out.append("completed_late")
    if (
        dossier.status == "result_ready"
        and dossier.result_ready_at is not None
        and now - dossier.result_ready_at > timedelta(days=uncollected_after_days)
    ):
        out.append("uncollected")
    return out


def dossier_view(
    session: Session,
    settings: Settings,
    dossier: Dossier,
    *,
    history: bool = False,
    with_lookup_url: bool = True,
    now: datetime | None = None,
) -> dict:
    agency = session.get(Agency, dossier.agency_id)
    view = {
        "code": dossier.code,
        "lookup_url": lookup_url(settings, dossier) if with_lookup_url else None,
        "centre_id": dossier.centre_id,
        "agency_id": dossier.agency_id,
        "agency_name": agency.name if agency else "",
        "ticket_id": dossier.ticket_id,
        "source": dossier.source,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "processing_days": dossier.processing_days,
        "processing_unit": dossier.processing_unit,
        "procedure_level": dossier.procedure_level,
        "applicant": {key: getattr(dossier, attr) for key, attr in _APPLICANT_FIELDS.items()},
        "notify": dossier.notify,
        "content": dossier.content,
        "documents": dossier.documents or [],
        "sets": dossier.sets,
        "channel": dossier.channel,
        "return_method": dossier.return_method,
        "fee_text": dossier.fee_text,
        "department": dossier.department,
        "ledger_book": dossier.ledger_book,
        "ledger_seq": dossier.ledger_seq,
        "status": dossier.status,
        "status_label": lifecycle.STATUS_LABELS[dossier.status],
        "received_at": dossier.received_at,
        "effective_received_at": dossier.effective_received_at,
        "due_at": dossier.due_at,
        "original_due_at": dossier.original_due_at,
        "acceptance_deadline_at": dossier.acceptance_deadline_at,
        "supplement_deadline_at": dossier.supplement_deadline_at,
        "result_ready_at": dossier.result_ready_at,
        "finished_at": dossier.finished_at,
        "flags": flags(dossier, now or utcnow(), settings.uncollected_after_days),
    }
    if history:
        view["history"] = [
            {
                "type": e.type,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": e.at,
                "actor_user_id": e.actor_user_id,
                "actor_device_id": e.actor_device_id,
                "actor_label": e.actor_label,
                "agency_name": e.agency_name,
                "reason": e.reason,
                "data": e.data or {},
            }
            for e in history_of(session, dossier)
        ]
    return view


def history_of(session: Session, dossier: Dossier) -> list[DossierEvent]:
    return list(
        session.execute(
            select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.at, DossierEvent.id)
        ).scalars()
    )


@dataclass
class DossierFilter:
    centre_id: int | None = None
    agency_id: int | None = None
    status: str | None = None
    procedure_code: str | None = None
    channel: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    code_prefix: str | None = None
    limit: int = 50
    offset: int = 0


def _scoped(actor: Principal, stmt):
    if not actor.is_admin:
        stmt = stmt.where(Dossier.centre_id == actor.centre_id) if actor.centre_id is not None else stmt
        scope = actor.agency_scope()
        if scope is not None:
            stmt = stmt.where(Dossier.agency_id.in_(scope))
    return stmt


def list_dossiers(session: Session, actor: Principal, f: DossierFilter) -> tuple[list[Dossier], int]:
    stmt = _scoped(actor, select(Dossier))
    if f.status is not None and f.status not in lifecycle.STATUS_LABELS:
        raise DomainError("unknown_status", f"Trạng thái hồ sơ «{f.status}» không tồn tại.", 422)
    for column, value in (
        (Dossier.centre_id, f.centre_id),
        (Dossier.agency_id, f.agency_id),
        (Dossier.status, f.status),
        (Dossier.procedure_code, f.procedure_code),
        (Dossier.channel, f.channel),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.received_from is not None:
        stmt = stmt.where(Dossier.received_at >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(Dossier.received_at < f.received_to)
    if f.code_prefix:
        stmt = stmt.where(Dossier.code.startswith(codes.normalise_code(f.code_prefix), autoescape=True))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    items = (
        session.execute(stmt.order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(f.limit).offset(f.offset))
        .scalars()
        .all()
    )
    return list(items), int(total)


def overdue(session: Session, actor: Principal, *, now: datetime | None = None) -> list[Dossier]:
    """Open dossiers past their due date (apology due from the late agency)."""
    now = now or utcnow()
    stmt = _scoped(actor, select(Dossier)).where(
        Dossier.status.in_(lifecycle.OPEN_STATES - lifecycle.CLOCK_STOPPED),
        Dossier.due_at.is_not(None),
        Dossier.due_at < now,
    )
    return list(session.execute(stmt.order_by(Dossier.due_at)).scalars())


def uncollected(
    session: Session, actor: Principal, *, uncollected_after_days: int, now: datetime | None = None
) -> list[Dossier]:
    """Results waiting at the desk longer than allowed (60 days, BD19 Đ.10 k.4)."""
    now = now or utcnow()
    limit = now - timedelta(days=uncollected_after_days)
    stmt = _scoped(actor, select(Dossier)).where(Dossier.status == "result_ready", Dossier.result_ready_at < limit)
    return list(session.execute(stmt.order_by(Dossier.result_ready_at)).scalars())


def acceptance_overdue(session: Session, actor: Principal, *, now: datetime | None = None) -> list[Dossier]:
    """Online dossiers neither accepted nor sent back within 8 working hours."""
    now = now or utcnow()
    stmt = _scoped(actor, select(Dossier)).where(
        Dossier.status == "pending_acceptance", Dossier.acceptance_deadline_at < now
    )
    return list(session.execute(stmt.order_by(Dossier.acceptance_deadline_at)).scalars())
