"""The one error type of the calendar."""


class CalendarError(ValueError):
    """Bad calendar input: a malformed override file, a bad schedule or a naive datetime.

    A ValueError so callers that validate input can catch either.
    """
