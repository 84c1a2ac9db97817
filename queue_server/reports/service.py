"""What a report covers: the period (centre-local days), the centre and the filters a caller may use.

Periods are whole centre-local days [from, to] (both inclusive), turned into the UTC instants
[local midnight of `from`, local midnight after `to`). Presets (day, week, month, quarter, half,
year) are resolved here, so the pages and the API agree on what "this quarter" means.

Rows are keyed by ids and labelled with the *current* names: renaming a service renames its row
in past reports but never moves figures between rows. A queue ticket counts for the agency its service
belonged to when it was issued (`ticket_stats.agency_id`), so moving a service to another agency later
does not move past figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.principal import Principal
from ..centres.models import Agency, Centre, Service
from ..centres.service import ensure_centre_visible, get_centre
from ..errors import DomainError, forbidden
from ..timeutil import VN_TZ, local_day

PRESETS = ("day", "week", "month", "quarter", "half", "year")
MAX_DAYS = 3 * 366  # a report over more than three years is a mistake, not a request


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), VN_TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), VN_TZ)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def as_dict(self) -> dict:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat(), "days": self.days}


def _month_start(year: int, month: int, day: int) -> date:
    """`day` of month `month` of `year`, months counted past December or before January."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, day)


def preset_period(kind: str, on: date, cutoff_day: int = 1) -> Period:
    """The day, ISO week (Monday first), month, quarter, half-year or year containing `on`.

    `cutoff_day` is the day a reporting month starts (the statistics cut-off): 1 gives calendar
    months; 15 gives the Đắk Nông cycle (ĐN Đ.24 k.9: the 6-month report is sent before 15 June,
    so its period runs 15/12 → 14/06, the year 15/12 → 14/12); 20 the An Giang one (AG Đ.25 k.7).
    A reporting month is named after the month it ends in: with 15, "March" is 15/02 → 14/03.
    """
    if kind == "day":
        return Period(on, on)
    if kind == "week":
        monday = on - timedelta(days=on.weekday())
        return Period(monday, monday + timedelta(days=6))
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}.get(kind)
    if months is None:
        raise DomainError("invalid_period", "Kỳ báo cáo phải là ngày, tuần, tháng, quý, 6 tháng hoặc năm.", 422)
    if not 1 <= cutoff_day <= 28:
        raise DomainError("invalid_period", "Ngày chốt số liệu phải từ 1 đến 28.", 422)
    year, month = on.year, on.month
    if cutoff_day > 1 and on.day >= cutoff_day:  # already in the next reporting month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    first_month = (month - 1) // months * months + 1
    if cutoff_day == 1:
        first = date(year, first_month, 1)
        after = _month_start(year, first_month + months, 1)
    else:  # from the cut-off day of the month before, to the day before it in the last month
        first = _month_start(year, first_month - 1, cutoff_day)
        after = _month_start(year, first_month + months - 1, cutoff_day)
    return Period(first, after - timedelta(days=1))


def resolve_period(
    date_from: date | None,
    date_to: date | None,
    preset: str | None = None,
    on: date | None = None,
    cutoff_day: int = 1,
) -> Period:
    """A range (from/to), or a preset around `on` (default today); nothing at all means today."""
    if preset:
        if date_from or date_to:
            raise DomainError(
                "invalid_period", "Chọn hoặc kỳ báo cáo, hoặc khoảng ngày (từ ngày – đến ngày), không chọn cả hai.", 422
            )
        return preset_period(preset, on or local_day(), cutoff_day)
    last = date_to or date_from or local_day()
    first = date_from or last
    if first > last:
        raise DomainError("invalid_period", "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.", 422)
    if (last - first).days + 1 > MAX_DAYS:
        raise DomainError("period_too_long", "Khoảng thời gian báo cáo tối đa là 3 năm.", 422)
    return Period(first, last)


@dataclass
class Scope:
    """The centre and the rows a caller may see, after applying their filters."""

    centre: Centre
    agency_ids: set[int] | None  # None = every agency of the centre (and services without one)
    field: str | None
    procedure: str | None
    services: dict[int, Service]  # the services of the allowed agencies now (matching the field filter)
    agencies: dict[int, Agency]
    field_services: dict[int, Service]  # every service of the centre matching the field filter, any agency

    @property
    def centre_id(self) -> int:
        return self.centre.id

    def filters(self) -> dict:
        return {
            "centre": self.centre.id,
            "agency": sorted(self.agency_ids) if self.agency_ids is not None else None,
            "field": self.field,
            "procedure": self.procedure,
        }


def resolve_scope(
    session: Session,
    actor: Principal,
    centre_id: int | None,
    agency_id: int | None = None,
    field: str | None = None,
    procedure: str | None = None,
) -> Scope:
    """Managers see only their agencies (403 for another one); admins everything; clerks nothing."""
    if actor.role not in ("admin", "manager"):
        raise forbidden("Chỉ lãnh đạo và quản trị viên được xem báo cáo.")
    centre_id = centre_id or actor.centre_id
    if centre_id is None:
        raise DomainError("centre_required", "Hãy chọn trung tâm.", 422)
    centre = get_centre(session, centre_id)
    ensure_centre_visible(actor, centre.id)
    agencies = {a.id: a for a in session.execute(select(Agency).where(Agency.centre_id == centre.id)).scalars()}
    allowed = actor.agency_scope()
    if agency_id is not None:
        if agency_id not in agencies:
            raise DomainError("agency_not_found", "Không tìm thấy cơ quan trong trung tâm này.", 404)
        if allowed is not None and agency_id not in allowed:
            raise forbidden("Bạn không có quyền xem số liệu của cơ quan này.")
        agency_ids: set[int] | None = {agency_id}
    else:
        agency_ids = set(allowed) & set(agencies) if allowed is not None else None
    field = (field or "").strip() or None
    procedure = (procedure or "").strip() or None
    field_services = {}
    for s in session.execute(
        select(Service).where(Service.centre_id == centre.id).order_by(Service.sort_order, Service.id)
    ).scalars():
        if field is None or field.casefold() in (s.code.casefold(), s.name.casefold()):
            field_services[s.id] = s
    services = {sid: s for sid, s in field_services.items() if agency_ids is None or s.agency_id in agency_ids}
    return Scope(centre, agency_ids, field, procedure, services, agencies, field_services)


def nearest_rank(sorted_values: list[float], pct: int) -> float | None:
    """The nearest-rank percentile: the value at rank ⌈pct/100 × n⌉ of the sorted values (1-based).

    Integer arithmetic on purpose: 0.9 × 10 in floating point is 9.000000000000002, whose ceiling is 10.
    """
    if not sorted_values:
        return None
    rank = max(1, (pct * len(sorted_values) + 99) // 100)
    return sorted_values[rank - 1]


def mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None
