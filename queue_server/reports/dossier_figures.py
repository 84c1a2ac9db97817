"""Dossier figures in the form provincial portals publish (TT 01/2018 mẫu II.05 style), from history.

Each dossier's moments come from its append-only events (`dossier_events`), read up to the end
of the period, so a past period's figures never change:

- **received at**: the first event that puts the dossier into a processing state (received,
  transferred, in processing … or straight to a result); online dossiers still awaiting acceptance
  are not received yet.
- **resolved at** (đã giải quyết): the first event to `result_ready`, `returned` or `refused`.
- **closed otherwise**: withdrawn, wrong agency, lapsed — neither resolved nor pending.
- **carried_over** (kỳ trước chuyển qua): received before the period, not resolved or closed at its start.
- **received_new** (mới tiếp nhận): received in the period, split by channel (online / direct / post).
- **received_total** = carried_over + received_new.
- **resolved**: resolved in the period; **early** (trước hạn) when resolved on a centre-local day
  before the due day, **on_time** (đúng hạn) when otherwise not after the due moment, **late**
  (quá hạn) after it. Dossiers without a due date count as on time. Percentages are of `resolved`.
- **the due moment** is the appointment the law owes (`original_due_at`): set at receipt, moved
  only by the working time spent waiting for the citizen's supplement (BP Đ.9 k.3 đ.b), never by
  an apology — a dossier resolved after its appointment is late even when an apology letter gave
  a new date it then met.
- **pending** (đang giải quyết) at the period's end: received, not resolved or closed;
  **pending_overdue** when the due moment is before the period's end, else **pending_in_time** —
  also a dossier waiting for the citizen's supplement at the period's end (its clock is stopped).

Rows: totals, per agency, per procedure field, per channel and per procedure level (the catalogue's
level recorded on the dossier when it was received; "" when the catalogue gave none).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, inspect, select
from sqlalchemy.orm import Session

from ..procedures.models import LEVEL_LABELS, LEVELS
from ..timeutil import aware, local
from .service import Period, Scope, share

try:  # the dossiers area is built in parallel; without it the report answers 501
    from ..dossiers.lifecycle import OPEN_STATES
    from ..dossiers.models import Dossier, DossierEvent
except ImportError:  # pragma: no cover
    Dossier = None

_LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
RESOLVED = ("result_ready", "returned", "refused")
CLOSED_OTHERWISE = ("withdrawn", "wrong_agency", "lapsed")
CHANNELS = {"online": "Trực tuyến", "direct": "Trực tiếp", "post": "Bưu chính"}


def available(session: Session) -> bool:
    """The dossier tables exist (model imported and migrated)."""
    if Dossier is None:
        return False
    insp = inspect(session.connection())
    return insp.has_table(Dossier.__tablename__) and insp.has_table(DossierEvent.__tablename__)


@dataclass
class Row:
    carried_over: int = 0
    received_new: int = 0
    channels: dict = field(default_factory=lambda: {c: 0 for c in CHANNELS})
    early: int = 0
    on_time: int = 0
    late: int = 0
    closed_otherwise: int = 0
    pending_in_time: int = 0
    pending_overdue: int = 0

    def figures(self) -> dict:
        resolved = self.early + self.on_time + self.late
        pending = self.pending_in_time + self.pending_overdue
        return {
            "received_total": self.carried_over + self.received_new,
            "carried_over": self.carried_over,
            "received_new": self.received_new,
            "received_online": self.channels["online"],
            "received_direct": self.channels["direct"],
            "received_post": self.channels["post"],
            "online_pct": share(self.channels["online"], self.received_new),
            "resolved": resolved,
            "early": self.early,
            "on_time": self.on_time,
            "late": self.late,
            "early_pct": share(self.early, resolved),
            "on_time_pct": share(self.on_time, resolved),
            "late_pct": share(self.late, resolved),
            "in_time_pct": share(self.early + self.on_time, resolved),
            "closed_otherwise": self.closed_otherwise,
            "pending": pending,
            "pending_in_time": self.pending_in_time,
            "pending_overdue": self.pending_overdue,
        }


def dossiers_report(session: Session, scope: Scope, period: Period) -> dict:
    ev = DossierEvent
    received_states = tuple(OPEN_STATES) + ("result_ready", "returned")
    moments = (
        select(
            ev.dossier_id,
            func.min(case((ev.to_status.in_(received_states), ev.at))).label("received_at"),
            func.min(case((ev.to_status.in_(RESOLVED), ev.at))).label("resolved_at"),
            func.min(case((ev.to_status.in_(CLOSED_OTHERWISE), ev.at))).label("closed_at"),
            func.max(case((ev.to_status == "supplement_requested", ev.at))).label("stopped_at"),
            func.max(case((ev.from_status == "supplement_requested", ev.at))).label("resumed_at"),
        )
        .where(ev.at < period.end)
        .group_by(ev.dossier_id)
        .subquery()
    )
    level_col = getattr(Dossier, "procedure_level", None)
    cols = [
        moments.c.stopped_at,
        moments.c.resumed_at,
        Dossier.agency_id,
        Dossier.channel,
        Dossier.procedure_field,
        func.coalesce(Dossier.original_due_at, Dossier.due_at),
        moments.c.received_at,
        moments.c.resolved_at,
        moments.c.closed_at,
    ]
    if level_col is not None:
        cols.append(level_col)
    stmt = select(*cols).join(moments, moments.c.dossier_id == Dossier.id).where(Dossier.centre_id == scope.centre_id)
    if scope.agency_ids is not None:
        stmt = stmt.where(Dossier.agency_id.in_(scope.agency_ids))
    if scope.field:
        stmt = stmt.where(Dossier.procedure_field == scope.field)
    if scope.procedure:
        stmt = stmt.where(Dossier.procedure_code == scope.procedure)

    total = Row()
    groups = {
        "agency": defaultdict(Row),
        "field": defaultdict(Row),
        "channel": defaultdict(Row),
        "level": defaultdict(Row),
    }
    start, end = period.start, period.end
    for r in session.execute(stmt):
        stopped_at, resumed_at = (aware(x) for x in r[:2])
        r = r[2:]
        # Waiting for the citizen's supplement at the period's end: the clock is stopped.
        waiting = stopped_at is not None and (resumed_at is None or resumed_at < stopped_at)
        agency_id, channel, fld, due_at, received_at, resolved_at, closed_at = r[:7]
        received_at, resolved_at, closed_at, due_at = (aware(x) for x in (received_at, resolved_at, closed_at, due_at))
        if received_at is None:
            continue
        keys = {
            "agency": agency_id,
            "field": fld or "",
            "channel": channel,
            "level": (r[7] or "") if level_col is not None else None,
        }
        rows = [total] + [groups[g][k] for g, k in keys.items() if not (g == "level" and level_col is None)]
        done_before_start = min((t for t in (resolved_at, closed_at) if t is not None), default=None)
        for row in rows:
            if received_at < start and (done_before_start is None or done_before_start >= start):
                row.carried_over += 1
            elif start <= received_at < end:
                row.received_new += 1
                row.channels[channel if channel in CHANNELS else "direct"] += 1
            else:
                continue
            if (
                resolved_at is not None
                and start <= resolved_at < end
                and (closed_at is None or resolved_at <= closed_at)
            ):
                if due_at is not None and resolved_at > due_at:
                    row.late += 1
                elif due_at is not None and local(resolved_at).date() < local(due_at).date():
                    row.early += 1
                else:
                    row.on_time += 1
            elif closed_at is not None and closed_at < end:
                row.closed_otherwise += 1
            elif resolved_at is None:
                if due_at is not None and due_at < end and not waiting:
                    row.pending_overdue += 1
                else:
                    row.pending_in_time += 1
    return {
        "period": period.as_dict(),
        "filters": scope.filters(),
        "totals": total.figures(),
        "by_agency": [
            {"agency_id": k, "name": scope.agencies[k].name if k in scope.agencies else str(k), **v.figures()}
            for k, v in sorted(
                groups["agency"].items(), key=lambda kv: scope.agencies[kv[0]].name if kv[0] in scope.agencies else ""
            )
        ],
        "by_field": [{"field": k or "(chưa phân lĩnh vực)", **v.figures()} for k, v in sorted(groups["field"].items())],
        "by_channel": [
            {"channel": k, "name": CHANNELS.get(k, k), **v.figures()}
            for k, v in sorted(
                groups["channel"].items(), key=lambda kv: list(CHANNELS).index(kv[0]) if kv[0] in CHANNELS else 9
            )
        ],
        "by_level": (
            [
                {"level": k, "name": LEVEL_LABELS.get(k, k or "(chưa xác định cấp)"), **v.figures()}
                for k, v in sorted(groups["level"].items(), key=lambda kv: _LEVEL_ORDER.get(kv[0], 9))
            ]
            if level_col is not None
            else None
        ),
    }
