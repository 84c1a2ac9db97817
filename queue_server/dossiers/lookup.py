"""The public status lookup (BP Đ.17, ĐN Đ.16, AG Đ.11) and its rate limit.

Two ways in: the receipt QR's unforgeable token, or the typed code plus the last four digits of
the applicant's phone. A wrong code and wrong digits answer identically, so the (predictable)
code cannot be used to find out which dossiers exist.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections import deque

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..centres.models import Agency
from ..errors import DomainError
from . import codes, lifecycle
from .models import Dossier, DossierEvent
from .service import lookup_url, token_hash

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


def lookup_view(session: Session, dossier: Dossier) -> dict:
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
        "qr_content": lookup_url(session, dossier),
        "valid": valid,
        "receiving_agency": agency.name if agency else "",
        "organisation_name": dossier.organisation_name,
        "applicant_name": dossier.applicant_name,
        "received_at": dossier.received_at,
        "status": dossier.status,
        "status_label": lifecycle.STATUS_LABELS[dossier.status],
        "corrections": corrections,
    }
    if valid:
        view["processing_department"] = dossier.department or (agency.name if agency else None)
        view["appointment_at"] = dossier.due_at
    return view


def lookup(
    session: Session, *, token: str | None = None, code: str | None = None, phone_last4: str | None = None
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
    return lookup_view(session, dossier)


# -- rate limit -----------------------------------------------------------------------------------

RATE_LIMITED_MESSAGE = "Bạn tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau một phút."


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window_s` seconds, in this process."""

    def __init__(self, limit: int, window_s: float = 60.0):
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 10_000:  # forget idle clients so the map stays small
                self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > now - self.window_s}
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


class RedisLimiter:
    """The same sliding window shared by every worker through a Redis sorted set per client IP.

    If Redis cannot be reached the process falls back to its own window (logged once), so a
    Redis outage degrades the limit to per-worker instead of failing every lookup.
    """

    def __init__(self, redis_url: str, limit: int, window_s: float = 60.0):
        import redis

        self.client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.limit = limit
        self.window_s = window_s
        self.fallback = SlidingWindowLimiter(limit, window_s)
        self._warned = False

    def hit(self, key: str) -> bool:
        import secrets as _secrets

        now = time.time()
        name = f"motcua:lookup:{key}"
        try:
            pipe = self.client.pipeline()
            pipe.zremrangebyscore(name, 0, now - self.window_s)
            pipe.zcard(name)
            count = pipe.execute()[1]
            if count >= self.limit:
                return False
            pipe = self.client.pipeline()
            pipe.zadd(name, {f"{now}:{_secrets.token_hex(4)}": now})
            pipe.expire(name, int(self.window_s) + 1)
            pipe.execute()
            return True
        except Exception as exc:  # redis.RedisError and socket errors alike
            if not self._warned:
                log.warning(
                    "lookup rate limit: Redis unavailable (%s); using the per-process window", type(exc).__name__
                )
                self._warned = True
            return self.fallback.hit(key)


def build_limiter(limit: int, redis_url: str | None):
    return RedisLimiter(redis_url, limit) if redis_url else SlidingWindowLimiter(limit)


def check_rate(limiter, client_ip: str) -> None:
    if not limiter.hit(client_ip or "unknown"):
        raise DomainError("rate_limited", RATE_LIMITED_MESSAGE, 429)
