"""Satisfaction figures from the ratings (each rating counts for its officer and its agency).

A rating belongs to the centre-local day the visitor was served (`Rating.day`) and to the agency
and officer recorded on the rating at the time — so moving a service to another agency later does
not move past ratings. Shares are percentages of the ratings in the row: `satisfied_pct` is
Rất hài lòng + Hài lòng. Criteria are labelled from the newest criteria list that names them.
Flagged: officers and criteria whose satisfied share is the lowest of the table and below the
national target (`TARGET_PCT`), among rows with at least `MIN_RATINGS_TO_FLAG` ratings.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..tickets.models import Ticket
from .service import Period, Scope, share

TARGET_PCT = 80.0
MIN_RATINGS_TO_FLAG = 5

try:  # the ratings area is built in parallel; without it the report answers 501
    from ..ratings.criteria import LEVELS, SATISFIED
    from ..ratings.models import CriteriaVersion, Rating
except ImportError:  # pragma: no cover - only while the ratings area is missing
    Rating = None
    LEVELS = {"rat_hai_long": "Rất hài lòng", "hai_long": "Hài lòng", "chua_hai_long": "Chưa hài lòng"}
    SATISFIED = ("rat_hai_long", "hai_long")


def available() -> bool:
    return Rating is not None


def level_counts(tally: Tally) -> dict:
    total = sum(tally[level] for level in LEVELS)
    row = {"total": total}
    for level in LEVELS:
        row[level] = tally[level]
        row[f"{level}_pct"] = share(tally[level], total)
    row["satisfied_pct"] = share(sum(tally[level] for level in SATISFIED), total)
    return row


def ratings_report(session: Session, scope: Scope, period: Period) -> dict:
    stmt = select(Rating.agency_id, Rating.officer_id, Rating.overall, Rating.criteria).where(
        Rating.centre_id == scope.centre_id, Rating.day >= period.first_day, Rating.day <= period.last_day
    )
    if scope.agency_ids is not None:
        stmt = stmt.where(Rating.agency_id.in_(scope.agency_ids))
    if scope.field is not None:
        stmt = stmt.where(Rating.service_id.in_(list(scope.services)))
    if scope.procedure:
        stmt = stmt.join(Ticket, Ticket.id == Rating.ticket_id).where(Ticket.procedure_code == scope.procedure)
    overall = Tally()
    by_agency: dict = defaultdict(Tally)
    by_officer: dict = defaultdict(Tally)
    by_criterion: dict = defaultdict(Tally)
    for agency_id, officer_id, level, criteria in session.execute(stmt):
        overall[level] += 1
        by_agency[agency_id][level] += 1
        by_officer[officer_id][level] += 1
        for code, clevel in (criteria or {}).items():
            by_criterion[code][clevel] += 1

    officers = {
        u.id: u.full_name
        for u in session.execute(select(User).where(User.id.in_([k for k in by_officer if k]))).scalars()
    }
    officer_rows = [
        {"officer_id": k, "full_name": officers.get(k, "(không rõ cán bộ)"), **level_counts(t)}
        for k, t in by_officer.items()
    ]
    officer_rows.sort(key=lambda r: r["full_name"])
    labels = criteria_labels(session)
    criterion_rows = [
        {"code": code, "label": labels.get(code, code), **level_counts(t)} for code, t in by_criterion.items()
    ]
    order = list(labels)
    criterion_rows.sort(key=lambda r: order.index(r["code"]) if r["code"] in order else len(order))
    agency_rows = [
        {
            "agency_id": k,
            "name": scope.agencies[k].name if k in scope.agencies else "(không rõ cơ quan)",
            **level_counts(t),
        }
        for k, t in by_agency.items()
    ]
    agency_rows.sort(key=lambda r: r["name"])
    _flag(officer_rows)
    _flag(criterion_rows)
    return {
        "period": period.as_dict(),
        "filters": scope.filters(),
        "levels": LEVELS,
        "target_pct": TARGET_PCT,
        "totals": level_counts(overall),
        "by_agency": agency_rows,
        "by_officer": officer_rows,
        "by_criterion": criterion_rows,
        "lowest_officers": [r["officer_id"] for r in officer_rows if r["flagged"]],
        "lowest_criteria": [r["code"] for r in criterion_rows if r["flagged"]],
    }


def _flag(rows: list[dict]) -> None:
    eligible = [r for r in rows if r["total"] >= MIN_RATINGS_TO_FLAG]
    lowest = min((r["satisfied_pct"] for r in eligible), default=None)
    for r in rows:
        r["flagged"] = r in eligible and lowest is not None and r["satisfied_pct"] == lowest and lowest < TARGET_PCT


def criteria_labels(session: Session) -> dict[str, str]:
    labels: dict[str, str] = {}
    for items in session.execute(select(CriteriaVersion.items).order_by(CriteriaVersion.id.desc())).scalars():
        for item in items or []:
            labels.setdefault(item.get("code"), item.get("label_vi") or item.get("code"))
    if not labels:
        from ..ratings.criteria import PROVINCIAL

        labels = {i["code"]: i["label_vi"] for i in PROVINCIAL}
    return labels
