"""The public status lookup (BP Đ.17, ĐN Đ.16, AG Đ.11) and its rate limit.

Two ways in: the receipt QR's unforgeable token, or the typed code plus the last four digits of
the applicant's phone. A wrong code and wrong digits answer identically, so the (predictable)
code cannot be used to find out which dossiers exist.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..centres.models import Agency
from ..config import Settings
from ..errors import DomainError
from ..security.ratelimit import RateLimits, too_many
from ..timeutil import utcnow
from . import codes, lifecycle
from .models import Dossier, DossierEvent
from .service import lookup_url, overdue_days, token_hash

log = logging.getLogger(__name__)

NOT_FOUND_MESSAGE = "Không tìm thấy hồ sơ. Vui lòng kiểm tra lại mã hồ sơ và 4 số cuối số điện thoại đã đăng ký."
_DUMMY_DIGITS = "\x00\x00\x00\x00"


def lookup_not_found() -> DomainError:
    return DomainError("lookup_not_found", NOT_FOUND_MESSAGE, 404)


def find_by_token(session: Session, token: str) -> Dossier | None:
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    return session.execute(select(Dossier).where(Dossier.lookup_token_hash == token_hash(token))).scalar_one_or_none()


def _last4(phone: str | None) -> str | None:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def find_by_code(session: Session, code: str, phone_last4: str) -> Dossier | None:
    """The dossier only if the code exists AND the digits match; the same work is done either way."""
    dossier = None
    if codes.parse_code(code or "") is not None:
        dossier = session.execute(
            select(Dossier).where(Dossier.code == codes.normalise_code(code))
        ).scalar_one_or_none()
    expected = (_last4(dossier.applicant_phone) if dossier is not None else None) or _DUMMY_DIGITS
    given = (phone_last4 or "").strip()
    matches = hmac.compare_digest(expected.encode(), given.encode()) and expected != _DUMMY_DIGITS
    return dossier if matches else None


def lookup_view(session: Session, settings: Settings, dossier: Dossier, *, now: datetime | None = None) -> dict:
    """The regulation's fields; an online dossier not yet valid shows a, b, d, đ, e and the corrections."""
    agency = session.get(Agency, dossier.agency_id)
    valid = not (dossier.channel == "online" and dossier.due_at is None)
    corrections: list[str] = []
    if dossier.status == "supplement_requested":
        event = session.execute(
            select(DossierEvent)
            .where(DossierEvent.dossier_id == dossier.id, DossierEvent.to_status == "supplement_requested")
            .order_by(DossierEvent.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if event is not None:
            corrections = [str(i) for i in (event.data or {}).get("items", [])]
    view = {
        "code": dossier.code,
        "qr_content": lookup_url(settings, dossier),
        "valid": valid,
        "receiving_agency": agency.name if agency else "",
        "organisation_name": dossier.organisation_name,
        "applicant_name": dossier.applicant_name,
        "received_at": dossier.received_at,
        "status": dossier.status,
        "status_label": lifecycle.STATUS_LABELS[dossier.status],
        "status_tone": lifecycle.STATUS_TONES[dossier.status],
        "overdue_days": overdue_days(dossier, now or utcnow()),
        "corrections": corrections,
    }
    if valid:
        view["processing_department"] = dossier.department or (agency.name if agency else None)
        view["appointment_at"] = dossier.due_at
    return view


def lookup(
    session: Session,
    settings: Settings,
    *,
    token: str | None = None,
    code: str | None = None,
    phone_last4: str | None = None,
) -> dict:
    if token:
        dossier = find_by_token(session, token)
    elif code:
        dossier = find_by_code(session, code, phone_last4 or "")
    else:
        raise DomainError(
            "lookup_input_required",
            "Vui lòng nhập mã hồ sơ và 4 số cuối số điện thoại, hoặc quét mã QR trên giấy hẹn.",
            422,
        )
    if dossier is None:
        raise lookup_not_found()
    return lookup_view(session, settings, dossier)


# -- rate limits ----------------------------------------------------------------------------------

RATE_LIMITED_MESSAGE = "Bạn tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau."


def guarded_lookup(
    session: Session, limits: RateLimits, settings: Settings, client: str, *, token=None, code=None, phone_last4=None
) -> dict:
    """`lookup` within the rate limits: so many lookups per client address, and so many wrong
    digits per dossier code from anywhere (the four digits cannot be walked through by changing
    address). Wrong digits and unknown codes count alike, so the limit reveals nothing either."""
    per_address = limits.parse(f"{settings.lookup_rate_limit_per_minute} per minute")
    limits.check(per_address, "lookup", client, RATE_LIMITED_MESSAGE)
    if token or not code:
        return lookup(session, settings, token=token, code=code, phone_last4=phone_last4)
    per_code = limits.parse(settings.lookup_code_failure_limit)
    key = codes.normalise_code(code) if codes.parse_code(code) is not None else code.strip().upper()
    if not limits.allows(per_code, "lookup-code", key):
        raise too_many(RATE_LIMITED_MESSAGE)
    try:
        return lookup(session, settings, code=code, phone_last4=phone_last4)
    except DomainError as exc:
        if exc.code == "lookup_not_found":
            limits.hit(per_code, "lookup-code", key)
        raise
