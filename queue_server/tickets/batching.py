"""Ticket issuing in batches: the requests that arrive while a transaction is running share the next one.

At opening time every kiosk of a centre issues at once, and every issuance serialises on its
service's number sequence. Running them one transaction each makes them queue on that lock
(and, on SQLite, on the single writer) for ~20 statements apiece; gathered, a batch costs about
the statements of one ticket, so the wait no longer grows with the crowd.

Per event loop, one batch runs at a time; requests that arrive meanwhile wait for the next. The
callers come authorised (the endpoint's dependency, per request); a batch runs the one issuing
path (`service.plan_issue` / `service.write_issue`: a single ticket is a batch of one), which
answers each request on its own — issued, replayed or refused. A batch that fails as a whole (a
lost race on a unique key, input the database refuses) is rolled back and its members issued one
by one, so only a faulty request fails.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..auth.models import Device
from ..auth.principal import Principal
from ..config import Settings
from ..db import Database
from ..deps import CallerReader, seen_due
from ..errors import DomainError
from . import service
from .schemas import TicketCreate

log = logging.getLogger(__name__)

MAX_BATCH = 64
GATHER_RENEWALS = 3  # at most 4 windows in all, while callers are being read


@dataclass
class Issued:
    view: dict
    created: bool


@dataclass
class _Request:
    actor: Principal
    data: TicketCreate
    future: asyncio.Future


@dataclass
class _LoopState:
    pending: list[_Request] = field(default_factory=list)
    task: asyncio.Task | None = None
    filled: asyncio.Future | None = None  # set once `pending` reaches `want` (see _drain)
    want: int = 0


class IssueBatcher:
    def __init__(self, db: Database, settings: Settings, callers: CallerReader | None = None):
        self.db = db
        self.settings = settings
        self.callers = callers  # who reads the callers of the issuing endpoint (its dependency)
        self._loops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def issue(self, actor: Principal, data: TicketCreate) -> Issued:
        """Issue one ticket for `actor` (authorised by the caller); raises the DomainError refusing it."""
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _LoopState()
        request = _Request(actor, data, loop.create_future())
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
                    # lone caller never waits; otherwise it adds at most the window (a few while
                    # callers are still being read: see _gather).
                    state.want = len(state.pending) + len(batch)
                    await self._gather(state)
        finally:
            state.task = None

    async def _gather(self, state: _LoopState) -> None:
        """Wait until `state.want` requests are pending, for at most the window — renewed (up to
        GATHER_RENEWALS times) while their callers are being read (`callers`: deps.CallerReader, the
        endpoint's dependency; a read in progress, or one finished during the window whose requests
        are on their way here): those are back in the server already, and without them the next
        batch would be as small as the reads split them, while a batch costs its statements
        whatever its size."""
        reads = self.callers.activity()[1] if self.callers else 0
        for _ in range(GATHER_RENEWALS + 1):
            if len(state.pending) >= state.want:
                return
            state.filled = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(state.filled, self.settings.issue_gather_ms / 1000)
                return
            except TimeoutError:
                pass
            finally:
                state.filled = None
            if self.callers is None:
                return
            reading, now_reads = self.callers.activity()
            if not reading and now_reads == reads:
                return  # nobody on the way: the others are not back yet
            reads = now_reads

    # -- in a worker thread -------------------------------------------------------------------

    def _run(self, batch: list[_Request]) -> list[Issued | BaseException]:
        try:
            return self._issue(batch)
        except Exception:
            # Anything (a lost race on a unique key, one member's input the database refuses): the
            # batch was rolled back and its members go one by one, so only a faulty request fails.
            return [self._one(request) for request in batch]

    def _one(self, request: _Request) -> Issued | BaseException:
        try:
            return self._issue([request])[0]
        except IntegrityError:
            # Another worker committed the same client_request_id meanwhile: now it is a replay.
            try:
                return self._issue([request])[0]
            except Exception as exc:
                return exc
        except Exception as exc:
            return exc

    def _issue(self, batch: list[_Request]) -> list[Issued | DomainError]:
        session = self.db.session_factory()
        # With SQLite, what the batch reads is read before the write lock (which comes with the
        # first statement of a write session), so other writers wait only for the writing itself.
        separate_reader = self.db.read_engine is not self.db.engine
        reader = self.db.read_session_factory() if separate_reader else session
        try:
            plan = service.plan_issue(reader, self.settings, [(r.actor, r.data) for r in batch])
            if separate_reader:
                reader.close()
            seen = sorted({r.actor.device_id for r in batch if seen_due(r.actor)})
            if seen:
                session.execute(update(Device).where(Device.id.in_(seen)).values(last_seen_at=plan.now))
            outcomes = service.write_issue(session, self.settings, plan)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if separate_reader:
                reader.close()
        return [Issued(o.view, o.created) if isinstance(o, service.IssueResult) else o for o in outcomes]
