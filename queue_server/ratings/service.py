"""Recording ratings from counter tablets and summarising them per officer, counter, agency or service.

The rating window: a visitor rates within `settings.rating_window_s` of the ticket's completion
(`finished_at`). A tablet that was offline delivers later; its rating still counts when the
tablet's own `rated_at` lies within the window and the rating arrives within
OFFLINE_GRACE_S (24 h) of completion. `rated_at` is clamped to [finished_at, now] so a tablet
clock that runs slow or fast cannot push a rating out of its day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.service import record
from ..auth.models import User
from ..auth.principal import Principal
from ..centres.models import Agency, Counter, Service
from ..centres.service import ensure_centre_visible
from ..errors import DomainError, forbidden, not_found
from ..tickets.models import Ticket
from ..timeutil import local_day, utcnow
from . import schemas
from .criteria import DETAILED, LEVELS, PRESETS, SATISFIED
from .models import CriteriaVersion, Rating

OFFLINE_GRACE_S = 24 * 3600


# -- criteria versions ------------------------------------------------------------------------


def current_criteria(session: Session) -> CriteriaVersion:
    """The newest criteria list; the default (detailed) list is published on first use."""
    version = session.execute(select(CriteriaVersion).order_by(CriteriaVersion.id.desc()).limit(1)).scalar_one_or_none()
    if version is None:
        version = CriteriaVersion(items=[dict(c) for c in DETAILED], created_at=utcnow())
        session.add(version)
        session.flush()
    return version


def publish_criteria(session: Session, actor: Principal, data: schemas.CriteriaCreate) -> CriteriaVersion:
    items = PRESETS[data.preset] if data.preset else [c.model_dump() for c in data.items]
    version = CriteriaVersion(items=[dict(c) for c in items], created_by=actor.user_id, created_at=utcnow())
    session.add(version)
    session.flush()
    record(
        session,
        actor,
        "publish",
        "rating_criteria",
        version.id,
        after={"items": version.items},
        summary=f"Bộ tiêu chí đánh giá {version.id}" + (f" ({data.preset})" if data.preset else ""),
    )
    return version


def criteria_read(version: CriteriaVersion) -> dict:
    return {"id": version.id, "created_at": version.created_at, "items": version.items, "levels": LEVELS}


def _criteria_version_for(session: Session, requested: int | None) -> CriteriaVersion:
    if requested is None:
        return current_criteria(session)
    version = session.get(CriteriaVersion, requested)
    if version is None:
        raise DomainError("unknown_criteria_version", "Bộ tiêu chí đánh giá không tồn tại.", 422)
    return version


# -- recording ----------------------------------------------------------------------------------


def _by_key(session: Session, key: str) -> Rating | None:
    return session.execute(select(Rating).where(Rating.idempotency_key == key)).scalar_one_or_none()


def _replay(existing: Rating, data: schemas.RatingCreate) -> Rating:
    if existing.ticket_id != data.ticket_id:
        raise DomainError("idempotency_key_reused", "Mã yêu cầu đã được dùng cho một lượt đánh giá khác.", 409)
    return existing


def record_rating(
    session: Session, actor: Principal, data: schemas.RatingCreate, *, rating_window_s: int
) -> tuple[Rating, bool]:
    """Store a tablet's rating; returns (rating, created). A replay of the same key returns the stored one."""
    existing = _by_key(session, data.idempotency_key)
    if existing is not None:
        return _replay(existing, data), False
    ticket = session.get(Ticket, data.ticket_id)
    if ticket is None:
        raise not_found("số thứ tự", "ticket_not_found")
    device = actor.device
    if ticket.counter_id is not None and (device is None or ticket.counter_id != device.counter_id):
        raise forbidden("Máy đánh giá chỉ nhận đánh giá cho số thứ tự được phục vụ tại quầy của mình.")
    if ticket.state != "done" or ticket.finished_at is None:
        raise DomainError(
            "ticket_not_served", f"Số {ticket.display_number} chưa được phục vụ xong; chưa thể đánh giá.", 409
        )
    if session.execute(select(Rating.id).where(Rating.ticket_id == ticket.id)).first() is not None:
        raise DomainError("already_rated", f"Số {ticket.display_number} đã được đánh giá.", 409)

    now = utcnow()
    finished = ticket.finished_at
    window = timedelta(seconds=rating_window_s)
    rated_at = min(max(data.rated_at or now, finished), now)
    if rated_at - finished > window or now - finished > timedelta(seconds=OFFLINE_GRACE_S):
        raise DomainError("rating_window_closed", "Đã hết thời gian đánh giá cho lượt phục vụ này.", 409)

    version = _criteria_version_for(session, data.criteria_version)
    codes = {c["code"] for c in version.items}
    unknown = sorted(set(data.criteria) - codes)
    if unknown:
        raise DomainError(
            "unknown_criterion", f"Tiêu chí đánh giá không có trong bộ tiêu chí: {', '.join(unknown)}.", 422
        )

    service = session.get(Service, ticket.service_id)
    rating = Rating(
        ticket_id=ticket.id,
        idempotency_key=data.idempotency_key,
        centre_id=ticket.centre_id,
        counter_id=ticket.counter_id,
        officer_id=ticket.officer_id,
        agency_id=service.agency_id if service else None,
        service_id=ticket.service_id,
        device_id=actor.device_id,
        day=local_day(finished),
        overall=data.overall,
        criteria=dict(data.criteria),
        criteria_version_id=version.id,
        comment=data.comment,
        rated_at=rated_at,
        received_at=now,
    )
    savepoint = session.begin_nested()
    try:
        session.add(rating)
        session.flush()
        savepoint.commit()
    except IntegrityError:
        # A concurrent delivery of the same rating (or another for the ticket) won the race.
        savepoint.rollback()
        existing = _by_key(session, data.idempotency_key)
        if existing is not None:
            return _replay(existing, data), False
        raise DomainError("already_rated", f"Số {ticket.display_number} đã được đánh giá.", 409) from None
    return rating, True


# -- summaries ----------------------------------------------------------------------------------


def _counts(levels: list[str]) -> dict:
    counts = {level: 0 for level in LEVELS}
    for level in levels:
        counts[level] += 1
    total = len(levels)
    satisfied = sum(counts[level] for level in SATISFIED)
    return {"total": total, "counts": counts, "satisfaction": round(satisfied / total, 4) if total else None}


GROUP_COLUMN = {
    "officer": Rating.officer_id,
    "counter": Rating.counter_id,
    "agency": Rating.agency_id,
    "service": Rating.service_id,
}


def _labels(session: Session, group_by: str, keys: set) -> dict:
    ids = [k for k in keys if k is not None]
    labels: dict = {None: "Không xác định"}
    if not ids:
        return labels
    if group_by == "officer":
        labels.update({u.id: u.full_name for u in session.execute(select(User).where(User.id.in_(ids))).scalars()})
    elif group_by == "counter":
        labels.update(
            {
                c.id: c.name or f"Quầy {c.number}"
                for c in session.execute(select(Counter).where(Counter.id.in_(ids))).scalars()
            }
        )
    elif group_by == "agency":
        labels.update({a.id: a.name for a in session.execute(select(Agency).where(Agency.id.in_(ids))).scalars()})
    else:
        labels.update({s.id: s.name for s in session.execute(select(Service).where(Service.id.in_(ids))).scalars()})
    return labels


def summary(
    session: Session,
    actor: Principal,
    *,
    date_from: date | None,
    date_to: date | None,
    group_by: str,
    centre_id: int | None,
) -> dict:
    """Counts per level and satisfaction share, per group, over centre-local days [from, to].

    Managers see the agencies in their scope; clerks only their own officer row (group_by=officer).
    """
    date_to = date_to or local_day()
    date_from = date_from or date_to
    if date_from > date_to:
        raise DomainError("invalid_period", "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.", 422)
    centre_id = centre_id or actor.centre_id
    if centre_id is None:
        raise DomainError("centre_required", "Hãy chọn trung tâm.", 422)
    ensure_centre_visible(actor, centre_id)

    column = GROUP_COLUMN[group_by]
    stmt = select(column, Rating.overall, Rating.criteria).where(
        Rating.centre_id == centre_id, Rating.day >= date_from, Rating.day <= date_to
    )
    if actor.role == "clerk":
        if group_by != "officer":
            raise forbidden("Cán bộ chỉ xem được kết quả đánh giá của chính mình (group_by=officer).")
        stmt = stmt.where(Rating.officer_id == actor.user_id)
    scope = actor.agency_scope()
    if scope is not None:
        stmt = stmt.where(Rating.agency_id.in_(scope))

    overall_by_group: dict = defaultdict(list)
    criteria_by_group: dict = defaultdict(lambda: defaultdict(list))
    all_levels: list[str] = []
    for key, overall, criteria in session.execute(stmt):
        overall_by_group[key].append(overall)
        all_levels.append(overall)
        for code, level in (criteria or {}).items():
            criteria_by_group[key][code].append(level)

    labels = _labels(session, group_by, set(overall_by_group))
    groups = [
        {
            "key": key,
            "label": labels.get(key, str(key)),
            **_counts(levels),
            "criteria": {code: _counts(lv) for code, lv in sorted(criteria_by_group[key].items())},
        }
        for key, levels in overall_by_group.items()
    ]
    groups.sort(key=lambda g: (-g["total"], g["label"]))
    return {
        "centre_id": centre_id,
        "from": date_from,
        "to": date_to,
        "group_by": group_by,
        "criteria": current_criteria(session).items,
        "overall": _counts(all_levels),
        "groups": groups,
    }
