"""Request dependencies: the database session and who is calling.

Every endpoint declares who may call it with `allow(...)`; the access-matrix test reads the
roles straight from these dependencies, so the declaration and the test cannot drift apart.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

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


@functools.cache
def _with_agencies() -> tuple:
    """A user's agencies (what a manager may see) in the same statement: one round trip, not two.
    Built on first use: the mappers are complete only once every model is imported."""
    return (joinedload(User.agencies),)


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
    user = session.get(User, int(claims["sub"]), options=_with_agencies())
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
    principal = admit(principal if principal is not None else refusal(session, token), roles)
    if touch and seen_due(principal):
        principal.device.last_seen_at = utcnow()
    return principal


def admit(principal: Principal | DomainError, roles: tuple[str, ...]) -> Principal:
    """The caller if its role is one of `roles`; raises its refusal (401) or role_not_allowed (403)."""
    if isinstance(principal, DomainError):
        raise principal
    if principal.role not in roles:
        raise DomainError("role_not_allowed", "Bạn không có quyền thực hiện thao tác này.", 403)
    return principal


def seen_due(principal: Principal) -> bool:
    """Whether a device's last-seen time is due for an update: coarse, so busy kiosks do not contend on their own row."""
    device = principal.device
    return device is not None and (device.last_seen_at is None or (utcnow() - device.last_seen_at).total_seconds() > 60)


class CallerReader:
    """Reads the callers of the requests that arrive together, in one read-only session.

    For endpoints whose handler writes in a transaction of its own (the batched ticket issuing):
    every request's token is read afresh — nothing is remembered between reads, so a revoked
    token is refused by the next one — but the requests waiting at the same moment share a
    thread hop, a session and a connection (per event loop: one read at a time, those arriving
    meanwhile go in the next). Reading them one session each cost the issuing endpoint half its
    throughput on PostgreSQL.
    """

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings
        self._loops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def resolve(self, token: str | None) -> Principal | DomainError:
        """The caller behind `token`, or the 401 refusing it (`refusal`)."""
        if token is None:
            return DomainError("unauthorized", UNAUTHORIZED_MESSAGE, 401)
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Waiting()
        future = loop.create_future()
        state.tokens.append((token, future))
        if state.task is None:
            state.task = loop.create_task(self._drain(state))
        return await asyncio.shield(future)

    def activity(self) -> tuple[int, int]:
        """For this event loop: how many requests are waiting for their caller to be read (or being
        read), and how many reads have finished so far."""
        state = self._loops.get(asyncio.get_running_loop())
        return (0, 0) if state is None else (len(state.tokens) + state.in_read, state.reads)

    async def _drain(self, state: _Waiting) -> None:
        try:
            while state.tokens:
                # one turn of the loop first: the requests parsed in the same turn join this read
                await asyncio.sleep(0)
                batch, state.tokens = state.tokens, []
                state.in_read = len(batch)
                try:
                    found = await anyio.to_thread.run_sync(self._read, {token for token, _ in batch})
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    state.in_read = 0
                    continue
                state.reads += 1
                for token, future in batch:
                    if not future.done():
                        future.set_result(found[token])
        finally:
            state.in_read = 0
            state.task = None

    def _read(self, tokens: set[str]) -> dict[str, Principal | DomainError]:
        # closed, not rolled back: the callers' users and devices stay loaded for the handlers
        session = self.db.read_session_factory()
        try:
            found = {token: resolve_principal(session, self.settings, token) for token in tokens}
            return {token: p if p is not None else refusal(session, token) for token, p in found.items()}
        finally:
            session.close()


@dataclass
class _Waiting:
    tokens: list[tuple[str, asyncio.Future]] = field(default_factory=list)
    task: asyncio.Task | None = None
    in_read: int = 0  # the tokens of the read in progress
    reads: int = 0  # reads finished


def allow_reading(*roles: str):
    """Like `allow`, with the caller read apart from the handler's transaction (`CallerReader`:
    no write lock taken on SQLite, no transaction kept open while the handler waits). Noting a
    device as seen is the handler's (`seen_due`)."""

    async def checker(request: Request) -> Principal:
        return admit(await request.app.state.callers.resolve(bearer_token(request)), roles)

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
