"""The working calendar: working days, receipt rules, due dates and working hours.

Pure domain code (no database); dossiers and the HTTP layer call it.
"""

from .errors import CalendarError
from .hours import HoursEntry, HoursSchedule, Session
from .overrides import OverrideEntry, OverrideFile, builtin_override_files, load_overrides
from .working_calendar import VN_TZ, DayInfo, DueDate, WorkingCalendar, calendar_warnings, default_calendar

__all__ = [
    "VN_TZ",
    "CalendarError",
    "DayInfo",
    "DueDate",
    "HoursEntry",
    "HoursSchedule",
    "OverrideEntry",
    "OverrideFile",
    "Session",
    "WorkingCalendar",
    "builtin_override_files",
    "calendar_warnings",
    "default_calendar",
    "load_overrides",
]
