"""Request dependencies: the database session and who is calling.

Every endpoint declares who may call it with `allow(...)`; the access-matrix test reads the
roles straight from these dependencies, so the declaration and the test cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .auth.models import Device, User
from .auth.principal import PUBLIC, Principal
from .auth.security import DEVICE_TOKEN_PREFIX, read_access_token, token_digest
from .config import Settings
from .db import Database
from .errors import DomainError
from .timeutil import utcnow

ALL_ROLES = ("admin", "manager", "clerk", "kiosk", "display", "tablet", "console")
STAFF = ("admin", "manager", "clerk")
DEMO_TOKEN_PREFIX = "mdv_demo-"
DEVICES = ("kiosk", "display", "tablet", "console")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler succeeds, rolled back otherwise."""
    session = request.app.state.db.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


# Built once: every request runs it, and building a statement costs more than running it.
DEVICE_BY_TOKEN = select(Device).where(Device.token_hash == bindparam("digest"))


def resolve_principal(session: Session, settings: Settings, token: str | None) -> Principal | None:
    """The principal a token stands for, or None if the token is missing, unknown or revoked."""
    if not token:
        return None
    if token.startswith(DEVICE_TOKEN_PREFIX):
        if token.startswith(DEMO_TOKEN_PREFIX) and not settings.demo:
            return None  # the demo's published tokens never open a real centre
        device = session.execute(DEVICE_BY_TOKEN, {"digest": token_digest(token)}).scalar_one_or_none()
        if device is None or device.revoked_at is not None:
            return None
        return Principal(role=device.kind, device=device)
    claims = read_access_token(settings.secret_key, token)
    if not claims:
        return None
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.active or user.token_version != claims.get("tv"):
        return None
    return Principal(role=user.role, user=user)


UNAUTHORIZED_MESSAGE = "Cần đăng nhập hoặc mã thiết bị hợp lệ."
REVOKED_MESSAGE = "Thiết bị đã bị thu hồi. Liên hệ quản trị viên để được cấp mã mới."


def refusal(session: Session, token: str | None) -> DomainError:
    """The 401 for a token `resolve_principal` refused: a revoked device is told so (its screen
    says "thiết bị đã bị thu hồi" instead of retrying for ever); anything else is "unauthorized".
    Read only on the refusal path, so accepted requests pay nothing for it."""
    if token and token.startswith(DEVICE_TOKEN_PREFIX):
        revoked = session.execute(
            select(Device.revoked_at).where(Device.token_hash == token_digest(token))
        ).scalar_one_or_none()
        if revoked is not None:
            return DomainError("device_revoked", REVOKED_MESSAGE, 401)
    return DomainError("unauthorized", UNAUTHORIZED_MESSAGE, 401)


def allow(*roles: str):
    """A dependency that admits only the given roles (401 without a valid token, 403 otherwise)."""

    def checker(request: Request, session: DbSession) -> Principal:
        return authorize(session, request.app.state.settings, bearer_token(request), roles)

    checker.allowed = tuple(roles)  # type: ignore[attr-defined]
    return Depends(checker)


def authorize(
    session: Session, settings: Settings, token: str | None, roles: tuple[str, ...], *, touch: bool = True
) -> Principal:
    """The caller behind `token` if its role is one of `roles`; 401 without a valid token, 403 otherwise.

    `touch`: note the device as seen (a write); a caller reading in a read-only session passes False
    and writes it itself (see `seen_due`).
    """
    principal = resolve_principal(session, settings, token)
    if principal is None:
        raise refusal(session, token)
    if principal.role not in roles:
        raise DomainError("role_not_allowed", "Bạn không có quyền thực hiện thao tác này.", 403)
    if touch and seen_due(principal):
        principal.device.last_seen_at = utcnow()
    return principal


def seen_due(principal: Principal) -> bool:
    """Whether a device's last-seen time is due for an update: coarse, so busy kiosks do not contend on their own row."""
    device = principal.device
    return device is not None and (device.last_seen_at is None or (utcnow() - device.last_seen_at).total_seconds() > 60)


def allow_reading(*roles: str):
    """Like `allow`, with the caller read in a read-only session of its own (no write lock on
    SQLite, no transaction kept open while the handler waits): for handlers that write in a
    transaction of their own — the batched ticket issuing. Noting a device as seen is theirs
    (`seen_due`)."""

    def checker(request: Request) -> Principal:
        # closed, not rolled back: the caller's user or device stays loaded for the handler
        session = request.app.state.db.read_session_factory()
        try:
            return authorize(session, request.app.state.settings, bearer_token(request), roles, touch=False)
        finally:
            session.close()

    checker.allowed = tuple(roles)  # type: ignore[attr-defined]
    return Depends(checker)


def public():
    def checker() -> Principal:
        return PUBLIC

    checker.allowed = ("public",)  # type: ignore[attr-defined]
    return Depends(checker)


Public = Annotated[Principal, public()]
AnyCaller = Annotated[Principal, allow(*ALL_ROLES)]
Staff = Annotated[Principal, allow(*STAFF)]
Admin = Annotated[Principal, allow("admin")]
AnyDevice = Annotated[Principal, allow(*DEVICES)]
AdminOrManager = Annotated[Principal, allow("admin", "manager")]
CounterActor = Annotated[Principal, allow("admin", "clerk", "console")]
TICKET_ISSUERS = ("admin", "clerk", "kiosk", "console")
# read apart from the handler's transaction: the ticket batch writes in one of its own
TicketIssuer = Annotated[Principal, allow_reading(*TICKET_ISSUERS)]
