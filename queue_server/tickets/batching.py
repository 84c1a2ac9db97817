"""Ticket issuing in batches: the requests that arrive while a transaction is running share the next one.

At opening time every kiosk of a centre issues at once, and every issuance serialises on its
service's number sequence. Running them one transaction each makes them queue on that lock
(and, on SQLite, on the single writer) for ~20 statements apiece; gathered, a batch costs about
the statements of one ticket, so the wait no longer grows with the crowd.

Per event loop, one batch runs at a time; requests that arrive meanwhile wait for the next. A
batch checks each caller's token inside its own transaction (revoked tokens stop at once, as
everywhere), and hands anything unusual (a replayed request, a closed or unknown service, a
daily cap reached inside the batch, a lost race on a unique key) to the one-at-a-time path,
which gives exactly the answers it always gave.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy import update

from ..auth.models import Device
from ..auth.principal import Principal
from ..config import Settings
from ..db import Database
from ..deps import authorize, seen_due
from ..errors import DomainError
from ..queues.views import ticket_view
from . import service
from .schemas import TicketCreate

log = logging.getLogger(__name__)

MAX_BATCH = 64


@dataclass
class Issued:
    view: dict
    created: bool


@dataclass
class _Request:
    token: str
    data: TicketCreate
    future: asyncio.Future


@dataclass
class _LoopState:
    pending: list[_Request] = field(default_factory=list)
    task: asyncio.Task | None = None
    filled: asyncio.Future | None = None  # set once `pending` reaches `want` (see _drain)
    want: int = 0


class IssueBatcher:
    def __init__(self, db: Database, settings: Settings, roles: tuple[str, ...]):
        self.db = db
        self.settings = settings
        self.roles = roles  # who may issue (the endpoint's declaration)
        self._loops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def issue(self, token: str, data: TicketCreate) -> Issued:
        """Issue one ticket for the caller behind `token`; raises DomainError like `issue_ticket`."""
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _LoopState()
        request = _Request(token, data, loop.create_future())
        state.pending.append(request)
        if state.filled is not None and len(state.pending) >= state.want and not state.filled.done():
            state.filled.set_result(None)
        if state.task is None:
            # A task of its own, so a caller that goes away does not strand the others' answers.
            state.task = loop.create_task(self._drain(state))
        return await asyncio.shield(request.future)

    async def _drain(self, state: _LoopState) -> None:
        try:
            while state.pending:
                batch, state.pending = state.pending[:MAX_BATCH], state.pending[MAX_BATCH:]
                try:
                    outcomes = await anyio.to_thread.run_sync(self._run, batch)
                except BaseException as exc:
                    outcomes = [exc] * len(batch)
                for request, outcome in zip(batch, outcomes):
                    if request.future.done():
                        continue
                    if isinstance(outcome, BaseException):
                        request.future.set_exception(outcome)
                    else:
                        request.future.set_result(outcome)
                if self.settings.issue_gather_ms > 0:
                    # Like a database's group commit: the callers just answered are given a moment
                    # to come back and join those already waiting, since a batch costs mostly its
                    # round trips whatever its size, and answering and reading requests meanwhile
                    # does not compete with a batch for the interpreter. The wait ends as soon as
                    # as many are waiting as were just answered plus those already waiting, so a
                    # lone caller never waits; otherwise it adds at most the window.
                    state.want = len(state.pending) + len(batch)
                    state.filled = asyncio.get_running_loop().create_future()
                    try:
                        await asyncio.wait_for(state.filled, self.settings.issue_gather_ms / 1000)
                    except TimeoutError:
                        pass
                    finally:
                        state.filled = None
        finally:
            state.task = None

    # -- in a worker thread -------------------------------------------------------------------

    def _run(self, batch: list[_Request]) -> list[Issued | BaseException]:
        outcomes: list[Issued | BaseException | None] = [None] * len(batch)
        session = self.db.session_factory()
        # With SQLite, what the batch reads is read before the write lock (which comes with the
        # first statement of a write session), so other writers wait only for the writing itself.
        separate_reader = self.db.read_engine is not self.db.engine
        reader = self.db.read_session_factory() if separate_reader else session
        try:
            principals: dict[str, object] = {}  # token → Principal, or the DomainError refusing it
            accepted: list[int] = []
            for i, request in enumerate(batch):
                if request.token not in principals:
                    try:
                        principals[request.token] = authorize(
                            reader, self.settings, request.token, self.roles, touch=not separate_reader
                        )
                    except DomainError as exc:
                        principals[request.token] = exc
                if isinstance(principals[request.token], DomainError):
                    outcomes[i] = principals[request.token]
                else:
                    accepted.append(i)
            requests = [(principals[batch[i].token], batch[i].data) for i in accepted]
            plan = service.plan_issue_batch(reader, self.settings, requests)
            if separate_reader:
                reader.close()
                seen = sorted({p.device.id for p in principals.values() if isinstance(p, Principal) and seen_due(p)})
                if seen:
                    session.execute(update(Device).where(Device.id.in_(seen)).values(last_seen_at=plan.now))
            results = service.issue_batch(session, self.settings, requests, plan)
            views = {i: Issued(r.view, True) for i, r in zip(accepted, results) if r is not None}
            session.commit()
            outcomes_left = [i for i in accepted if i not in views]
            for i, issued in views.items():
                outcomes[i] = issued
        except Exception:
            # Anything (a cap inside the batch, a lost race on a unique key, or one member's input
            # the database refuses): the batch is rolled back and its members go one by one, so
            # only a faulty request fails — never its neighbours.
            session.rollback()
            outcomes_left = [i for i, o in enumerate(outcomes) if o is None]
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if separate_reader:
                reader.close()
        for i in outcomes_left:
            outcomes[i] = self._one(batch[i])
        return outcomes  # type: ignore[return-value]

    def _one(self, request: _Request) -> Issued | BaseException:
        session = self.db.session_factory()
        try:
            principal = authorize(session, self.settings, request.token, self.roles)
            result = service.issue_ticket(session, self.settings, principal, request.data)
            view = ticket_view(session, self.settings, result.ticket)
            session.commit()
            return Issued(view, result.created)
        except Exception as exc:
            session.rollback()
            return exc
        finally:
            session.close()
