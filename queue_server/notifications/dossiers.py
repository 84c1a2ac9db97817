"""Messages a dossier's history owes its applicant (ĐN Đ.12 k.2: at receipt, at the validity check
/ supplement request, when the result is ready; and when late, with the apology's new date).

`record_for` is the one place a dossier event becomes a message: called by the dossier service in
the transaction that appends the event, so the message and the event commit (or roll back)
together. The outbox's key is kind + the event's id: one message per event, so a second supplement
request is a second message and a replayed request (which appends no event) sends nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..dossiers.models import Dossier, DossierEvent
from ..timeutil import aware, local_day
from . import service
from .templates import render

MAX_REASON = 300  # what to supplement, as written by the clerk: enough for a message, not a letter


def _date(value) -> str:
    return local_day(aware(value)).strftime("%d/%m/%Y")


def _what_to_supplement(event: DossierEvent) -> str:
    items = [str(i).strip() for i in (event.data or {}).get("items") or [] if str(i).strip()]
    text = "; ".join(items) or (event.reason or "").strip() or "xem phiếu yêu cầu bổ sung"
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def message_for(dossier: Dossier, event: DossierEvent) -> tuple[str, dict] | None:
    """(kind, placeholders) of the message `event` owes the applicant, or None."""
    if event.type == "apology":
        data = event.data or {}
        if data.get("kind") == "late" and data.get("new_due_at"):
            return "dossier_late", {"new_due_date": _date(datetime.fromisoformat(data["new_due_at"]))}
        return None
    if event.type not in ("created", "transition", "synced"):
        return None
    if event.to_status == "received" and dossier.due_at is not None:
        return "dossier_received", {"due_date": _date(dossier.due_at)}
    if event.to_status == "supplement_requested":
        return "dossier_supplement_requested", {"reason": _what_to_supplement(event)}
    if event.to_status == "result_ready":
        return "dossier_result_ready", {}
    return None


def record_for(session: Session, dossier: Dossier, event: DossierEvent) -> None:
    """Queue the message `event` owes the applicant, if they agreed to messages at a phone."""
    if not dossier.notify or not dossier.applicant_phone:
        return
    found = message_for(dossier, event)
    if found is None:
        return
    kind, fields = found
    if event.id is None:
        session.flush()  # the event's id is the message's key
    text = render(
        session,
        dossier.centre_id,
        kind,
        dossier_code=dossier.code,
        procedure=dossier.procedure_name,
        **fields,
    )
    service.record(session, dossier.centre_id, kind, event.id, dossier.applicant_phone, text)
