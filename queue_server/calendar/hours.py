"""Working and receiving hours with effective dates (BD19 Đ.5 k.1, k.2, k.4)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time

from .errors import CalendarError


@dataclass(frozen=True)
class Session:
    """One stretch of office time within a day, [start, end)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not isinstance(value, time):
                raise CalendarError(f"Session bounds must be datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise CalendarError("Session bounds are local wall-clock times and carry no tzinfo")
        if self.start >= self.end:
            raise CalendarError(f"Session must start before it ends: {self.start}–{self.end}")

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


def _sessions(value: Iterable[Session], what: str, effective_from: date) -> tuple[Session, ...]:
    sessions = tuple(value)
    if not sessions:
        raise CalendarError(f"{what} hours from {effective_from} have no session")
    for s in sessions:
        if not isinstance(s, Session):
            raise CalendarError(f"{what} hours from {effective_from}: {s!r} is not a Session")
    for earlier, later in zip(sessions, sessions[1:]):
        if later.start < earlier.end:
            raise CalendarError(
                f"{what} hours from {effective_from}: sessions must be in order and not overlap "
                f"({earlier.start}–{earlier.end}, {later.start}–{later.end})"
            )
    return sessions


class _Inherit:
    """The cut-off of an hours entry that does not set its own: the calendar's (16:00 by default)."""

    def __repr__(self) -> str:
        return "INHERIT"


INHERIT = _Inherit()


@dataclass(frozen=True)
class HoursEntry:
    """The hours in force from `effective_from` until the next entry takes over.

    `saturday`: sessions on ordinary Saturdays (a Saturday-morning desk). They receive dossiers
    but do not make Saturday a working day: a dossier received then counts from the next working
    day (BP Đ.12 k.1 đ.d). `cutoff`: after it a receipt counts from the next working day (None: no
    cut-off; INHERIT: the calendar's); `counts_from`: the clock time it then counts from (AG Đ.15
    k.4 đ.b: "từ 7 giờ 00 phút ngày làm việc tiếp theo"; None: the next working day's opening).
    """

    effective_from: date
    working: tuple[Session, ...]
    receiving: tuple[Session, ...]
    saturday: tuple[Session, ...] = ()
    cutoff: time | None | _Inherit = INHERIT
    counts_from: time | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.effective_from, date):
            raise CalendarError(f"effective_from must be a date, got {self.effective_from!r}")
        object.__setattr__(self, "working", _sessions(self.working, "Working", self.effective_from))
        object.__setattr__(self, "receiving", _sessions(self.receiving, "Receiving", self.effective_from))
        if self.saturday:
            object.__setattr__(self, "saturday", _sessions(self.saturday, "Saturday", self.effective_from))
        for name in ("cutoff", "counts_from"):
            value = getattr(self, name)
            if value is not None and value is not INHERIT and (not isinstance(value, time) or value.tzinfo is not None):
                raise CalendarError(f"{name} must be a naive datetime.time or None, got {value!r}")

    @property
    def opening(self) -> time:
        return self.working[0].start

    @property
    def closing(self) -> time:
        return self.working[-1].end


DEFAULT_WORKING = (Session(time(7, 30), time(11, 30)), Session(time(13, 0), time(17, 0)))  # BD19 Đ.5 k.1
DEFAULT_RECEIVING = (Session(time(7, 30), time(11, 0)), Session(time(13, 0), time(16, 30)))  # BD19 Đ.5 k.2


@dataclass(frozen=True)
class HoursSchedule:
    """A centre's or agency's hours over time: each entry holds until the next one's date.

    Entries may be given as HoursEntry or as (effective_from, working, receiving) tuples.
    """

    entries: Sequence[HoursEntry] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        entries = []
        for raw in self.entries:
            if isinstance(raw, HoursEntry):
                entries.append(raw)
            elif isinstance(raw, (tuple, list)) and len(raw) == 3:
                entries.append(HoursEntry(raw[0], tuple(raw[1]), tuple(raw[2])))
            else:
                raise CalendarError(
                    f"Hours entry must be HoursEntry or (effective_from, working, receiving), got {raw!r}"
                )
        if not entries:
            raise CalendarError("An hours schedule needs at least one entry")
        entries.sort(key=lambda e: e.effective_from)
        for earlier, later in zip(entries, entries[1:]):
            if earlier.effective_from == later.effective_from:
                raise CalendarError(f"Two hours entries take effect on {later.effective_from}")
        object.__setattr__(self, "entries", tuple(entries))
        object.__setattr__(self, "_starts", [e.effective_from for e in entries])

    @classmethod
    def default(cls) -> HoursSchedule:
        """07:30–11:30, 13:00–17:00 working; 07:30–11:00, 13:00–16:30 receiving, since forever."""
        return cls([HoursEntry(date.min, DEFAULT_WORKING, DEFAULT_RECEIVING)])

    def in_force(self, day: date) -> HoursEntry:
        """The entry that applies on `day`."""
        index = bisect.bisect_right(self._starts, day) - 1  # type: ignore[attr-defined]
        if index < 0:
            raise CalendarError(f"No working hours are defined for {day} (schedule starts {self._starts[0]})")  # type: ignore[attr-defined]
        return self.entries[index]

    def changed_from(
        self, effective_from: date, working: Iterable[Session], receiving: Iterable[Session]
    ) -> HoursSchedule:
        """A copy with new hours from `effective_from` on (an announced change, Đ.5 k.4)."""
        return HoursSchedule([*self.entries, HoursEntry(effective_from, tuple(working), tuple(receiving))])
