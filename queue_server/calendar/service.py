"""A centre's calendar from the database: its time rules and days, edited with a change log.

`calendar_for(session, centre_id, agency_id)` is the one way the rest of the server gets a
working calendar: the national files (and MOTCUA_HOLIDAY_OVERRIDE_FILES) plus the centre's own
days, with the centre's (or the agency's) hours, Saturday sessions and cut-off. A process keeps
each centre's calendar for CACHE_S seconds (`CalendarStore`, attached to the app's sessions);
a change made through this process is seen at once, a change made by another worker within
CACHE_S seconds.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth.principal import Principal, actor_name
from ..centres.models import Agency
from ..errors import DomainError, not_found
from ..timeutil import utcnow
from . import schemas
from .hours import DEFAULT_RECEIVING, DEFAULT_WORKING, HoursEntry, HoursSchedule
from .hours import Session as Window
from .models import CalendarChange, CalendarDay, TimeRule
from .overrides import OverrideEntry
from .working_calendar import WorkingCalendar

CACHE_S = 10.0
SEED_FROM = date(2000, 1, 1)
DEFAULT_CUTOFF = time(16, 0)  # BP Đ.12 k.1 đ.đ; BD19; AG Đ.15 k.4 đ.b
CENTRE_SOURCE = "Lịch của trung tâm"


# -- reading: rules → calendar --------------------------------------------------------------


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _windows(raw: Iterable) -> tuple[Window, ...]:
    return tuple(Window(time.fromisoformat(a), time.fromisoformat(b)) for a, b in raw)


@dataclass(frozen=True)
class RuleData:
    """A time rule as read, kept by the store outside any session."""

    id: int
    agency_id: int | None
    effective_from: date
    working: tuple
    receiving: tuple
    saturday: tuple
    cutoff: time | None
    counts_from: time | None
    notice: str | None
    notice_from: date | None


@dataclass(frozen=True)
class DayData:
    day: date
    kind: str
    name: str
    source: str | None
    replaces: date | None


def rule_entry(rule: RuleData | TimeRule) -> HoursEntry:
    return HoursEntry(
        rule.effective_from,
        _windows(rule.working),
        _windows(rule.receiving),
        saturday=_windows(rule.saturday or ()),
        cutoff=rule.cutoff,
        counts_from=rule.counts_from,
    )


@dataclass(frozen=True)
class CentreRules:
    """What the database says about one centre, read once and kept by the store."""

    rules: tuple[RuleData, ...]
    days: tuple[DayData, ...]

    def schedule(self, agency_id: int | None) -> HoursSchedule:
        own = [r for r in self.rules if r.agency_id is None]
        if agency_id is not None:
            theirs = [r for r in self.rules if r.agency_id == agency_id]
            if theirs:  # the agency's rules take over from their first date
                first = min(r.effective_from for r in theirs)
                own = [r for r in own if r.effective_from < first] + theirs
        entries = [rule_entry(r) for r in own]
        if not entries or min(e.effective_from for e in entries) > date.min:
            entries.append(HoursEntry(date.min, DEFAULT_WORKING, DEFAULT_RECEIVING, cutoff=DEFAULT_CUTOFF))
        return HoursSchedule(entries)

    def entries(self) -> list[OverrideEntry]:
        return [
            OverrideEntry(d.day, d.kind, d.name, d.source or CENTRE_SOURCE, replaces=d.replaces)  # type: ignore[arg-type]
            for d in self.days
        ]

    def notices(self, day: date, agency_ids: Iterable[int | None] = (None,)) -> list[str]:
        """Announced changes on show on `day` (from publication until the day before they apply)."""
        wanted = set(agency_ids)
        return [
            r.notice
            for r in sorted(self.rules, key=lambda r: (r.effective_from, r.id))
            if r.notice and r.notice_from is not None and r.notice_from <= day < r.effective_from
            if r.agency_id in wanted
        ]


def read_rules(session: Session, centre_id: int) -> CentreRules:
    rules = session.execute(select(TimeRule).where(TimeRule.centre_id == centre_id).order_by(TimeRule.id)).scalars()
    days = session.execute(select(CalendarDay).where(CalendarDay.centre_id == centre_id)).scalars()
    return CentreRules(
        tuple(
            RuleData(
                r.id,
                r.agency_id,
                r.effective_from,
                tuple(map(tuple, r.working)),
                tuple(map(tuple, r.receiving)),
                tuple(map(tuple, r.saturday or ())),
                r.cutoff,
                r.counts_from,
                r.notice,
                r.notice_from,
            )
            for r in rules
        ),
        tuple(DayData(d.day, d.kind, d.name, d.source, d.replaces) for d in days),
    )


class CalendarStore:
    """Each centre's rules and calendars, kept CACHE_S seconds per process."""

    def __init__(self, override_files: Iterable[str | Path] = (), ttl_s: float = CACHE_S) -> None:
        self.override_files = tuple(str(p) for p in override_files)
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._rules: dict[int, tuple[float, CentreRules]] = {}
        self._calendars: dict[tuple[int, int | None], tuple[float, WorkingCalendar]] = {}

    def rules(self, session: Session, centre_id: int) -> CentreRules:
        now = clock.monotonic()
        found = self._rules.get(centre_id)
        if found is not None and now - found[0] < self.ttl_s:
            return found[1]
        rules = read_rules(session, centre_id)
        with self._lock:
            self._rules[centre_id] = (now, rules)
            self._calendars = {k: v for k, v in self._calendars.items() if k[0] != centre_id}
        return rules

    def calendar(self, session: Session, centre_id: int, agency_id: int | None = None) -> WorkingCalendar:
        rules = self.rules(session, centre_id)
        key = (centre_id, agency_id)
        found = self._calendars.get(key)
        if found is not None and clock.monotonic() - found[0] < self.ttl_s:
            return found[1]
        built = build_calendar(rules, agency_id, self.override_files)
        with self._lock:
            self._calendars[key] = (clock.monotonic(), built)
        return built

    def forget(self, centre_id: int) -> None:
        with self._lock:
            self._rules.pop(centre_id, None)
            self._calendars = {k: v for k, v in self._calendars.items() if k[0] != centre_id}


def build_calendar(rules: CentreRules, agency_id: int | None, override_files: Iterable[str] = ()) -> WorkingCalendar:
    return WorkingCalendar(rules.schedule(agency_id), override_files, extra_entries=rules.entries())


def _store(session: Session) -> CalendarStore | None:
    return session.info.get("calendar_store")


def calendar_for(
    session: Session, centre_id: int, agency_id: int | None = None, override_files: Iterable[str | Path] = ()
) -> WorkingCalendar:
    """The working calendar of a centre (or of one of its agencies), as the database has it.

    `override_files`: the extra national files, for a session made outside the app (the app's
    sessions carry a store that has them)."""
    store = _store(session)
    if store is None:  # a session made outside the app (scripts, some tests): read afresh
        return build_calendar(read_rules(session, centre_id), agency_id, tuple(map(str, override_files)))
    return store.calendar(session, centre_id, agency_id)


def centre_rules(session: Session, centre_id: int) -> CentreRules:
    store = _store(session)
    return store.rules(session, centre_id) if store is not None else read_rules(session, centre_id)


def _forget(session: Session, centre_id: int) -> None:
    store = _store(session)
    if store is not None:
        store.forget(centre_id)


# -- writing: validated, logged ---------------------------------------------------------------

_AUDIT_ACTIONS = {"created": "create", "updated": "update", "deleted": "delete"}
_LABELS = {"working": "làm việc", "receiving": "tiếp nhận hồ sơ", "saturday": "sáng thứ Bảy"}


def _invalid(code: str, message: str, field: str | None = None) -> DomainError:
    """422 with the message; `field` names the input it is about, so a form shows it there."""
    if field is None:
        return DomainError(code, message, 422)
    return DomainError(code, message, 422, fields=[{"field": field, "problem": message}])


def _check_windows(key: str, windows: list, *, required: bool) -> list[list[str]]:
    label = _LABELS[key]
    if required and not windows:
        raise _invalid("hours_missing", f"Cần ít nhất một khung giờ {label}.", key)
    pairs = sorted((w["start"], w["end"]) for w in windows)
    for start, end in pairs:
        if end <= start:
            raise _invalid(
                "hours_end_before_start",
                f"Khung giờ {label} {_hhmm(start)}–{_hhmm(end)}: giờ kết thúc phải sau giờ bắt đầu.",
                key,
            )
        if start.second or end.second or start.microsecond or end.microsecond:
            raise _invalid("hours_not_minutes", f"Khung giờ {label} chỉ ghi giờ và phút (ví dụ 07:30).", key)
    for (a_start, a_end), (b_start, b_end) in zip(pairs, pairs[1:]):
        if b_start < a_end:
            raise _invalid(
                "hours_overlap",
                f"Các khung giờ {label} chồng lên nhau: {_hhmm(a_start)}–{_hhmm(a_end)} và "
                f"{_hhmm(b_start)}–{_hhmm(b_end)}.",
                key,
            )
    return [[_hhmm(a), _hhmm(b)] for a, b in pairs]


def _validated(values: dict) -> dict:
    """`values` (plain dicts for sessions) checked and turned into the stored shape."""
    out = dict(values)
    for key in ("working", "receiving", "saturday"):
        out[key] = _check_windows(key, values[key], required=key != "saturday")
    working = [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in out["working"]]
    for a, b in out["receiving"]:
        start, end = time.fromisoformat(a), time.fromisoformat(b)
        if not any(ws <= start and end <= we for ws, we in working):
            raise _invalid(
                "receiving_outside_working", f"Giờ tiếp nhận hồ sơ {a}–{b} nằm ngoài giờ làm việc.", "receiving"
            )
    if (values.get("notice") is None) != (values.get("notice_from") is None):
        missing = "notice" if values.get("notice") is None else "notice_from"
        raise _invalid("notice_incomplete", "Thông báo thay đổi cần cả nội dung và ngày công bố.", missing)
    if values.get("notice_from") is not None and values["notice_from"] >= values["effective_from"]:
        raise _invalid(
            "notice_after_change",
            f"Ngày công bố thông báo ({values['notice_from']:%d/%m/%Y}) phải trước ngày quy định có hiệu lực "
            f"({values['effective_from']:%d/%m/%Y}).",
            "notice_from",
        )
    for key in ("cutoff", "counts_from"):
        value = values.get(key)
        if value is not None and (value.second or value.microsecond):
            raise _invalid("time_not_minutes", "Giờ chốt tiếp nhận chỉ ghi giờ và phút (ví dụ 16:00).", key)
    return out


def _rule_snapshot(rule: TimeRule) -> dict:
    return {
        "agency_id": rule.agency_id,
        "effective_from": rule.effective_from.isoformat(),
        "working": rule.working,
        "receiving": rule.receiving,
        "saturday": rule.saturday,
        "cutoff": _hhmm(rule.cutoff) if rule.cutoff else None,
        "counts_from": _hhmm(rule.counts_from) if rule.counts_from else None,
        "notice": rule.notice,
        "notice_from": rule.notice_from.isoformat() if rule.notice_from else None,
    }


def _day_snapshot(day: CalendarDay) -> dict:
    return {
        "day": day.day.isoformat(),
        "kind": day.kind,
        "name": day.name,
        "source": day.source,
        "replaces": day.replaces.isoformat() if day.replaces else None,
    }


def _log(
    session: Session,
    actor: Principal | None,
    centre_id: int,
    entity: str,
    key: str,
    action: str,
    before: dict | None,
    after: dict | None,
) -> None:
    session.add(
        CalendarChange(
            centre_id=centre_id,
            at=utcnow(),
            actor_user_id=actor.user_id if actor is not None else None,
            actor=actor_name(actor),
            entity=entity,
            entity_key=key,
            action=action,
            before=before,
            after=after,
        )
    )
    audit.record(
        session,
        actor,
        _AUDIT_ACTIONS[action],
        entity,
        key,
        before=before,
        after=after,
        centre_id=centre_id,
        agency_id=(after or before or {}).get("agency_id"),
    )
    _forget(session, centre_id)


def seed_default_rule(session: Session, centre_id: int, actor: Principal | None = None) -> TimeRule:
    """The hours that applied before rules were data (BD19 Đ.5 k.1, k.2; cut-off 16:00)."""
    rule = TimeRule(
        centre_id=centre_id,
        agency_id=None,
        effective_from=SEED_FROM,
        working=[[_hhmm(w.start), _hhmm(w.end)] for w in DEFAULT_WORKING],
        receiving=[[_hhmm(w.start), _hhmm(w.end)] for w in DEFAULT_RECEIVING],
        saturday=[],
        cutoff=DEFAULT_CUTOFF,
        counts_from=None,
        updated_at=utcnow(),
        updated_by=actor_name(actor),
    )
    session.add(rule)
    session.flush()
    _log(session, actor, centre_id, "time_rule", str(rule.id), "created", None, _rule_snapshot(rule))
    return rule


def list_rules(session: Session, centre_id: int) -> list[TimeRule]:
    stmt = select(TimeRule).where(TimeRule.centre_id == centre_id)
    return list(session.execute(stmt.order_by(TimeRule.agency_id, TimeRule.effective_from)).scalars())


def get_rule(session: Session, rule_id: int) -> TimeRule:
    rule = session.get(TimeRule, rule_id)
    if rule is None:
        raise not_found("quy định giờ làm việc", "time_rule_not_found")
    return rule


def _check_unique_date(session: Session, rule: TimeRule) -> None:
    clash = session.execute(
        select(TimeRule.id).where(
            TimeRule.centre_id == rule.centre_id,
            TimeRule.agency_id.is_(None) if rule.agency_id is None else TimeRule.agency_id == rule.agency_id,
            TimeRule.effective_from == rule.effective_from,
            TimeRule.id != (rule.id or 0),
        )
    ).first()
    if clash is not None:
        raise DomainError(
            "time_rule_exists",
            f"Đã có quy định giờ làm việc có hiệu lực từ {rule.effective_from:%d/%m/%Y}; hãy sửa quy định đó.",
            409,
        )


def create_rule(session: Session, actor: Principal, centre_id: int, data: schemas.TimeRuleIn) -> TimeRule:
    if data.agency_id is not None:
        agency = session.get(Agency, data.agency_id)
        if agency is None or agency.centre_id != centre_id:
            raise _invalid("agency_not_in_centre", "Cơ quan không thuộc trung tâm này.", "agency_id")
    values = _validated(data.model_dump())
    rule = TimeRule(centre_id=centre_id, **values, updated_at=utcnow(), updated_by=actor_name(actor))
    _check_unique_date(session, rule)
    session.add(rule)
    session.flush()
    _log(session, actor, centre_id, "time_rule", str(rule.id), "created", None, _rule_snapshot(rule))
    return rule


def update_rule(session: Session, actor: Principal, rule: TimeRule, data: schemas.TimeRuleUpdate) -> TimeRule:
    before = _rule_snapshot(rule)
    current = {
        "effective_from": rule.effective_from,
        "cutoff": rule.cutoff,
        "counts_from": rule.counts_from,
        "notice": rule.notice,
        "notice_from": rule.notice_from,
        **{
            key: [{"start": time.fromisoformat(a), "end": time.fromisoformat(b)} for a, b in getattr(rule, key) or []]
            for key in ("working", "receiving", "saturday")
        },
    }
    current.update(data.model_dump(exclude_unset=True))
    values = _validated(current)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.updated_at, rule.updated_by = utcnow(), actor_name(actor)
    _check_unique_date(session, rule)
    session.flush()
    _log(session, actor, rule.centre_id, "time_rule", str(rule.id), "updated", before, _rule_snapshot(rule))
    return rule


def delete_rule(session: Session, actor: Principal, rule: TimeRule) -> None:
    before = _rule_snapshot(rule)
    session.delete(rule)
    session.flush()
    _log(session, actor, rule.centre_id, "time_rule", str(rule.id), "deleted", before, None)


def list_days(session: Session, centre_id: int, year: int | None = None) -> list[CalendarDay]:
    stmt = select(CalendarDay).where(CalendarDay.centre_id == centre_id)
    if year is not None:
        stmt = stmt.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(session.execute(stmt.order_by(CalendarDay.day)).scalars())


def put_day(session: Session, actor: Principal, centre_id: int, day: date, data: schemas.CalendarDayIn) -> CalendarDay:
    if data.kind == "working_day" and data.replaces is not None and data.replaces == day:
        raise _invalid("replaces_itself", "Ngày làm bù không thể bù cho chính nó.", "replaces")
    if data.kind == "day_off" and data.replaces is not None:
        raise _invalid("replaces_on_day_off", "Chỉ ngày làm bù mới ghi ngày được bù (replaces).", "replaces")
    row = session.execute(
        select(CalendarDay).where(CalendarDay.centre_id == centre_id, CalendarDay.day == day)
    ).scalar_one_or_none()
    before = _day_snapshot(row) if row is not None else None
    if row is None:
        row = CalendarDay(centre_id=centre_id, day=day)
        session.add(row)
    row.kind, row.name, row.source, row.replaces = data.kind, data.name.strip(), data.source, data.replaces
    row.updated_at, row.updated_by = utcnow(), actor_name(actor)
    session.flush()
    action = "created" if before is None else "updated"
    _log(session, actor, centre_id, "calendar_day", day.isoformat(), action, before, _day_snapshot(row))
    return row


def delete_day(session: Session, actor: Principal, centre_id: int, day: date) -> None:
    row = session.execute(
        select(CalendarDay).where(CalendarDay.centre_id == centre_id, CalendarDay.day == day)
    ).scalar_one_or_none()
    if row is None:
        raise not_found("ngày trong lịch của trung tâm", "calendar_day_not_found")
    before = _day_snapshot(row)
    session.delete(row)
    session.flush()
    _log(session, actor, centre_id, "calendar_day", day.isoformat(), "deleted", before, None)


def list_changes(session: Session, centre_id: int, limit: int = 200) -> list[CalendarChange]:
    stmt = select(CalendarChange).where(CalendarChange.centre_id == centre_id)
    return list(session.execute(stmt.order_by(CalendarChange.id.desc()).limit(limit)).scalars())
