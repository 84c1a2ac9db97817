"""Request dependencies: the database session and who is calling.

Every endpoint declares who may call it with `allow(...)`; the access-matrix test reads the
roles straight from these dependencies, so the declaration and the test cannot drift apart.
"""
from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, Request
from sqlalchemy import select
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


def resolve_principal(session: Session, settings: Settings, token: str | None) -> Principal | None:
    """The principal a token stands for, or None if the token is missing, unknown or revoked."""
    if not token:
        return None
    if token.startswith(DEVICE_TOKEN_PREFIX):
        if token.startswith(DEMO_TOKEN_PREFIX) and not settings.demo:
            return None  # the demo's published tokens never open a real centre
        device = session.execute(select(Device).where(Device.token_hash == token_digest(token))).scalar_one_or_none()
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


def allow(*roles: str):
    """A dependency that admits only the given roles (401 without a valid token, 403 otherwise)."""

    def checker(request: Request, session: DbSession) -> Principal:
        principal = resolve_principal(session, request.app.state.settings, bearer_token(request))
        if principal is None:
            raise DomainError(
                "unauthorized", "Cần đăng nhập hoặc mã thiết bị hợp lệ.", 401
            ) from None
        if principal.role not in roles:
            raise DomainError("role_not_allowed", "Bạn không có quyền thực hiện thao tác này.", 403)
        device = principal.device
        if device is not None and (device.last_seen_at is None or (utcnow() - device.last_seen_at).total_seconds() > 60):
            device.last_seen_at = utcnow()  # coarse, so busy kiosks do not contend on their own row
        return principal

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
AdminOrManager = Annotated[Principal, allow("admin", "manager")]
CounterActor = Annotated[Principal, allow("admin", "clerk", "console")]
TicketIssuer = Annotated[Principal, allow("admin", "clerk", "kiosk", "console")]
