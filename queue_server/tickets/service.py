"""Issuing and serving queue tickets.

Every change is one transaction: lock what decides the outcome, change the ticket, append its
history event, record the outbound events. Lock order (never reversed, so no deadlocks):
service rows by id → the day's number sequence → the centre's event sequence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from ..auth.principal import Principal
from ..auth.security import new_public_token
from ..centres.hours import IssuingState, issuing_state
from ..centres.models import Counter, Service
from ..centres.service import ensure_acts_for_counter, ensure_centre_visible, get_counter, get_service
from ..config import Settings
from ..db import Dependents, insert_with_dependents, lock_only, lock_rows, next_value
from ..errors import DomainError, forbidden, not_found
from ..notifications.near import record_called, record_near
from ..queues.figures import QUEUE_ORDER, positions, wait_model
from ..queues.views import (
    counter_officer,
    current_ticket,
    publish_counter,
    publish_queue,
    queue_update,
    ticket_brief,
    ticket_view,
)
from ..realtime.service import record_event, record_events
from ..timeutil import aware, local, local_day, utcnow
from . import schemas, stats
from .models import (
    ACTIVE_STATES,
    RANK_PRIORITY,
    RANK_WALK_IN,
    WAITING_STATES,
    Ticket,
    TicketEvent,
    TicketRecord,
    TicketStats,
)


def request_key(actor: Principal, data: schemas.TicketCreate) -> str | None:
    """The client's request id scoped to the calling device or account: the same id from another
    caller is another request (kiosk B cannot receive kiosk A's ticket by reusing A's id)."""
    if not data.client_request_id:
        return None
    who = f"d{actor.device_id}" if actor.device_id is not None else f"u{actor.user_id}"
    key = f"{who}:{data.client_request_id}"
    # The column holds 64 characters: a long id is kept as its digest (same id, same key).
    return key if len(key) <= 64 else f"{who}:#" + hashlib.sha256(data.client_request_id.encode()).hexdigest()[:40]


# Core: no ORM result machinery for a statement whose rows nobody reads; built once, as building it
# cost every batch more than running it (and SQLite, already locked, does not run it at all).
_SERVICE_IDS = Service.__table__.c.id
_LOCK_SERVICES = select(_SERVICE_IDS).where(_SERVICE_IDS.in_(bindparam("ids", expanding=True))).order_by(_SERVICE_IDS)


def _lock_services(session: Session, service_ids) -> None:
    lock_only(session, _LOCK_SERVICES, {"ids": sorted(set(service_ids))})


def _lock_and_read_services(session: Session, service_ids) -> None:
    """`_lock_services` for an action that publishes the services' queues afterwards: the rows are
    read, with their hours, by the locking statement itself — not by another round trip later
    (the session keeps them: centres/models.py)."""
    ids = {"ids": sorted(set(service_ids))}
    lock_rows(session, _SERVICES.order_by(Service.id), ids, of=Service).unique().scalars().all()


def _append(session: Session, ticket: Ticket, type_: str, actor: Principal, **data) -> TicketEvent:
    ev = TicketEvent(
        ticket_id=ticket.id,
        centre_id=ticket.centre_id,
        type=type_,
        at=utcnow(),
        service_id=ticket.service_id,
        counter_id=ticket.counter_id,
        officer_id=ticket.officer_id,
        actor_user_id=actor.user_id,
        actor_device_id=actor.device_id,
        data=data,
    )
    session.add(ev)
    stats.record(session, ticket, ev)  # the reports' per-ticket projection, in the same transaction
    return ev


def display_number(service: Service, number: int) -> str:
    width = max(3, len(str(service.number_end)))
    return f"{service.prefix}{number:0{width}d}"


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise not_found("số thứ tự", "ticket_not_found")
    return ticket


# -- issuing: one path, for one ticket as for many -----------------------------------------
#
# A single ticket is a batch of one. `plan_issue` reads (it may run in a read-only session,
# before the write lock), `write_issue` takes the numbers and writes; `decide` holds the rules.


@dataclass
class IssueResult:
    ticket: Ticket | TicketRecord  # a replay: the Ticket issued the first time
    created: bool  # False: a replayed client_request_id, answered with the ticket issued the first time
    view: dict  # what the API answers (TicketRead), positions counted as the ticket was issued


@dataclass(frozen=True)
class Decision:
    """The rules' answer to one request: refused (and why), or issued with these fields."""

    refusal: DomainError | None
    source: str = "kiosk"
    priority_rank: int = 0


def decide(
    settings: Settings,
    actor: Principal,
    data: schemas.TicketCreate,
    service: Service | None,
    state: IssuingState | None,
    taken: int | None = None,
) -> Decision:
    """The rules of issuing, for one request (pure: everything they look at is given).

    In this order: the service exists (404), the caller may use its centre (403), the priority
    class exists (422) and applies to the service (422), the service issues now (409, with when it
    reopens: `state` is `centres.hours.issuing_state`), and — once the request has its place in
    the day's sequence, `taken` (1 = the day's first) — the daily cap and the number range (409).
    A kiosk's ticket is always a kiosk ticket, whatever `source` it sends.
    """
    if service is None:
        return Decision(DomainError("service_not_found", "Không tìm thấy dịch vụ đã chọn.", 404))
    internal = isinstance(data, schemas.InternalTicketCreate)  # its caller checked who may ask
    if not internal and not actor.can_see_centre(service.centre_id):
        return Decision(forbidden("Bạn không có quyền với trung tâm này."))
    if data.priority is not None:
        if data.priority not in settings.priority_classes:
            return Decision(DomainError("unknown_priority", "Đối tượng ưu tiên không hợp lệ.", 422))
        if not service.allow_priority:
            return Decision(
                DomainError("priority_not_allowed", f"Dịch vụ {service.name} không áp dụng số ưu tiên.", 422)
            )
    if state is not None and not state.open:
        reopens = state.reopens_at.isoformat() if state.reopens_at else None
        return Decision(DomainError("service_closed", state.reason, 409, reopens_at=reopens))
    if taken is not None and (refusal := cap_refusal(service, taken)) is not None:
        return Decision(refusal)
    if internal:
        return Decision(None, data.source, RANK_PRIORITY if data.priority else data.rank)
    return Decision(
        None, "kiosk" if actor.role == "kiosk" else data.source, RANK_PRIORITY if data.priority else RANK_WALK_IN
    )


def cap_refusal(service: Service, taken: int) -> DomainError | None:
    """The last rule of `decide`, alone: past the daily cap or the number range (409), or None."""
    if (service.daily_cap and taken > service.daily_cap) or service.number_start + taken - 1 > service.number_end:
        return DomainError(
            "daily_cap_reached",
            f"Dịch vụ {service.name} đã hết số thứ tự trong ngày hôm nay. Mời quay lại vào ngày làm việc tiếp theo.",
            409,
        )
    return None


# The plan's statements, built once (building one costs more than running it).
_SERVICES = select(Service).options(joinedload(Service.hours)).where(Service.id.in_(bindparam("ids", expanding=True)))
_BY_KEYS = select(Ticket).where(Ticket.client_request_id.in_(bindparam("keys", expanding=True)))
# Which keys were used before, in Core and from the unique index alone: a retry is rare, and
# every batch asking the ORM for tickets it almost never finds cost it the ORM's loading set-up.
_KEYS_USED = select(Ticket.__table__.c.client_request_id).where(
    Ticket.__table__.c.client_request_id.in_(bindparam("keys", expanding=True))
)


@dataclass
class IssuePlan:
    """What `plan_issue` found out before any lock: each request's fate so far, and the figures needed."""

    now: datetime
    requests: list[tuple[Principal, schemas.TicketCreate]]
    keys: list[str | None]  # per request, its `request_key`
    services: dict[int, Service]
    states: dict[int, IssuingState]
    # per request: a refusal (DomainError), the ticket an earlier request with its key got
    # (Ticket), the index of the request earlier in this batch with the same key (int), or None
    # (to be issued: listed in `admitted`)
    early: list[DomainError | Ticket | int | None]
    admitted: dict[int, list[int]]  # service id → indexes of the requests that take a number, in order
    decisions: dict[int, Decision]  # per admitted request's index, the rules' answer but the daily cap
    memo: dict  # the services' queue figures (open counters, mean service time), see queues.figures._memo


def plan_issue(
    session: Session, settings: Settings, requests: list[tuple[Principal, schemas.TicketCreate]]
) -> IssuePlan:
    """The reading half of issuing: replays looked up, every rule but the daily cap applied."""
    now = utcnow()
    keys = [request_key(actor, data) for actor, data in requests]
    wanted = sorted({k for k in keys if k})
    used = sorted(session.execute(_KEYS_USED, {"keys": wanted}).scalars()) if wanted else []
    earlier = {t.client_request_id: t for t in session.execute(_BY_KEYS, {"keys": used}).scalars()} if used else {}
    services = {
        s.id: s
        for s in session.execute(_SERVICES, {"ids": sorted({d.service_id for _, d in requests})}).unique().scalars()
    }
    states = {sid: issuing_state(s, now) for sid, s in services.items()}
    early: list = [None] * len(requests)
    admitted: dict[int, list[int]] = {}
    decisions: dict[int, Decision] = {}
    first_with: dict[str, int] = {}
    for i, ((actor, data), key) in enumerate(zip(requests, keys)):
        if key in earlier:
            early[i] = earlier[key]
            continue
        if key in first_with:
            early[i] = first_with[key]  # sent twice at once: the second is a replay of the first
            continue
        if key:
            first_with[key] = i
        service = services.get(data.service_id)
        decision = decide(settings, actor, data, service, states.get(data.service_id))
        if decision.refusal is not None:
            early[i] = decision.refusal
        else:
            admitted.setdefault(service.id, []).append(i)
            decisions[i] = decision
    day = local_day(now)
    for sid in admitted:
        wait_model(session, services[sid], day, settings.default_service_s, now)  # fills the memo
    memo = dict(session.info.get("queue_memo", {}))
    return IssuePlan(now, requests, keys, services, states, early, admitted, decisions, memo)


def write_issue(session: Session, settings: Settings, plan: IssuePlan) -> list[IssueResult | DomainError]:
    """The writing half: numbers taken (the daily cap applied), tickets, history, statistics and
    events written, one statement each for the whole batch. Locks are taken after every read, the
    centre's event sequence last, so concurrent writers wait on them as briefly as possible.

    Per request: its IssueResult, or the DomainError refusing it.
    """
    requests, services, now = plan.requests, plan.services, plan.now
    day = local_day(now)
    results: list = list(plan.early)
    tickets: list[TicketRecord] = []
    places: dict[int, int] = {}
    if plan.admitted:
        session.info.setdefault("queue_memo", {}).update(plan.memo)
        _lock_services(session, plan.admitted)
        rows: list[tuple[int, dict]] = []
        for sid in sorted(plan.admitted):
            service, indexes = services[sid], plan.admitted[sid]
            sequence = f"ticket:{sid}:{day.isoformat()}"
            first = next_value(session, sequence, count=len(indexes)) - len(indexes) + 1
            refused = 0
            for taken, i in enumerate(indexes, start=first):
                # Every other rule was applied by the plan to the same service and state: only the
                # cap is left, now that the request has its place in the day's sequence.
                refusal = cap_refusal(service, taken)
                if refusal is not None:  # past the cap: the batch's last requests of the service
                    results[i] = refusal
                    refused += 1
                    continue
                number = service.number_start + taken - 1
                rows.append(
                    (i, _ticket_row(service, number, plan.decisions[i], plan.keys[i], requests[i][1], now, day))
                )
            if refused:
                next_value(session, sequence, count=-refused)  # the numbers past the cap are given back
        tickets = _insert_tickets(session, plan, rows)
        for (i, _), ticket in zip(rows, tickets):
            results[i] = ticket
        places, waiting = positions(session, tickets)
        _publish_issued(session, settings, plan, tickets, waiting)
    out: list[IssueResult | DomainError] = []
    for result in results:
        if isinstance(result, int):  # the same key earlier in the batch: its answer, as a replay
            result = out[result]
            out.append(IssueResult(result.ticket, False, result.view) if isinstance(result, IssueResult) else result)
        elif isinstance(result, TicketRecord):
            view = ticket_view(session, settings, result, services[result.service_id], places[result.id])
            out.append(IssueResult(result, True, view))
        elif isinstance(result, Ticket):  # issued by an earlier request with this key
            out.append(IssueResult(result, False, ticket_view(session, settings, result)))
        else:
            out.append(result)
    return out


def _ticket_row(service: Service, number: int, decision: Decision, key, data, now: datetime, day) -> dict:
    """`key`: the request's `request_key`; `day`: `now`'s local day (both worked out once)."""
    return {
        "centre_id": service.centre_id,
        "service_id": service.id,
        "original_service_id": service.id,
        "service_day": day,
        "number": number,
        "display_number": display_number(service, number),
        "priority": data.priority,
        "priority_rank": decision.priority_rank,
        "source": decision.source,
        "procedure_code": data.procedure_code,
        "citizen_id": data.citizen_id,
        "client_request_id": key,
        "public_token": new_public_token(),
        "state": "waiting",
        "issued_at": now,
        "queue_key": now,
        "counter_id": None,
        "target_counter_id": None,
        "officer_id": None,
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "recall_count": 0,
        "transfer_count": 0,
        "dossier_code": None,
    }


_TICKETS, _EVENTS, _STATS = Ticket.__table__, TicketEvent.__table__, TicketStats.__table__


def _insert_tickets(session: Session, plan: IssuePlan, rows: list[tuple[int, dict]]) -> list[TicketRecord]:
    """The tickets (request index, row), with their `issued` history and their statistics rows, in
    one statement on PostgreSQL; the tickets as they now stand in the database."""
    if not rows:
        return []
    now, services = plan.now, plan.services
    keys = [(row["service_id"], row["number"]) for _, row in rows]
    history = [
        {
            "centre_id": row["centre_id"],
            "type": "issued",
            "at": now,
            "service_id": row["service_id"],
            "counter_id": None,
            "officer_id": None,
            "actor_user_id": plan.requests[i][0].user_id,
            "actor_device_id": plan.requests[i][0].device_id,
            "data": {"priority": row["priority"], "source": row["source"]},
        }
        for i, row in rows
    ]
    projections = stats.issued_rows(
        [(row["centre_id"], row["original_service_id"], services[row["service_id"]].agency_id) for _, row in rows],
        now,
    )
    ids = {
        (sid, number): tid
        for tid, sid, number in insert_with_dependents(
            session,
            _TICKETS,
            [row for _, row in rows],
            ("service_id", "number"),
            [Dependents(_EVENTS, "ticket_id", keys, history), Dependents(_STATS, "ticket_id", keys, projections)],
        )
    }
    return [TicketRecord(id=ids[key], **row) for key, (_, row) in zip(keys, rows)]


def _publish_issued(
    session: Session, settings: Settings, plan: IssuePlan, tickets: list[TicketRecord], waiting: dict[int, int]
) -> None:
    """Per centre, the boards' events: each ticket, then its services' queues once (`waiting`:
    their waiting counts, just counted)."""
    services = plan.services
    for centre_id in sorted({t.centre_id for t in tickets}):
        mine = [t for t in tickets if t.centre_id == centre_id]
        mine_services = [services[sid] for sid in sorted({t.service_id for t in mine})]
        update = queue_update(session, mine_services, settings.default_service_s, waiting)
        record_events(
            session, centre_id, [("ticket.issued", ticket_brief(t)) for t in mine] + [("queue.updated", update)]
        )


def issue_tickets(
    session: Session, settings: Settings, requests: list[tuple[Principal, schemas.TicketCreate]]
) -> list[IssueResult | DomainError]:
    """Issue several tickets in the caller's transaction (planning and writing in one session)."""
    return write_issue(session, settings, plan_issue(session, settings, requests))


def issue_ticket(session: Session, settings: Settings, actor: Principal, data: schemas.TicketCreate) -> IssueResult:
    """One ticket: a batch of one; raises the DomainError refusing it."""
    (result,) = issue_tickets(session, settings, [(actor, data)])
    if isinstance(result, DomainError):
        raise result
    return result


# -- calling --------------------------------------------------------------------------------


def _counter_for_action(session: Session, actor: Principal, counter_id: int) -> Counter:
    counter = get_counter(session, counter_id)
    ensure_acts_for_counter(actor, counter)
    return counter


def _require_open(counter: Counter) -> None:
    if counter.state != "open":
        label = "đang tạm dừng" if counter.state == "paused" else "đang đóng"
        raise DomainError("counter_not_open", f"Quầy số {counter.number} {label}; hãy mở quầy trước khi gọi số.", 409)


def _finish_current(session: Session, actor: Principal, counter: Counter) -> list[int]:
    """Calling the next visitor ends the current one as served (Qmatic's 'next' behaviour)."""
    cur = current_ticket(session, counter, lock=True)
    if cur is None:
        return []
    _complete(session, actor, cur, counter, auto=True)
    return [cur.service_id]


def _head(stmt):
    """A queue's first ticket (QUEUE_ORDER), as a branch of a UNION ALL (SQLite accepts a branch's
    ORDER BY and LIMIT only inside a subquery)."""
    sub = stmt.order_by(*QUEUE_ORDER).limit(1).subquery()
    return select(*sub.c)


def choose_next(session: Session, counter: Counter, now) -> Ticket | None:
    """The counter's next ticket (documented in docs/queue-policy.md):

    1. tickets transferred to this very counter, oldest first;
    2. then, over all services the counter serves, priority tickets before others;
    3. then the longest effective wait: (now − queue time) × the service's weight at this counter;
       ties go to the service listed first at the counter, then the earlier ticket.

    The candidates — the head of the counter's own line and of each service's — are read in one
    statement: each was a round trip of its own on every call.
    """
    waiting = select(Ticket.__table__).where(Ticket.state.in_(WAITING_STATES))
    links = {link.service_id: link for link in counter.services}
    branches = [_head(waiting.where(Ticket.target_counter_id == counter.id))] + [
        _head(waiting.where(Ticket.service_id == sid, Ticket.target_counter_id.is_(None))) for sid in links
    ]
    candidates = session.execute(select(Ticket).from_statement(union_all(*branches))).scalars().all()
    direct = [t for t in candidates if t.target_counter_id == counter.id]
    if direct:
        return direct[0]
    heads = []
    for head in candidates:
        link = links[head.service_id]
        waited = max(0.0, (now - head.queue_key).total_seconds())
        heads.append((-head.priority_rank, -waited * link.weight, link.order, head.queue_key, head.id, head))
    if not heads:
        return None
    heads.sort(key=lambda h: h[:5])
    return heads[0][-1]


def _call(session: Session, settings: Settings, actor: Principal, counter: Counter, ticket: Ticket, how: str) -> Ticket:
    now = utcnow()
    previous_service = ticket.service_id
    ticket.state = "called"
    ticket.counter_id = counter.id
    ticket.target_counter_id = None
    ticket.officer_id = counter.officer_id
    ticket.called_at = now
    ticket.recall_count = 0
    session.flush()
    _append(session, ticket, "called", actor, how=how)
    record_event(session, counter.centre_id, "ticket.called", ticket_brief(ticket, counter.number))
    publish_counter(session, counter, current=ticket)
    publish_queue(session, counter.centre_id, [previous_service], settings.default_service_s)
    if settings.notify_url:  # in this transaction: the called visitor, and the one the queue moved to N ahead
        record_called(session, ticket, counter)
        record_near(session, settings.notify_near_ahead, previous_service)
    return ticket


def call_next(session: Session, settings: Settings, actor: Principal, counter_id: int) -> Ticket | None:
    counter = _counter_for_action(session, actor, counter_id)
    _require_open(counter)
    _lock_and_read_services(session, [link.service_id for link in counter.services])
    current = current_ticket(session, counter, lock=True)
    # Chosen before the current visitor is ended (never a waiting ticket, so the choice is the
    # same), so that both tickets' statistics rows are read at once (held meanwhile).
    ticket = choose_next(session, counter, utcnow())
    _held_rows = stats.load_rows(session, [t.id for t in (current, ticket) if t is not None])
    if current is not None:
        _complete(session, actor, current, counter, auto=True)
    if ticket is None:
        publish_counter(session, counter)
        return None
    return _call(session, settings, actor, counter, ticket, "next")


def _for_counter(counter: Counter):
    """Tickets of the services the counter serves, or sent to the counter itself."""
    service_ids = [link.service_id for link in counter.services]
    return or_(
        Ticket.service_id.in_(service_ids), Ticket.target_counter_id == counter.id, Ticket.counter_id == counter.id
    )


def call_number(session: Session, settings: Settings, actor: Principal, counter_id: int, display: str) -> Ticket:
    """Call a given number: one waiting for this counter, or one marked absent (no-show) for it
    within `missed_recall_minutes` — the visitor who stepped out and came back."""
    counter = _counter_for_action(session, actor, counter_id)
    _require_open(counter)
    service_ids = [link.service_id for link in counter.services]
    _lock_services(session, service_ids)
    display = display.strip().upper()
    candidates = (
        session.execute(
            select(Ticket)
            .where(
                Ticket.centre_id == counter.centre_id,
                Ticket.display_number == display,
                Ticket.service_day == local_day(),
                Ticket.state.in_((*WAITING_STATES, "no_show")),
                _for_counter(counter),
            )
            .order_by(Ticket.issued_at.desc())
        )
        .scalars()
        .all()
    )
    waiting = [t for t in candidates if t.state in WAITING_STATES]
    if waiting:
        _finish_current(session, actor, counter)
        return _call(session, settings, actor, counter, waiting[0], "number")
    if candidates:
        return _call_missed(session, settings, actor, counter, candidates[0])
    raise DomainError("ticket_not_waiting", f"Số {display} không có trong hàng chờ của quầy này.", 404)


def recall_deadline(settings: Settings, ticket: Ticket) -> datetime | None:
    """Until when a ticket marked absent may be called back (None: not absent, or never)."""
    if ticket.state != "no_show" or ticket.finished_at is None or settings.missed_recall_minutes <= 0:
        return None
    return aware(ticket.finished_at) + timedelta(minutes=settings.missed_recall_minutes)


def call_missed(session: Session, settings: Settings, actor: Principal, counter_id: int, ticket_id: int) -> Ticket:
    """Call back a ticket from the counter's "Vắng mặt" list."""
    counter = _counter_for_action(session, actor, counter_id)
    _require_open(counter)
    ticket = get_ticket(session, ticket_id)
    ensure_centre_visible(actor, ticket.centre_id)
    _lock_services(session, [link.service_id for link in counter.services] + [ticket.service_id])
    session.refresh(ticket)
    if ticket.state != "no_show":
        raise DomainError(
            "ticket_not_missed",
            f"Số {ticket.display_number} không ở danh sách vắng mặt "
            f"(đang ở trạng thái «{STATE_VI.get(ticket.state, ticket.state)}»).",
            409,
        )
    if ticket.counter_id != counter.id and not any(link.service_id == ticket.service_id for link in counter.services):
        raise DomainError("not_your_service", f"Số {ticket.display_number} không thuộc dịch vụ của quầy này.", 403)
    return _call_missed(session, settings, actor, counter, ticket)


def _call_missed(session: Session, settings: Settings, actor: Principal, counter: Counter, ticket: Ticket) -> Ticket:
    deadline = recall_deadline(settings, ticket)
    if deadline is None or utcnow() > deadline:
        missed_at = local(ticket.finished_at).strftime("%H:%M") if ticket.finished_at else "?"
        raise DomainError(
            "missed_recall_expired",
            f"Số {ticket.display_number} vắng mặt lúc {missed_at}, đã quá {settings.missed_recall_minutes} phút "
            "được gọi lại; hãy hướng dẫn công dân lấy số mới.",
            409,
        )
    _finish_current(session, actor, counter)
    ticket.finished_at = None
    return _call(session, settings, actor, counter, ticket, "missed")


def missed_list(session: Session, settings: Settings, actor: Principal, counter_id: int) -> list[Ticket]:
    """Today's tickets marked absent that this counter may still call back, latest first."""
    counter = get_counter(session, counter_id)
    ensure_centre_visible(actor, counter.centre_id)
    if settings.missed_recall_minutes <= 0:
        return []
    since = utcnow() - timedelta(minutes=settings.missed_recall_minutes)
    return list(
        session.execute(
            select(Ticket)
            .where(
                Ticket.centre_id == counter.centre_id,
                Ticket.service_day == local_day(),
                Ticket.state == "no_show",
                Ticket.finished_at >= since,
                _for_counter(counter),
            )
            .order_by(Ticket.finished_at.desc())
            .limit(100)
        ).scalars()
    )


# -- actions on a called ticket ---------------------------------------------------------------


def _ticket_at_counter(
    session: Session, actor: Principal, ticket_id: int, allowed: tuple[str, ...], action_vi: str
) -> tuple[Ticket, Counter]:
    ticket = get_ticket(session, ticket_id)
    if ticket.counter_id is None:
        raise DomainError(
            "illegal_transition", f"Không thể {action_vi}: số {ticket.display_number} chưa được gọi tới quầy nào.", 409
        )
    counter = _counter_for_action(session, actor, ticket.counter_id)
    # Re-read under lock: another request may have just moved it.
    lock_rows(session, select(Ticket.id).where(Ticket.id == ticket.id))
    session.refresh(ticket)
    if ticket.state not in allowed:
        raise DomainError(
            "illegal_transition",
            f"Không thể {action_vi}: số {ticket.display_number} đang ở trạng thái «{STATE_VI.get(ticket.state, ticket.state)}».",
            409,
        )
    return ticket, counter


STATE_VI = {
    "waiting": "đang chờ",
    "called": "đã gọi",
    "serving": "đang phục vụ",
    "done": "đã hoàn thành",
    "no_show": "vắng mặt",
    "cancelled": "đã hủy",
    "transferred": "đã chuyển",
}


def recall(session: Session, settings: Settings, actor: Principal, ticket_id: int) -> Ticket:
    ticket, counter = _ticket_at_counter(session, actor, ticket_id, ("called",), "gọi lại")
    limit = settings.max_recalls
    if ticket.recall_count >= limit:
        raise DomainError("recall_limit", f"Đã gọi lại số {ticket.display_number} tối đa {limit} lần.", 409)
    ticket.recall_count += 1
    session.flush()
    _append(session, ticket, "recalled", actor, count=ticket.recall_count)
    record_event(session, ticket.centre_id, "ticket.recalled", ticket_brief(ticket, counter.number))
    return ticket


def start(session: Session, actor: Principal, ticket_id: int) -> Ticket:
    ticket, counter = _ticket_at_counter(session, actor, ticket_id, ("called",), "bắt đầu phục vụ")
    ticket.state = "serving"
    ticket.started_at = utcnow()
    session.flush()
    _append(session, ticket, "started", actor)
    record_event(session, ticket.centre_id, "ticket.started", ticket_brief(ticket, counter.number))
    publish_counter(session, counter)
    return ticket


def _complete(session: Session, actor: Principal, ticket: Ticket, counter: Counter, auto: bool = False) -> None:
    now = utcnow()
    ticket.state = "done"
    ticket.started_at = ticket.started_at or ticket.called_at
    ticket.finished_at = now
    session.flush()
    _append(session, ticket, "completed", actor, auto=auto)
    record_event(session, ticket.centre_id, "ticket.completed", ticket_brief(ticket, counter.number))
    officer = counter_officer(session, counter)  # not the whole counter view: its current ticket is a read
    record_event(
        session,
        ticket.centre_id,
        "rating.requested",
        {
            "ticket_id": ticket.id,
            "display_number": ticket.display_number,
            "counter_id": counter.id,
            "counter_number": counter.number,
            "service_id": ticket.service_id,
            "officer": officer,
        },
    )


def complete(session: Session, actor: Principal, ticket_id: int) -> Ticket:
    ticket, counter = _ticket_at_counter(session, actor, ticket_id, ACTIVE_STATES, "hoàn thành")
    _complete(session, actor, ticket, counter)
    publish_counter(session, counter)
    return ticket


def skip(session: Session, settings: Settings, actor: Principal, ticket_id: int, data: schemas.SkipRequest) -> Ticket:
    """A called visitor who does not come: a no-show, or back into the queue a few places down."""
    ticket, counter = _ticket_at_counter(session, actor, ticket_id, ("called",), "bỏ qua")
    _lock_services(session, [ticket.service_id])
    now = utcnow()
    # A number taken from the phone, called this many times without the visitor coming, is marked
    # absent rather than re-queued: it goes to the «Vắng mặt» list (docs/queue-policy.md).
    remote_absent = ticket.source == "remote" and 1 + ticket.recall_count >= settings.remote_absent_after_calls
    if data.requeue and not remote_absent:
        places = data.places_back if data.places_back is not None else settings.requeue_places_back
        behind = session.execute(
            select(Ticket.queue_key)
            .where(
                Ticket.service_id == ticket.service_id,
                Ticket.state.in_(WAITING_STATES),
                Ticket.target_counter_id.is_(None),
                Ticket.priority_rank <= ticket.priority_rank,
            )
            .order_by(*QUEUE_ORDER)
            .offset(max(0, places - 1))
            .limit(1)
        ).scalar()
        ticket.queue_key = (behind + timedelta(microseconds=1)) if behind is not None else now
        ticket.state = "waiting"
        ticket.counter_id = None
        ticket.officer_id = None
        session.flush()
        _append(session, ticket, "requeued", actor, places_back=places)
    else:
        ticket.state = "no_show"
        ticket.finished_at = now
        session.flush()
        _append(session, ticket, "no_show", actor)
    record_event(
        session,
        ticket.centre_id,
        "ticket.skipped",
        {**ticket_brief(ticket, counter.number), "requeued": ticket.state == "waiting"},
    )
    publish_counter(session, counter)
    publish_queue(session, ticket.centre_id, [ticket.service_id], settings.default_service_s)
    return ticket


def transfer(
    session: Session, settings: Settings, actor: Principal, ticket_id: int, data: schemas.TransferRequest
) -> Ticket:
    """Send the visitor to another service or counter; they keep their number and original issue time."""
    if (data.service_id is None) == (data.counter_id is None):
        raise DomainError("invalid_transfer", "Hãy chọn đúng một nơi chuyển đến: một dịch vụ hoặc một quầy.", 422)
    ticket, counter = _ticket_at_counter(session, actor, ticket_id, ACTIVE_STATES, "chuyển")
    from_service = ticket.service_id
    target_counter = None
    if data.service_id is not None:
        target = get_service(session, data.service_id)
        if target.centre_id != ticket.centre_id:
            raise DomainError("service_not_in_centre", "Dịch vụ chuyển đến không thuộc trung tâm này.", 422)
        if not target.accepting:
            raise DomainError("service_closed", f"Dịch vụ {target.name} đang tạm ngừng; không thể chuyển đến.", 409)
        to_service = target.id
    else:
        target_counter = get_counter(session, data.counter_id)
        if target_counter.centre_id != ticket.centre_id:
            raise DomainError("counter_not_in_centre", "Quầy chuyển đến không thuộc trung tâm này.", 422)
        if target_counter.id == counter.id:
            raise DomainError("invalid_transfer", "Không thể chuyển đến chính quầy đang phục vụ.", 422)
        if target_counter.state == "closed":
            raise DomainError(
                "counter_closed", f"Quầy số {target_counter.number} đang đóng; không thể chuyển đến.", 409
            )
        to_service = ticket.service_id
    _lock_services(session, [from_service, to_service])
    ticket.state = "transferred"
    ticket.service_id = to_service
    ticket.target_counter_id = target_counter.id if target_counter else None
    ticket.counter_id = None
    ticket.officer_id = None
    ticket.transfer_count += 1
    ticket.queue_key = ticket.issued_at  # keeps its place by the original issue time
    session.flush()
    _append(
        session,
        ticket,
        "transferred",
        actor,
        from_counter_id=counter.id,
        from_service_id=from_service,
        to_service_id=to_service,
        to_counter_id=target_counter.id if target_counter else None,
        note=data.note,
    )
    record_event(
        session,
        ticket.centre_id,
        "ticket.transferred",
        {
            **ticket_brief(ticket),
            "from_counter_number": counter.number,
            "to_counter_number": target_counter.number if target_counter else None,
        },
    )
    publish_counter(session, counter)
    publish_queue(session, ticket.centre_id, [from_service, to_service], settings.default_service_s)
    return ticket


def ensure_serves_ticket(session: Session, actor: Principal, ticket: Ticket) -> None:
    """Admins act on any ticket; a clerk (or a counter's console) on a ticket called to its counter,
    or waiting for a service — or transferred to a counter — that a counter it is on duty at serves."""
    if actor.is_admin:
        return
    if ticket.counter_id is not None:
        ensure_acts_for_counter(actor, get_counter(session, ticket.counter_id))
        return
    if actor.role == "clerk" and actor.user is not None:
        counters = session.execute(select(Counter).where(Counter.officer_id == actor.user.id)).scalars().all()
    elif actor.role == "console" and actor.device is not None and actor.device.counter_id is not None:
        counters = [get_counter(session, actor.device.counter_id)]
    else:
        counters = []
    for counter in counters:
        if counter.id == ticket.target_counter_id or any(
            link.service_id == ticket.service_id for link in counter.services
        ):
            return
    raise DomainError("not_your_service", "Bạn chỉ được hủy số của dịch vụ mà quầy mình đang phục vụ.", 403)


def cancel(session: Session, settings: Settings, actor: Principal, ticket_id: int) -> Ticket:
    ticket = get_ticket(session, ticket_id)
    ensure_centre_visible(actor, ticket.centre_id)
    ensure_serves_ticket(session, actor, ticket)
    _lock_services(session, [ticket.service_id])
    session.refresh(ticket)
    if ticket.state in ("done", "no_show", "cancelled"):
        raise DomainError("illegal_transition", f"Số {ticket.display_number} đã kết thúc, không thể hủy.", 409)
    ticket.state = "cancelled"
    ticket.finished_at = utcnow()
    session.flush()
    _append(session, ticket, "cancelled", actor)
    record_event(session, ticket.centre_id, "ticket.cancelled", ticket_brief(ticket))
    publish_queue(session, ticket.centre_id, [ticket.service_id], settings.default_service_s)
    return ticket


def find_by_public_token(session: Session, token: str) -> Ticket:
    ticket = session.execute(select(Ticket).where(Ticket.public_token == token)).scalar_one_or_none()
    if ticket is None:
        raise DomainError("ticket_not_found", "Không tìm thấy số thứ tự. Vui lòng kiểm tra lại mã trên phiếu.", 404)
    return ticket
