"""Log redaction: tokens, phone numbers, lookup tokens and CCCD numbers never reach a log line.

Installed as a filter on every handler of the server's logging configuration (see
`serve.logging_config`), so it covers uvicorn's access log (paths and query strings), uvicorn's
error log and the application's own loggers, tracebacks included. What it hides:

- query parameters that carry secrets (`token`, `access_token`, `phone*`, `citizen_id`, `cccd`,
  `password`, `secret`, `signature`), whatever the path;
- the token segment of the public paths `/t/…`, `/l/…`, `/tickets/track/…`;
- device tokens (`mdv_…`), JSON web tokens (`eyJ….….…`), `Bearer …` values;
- 12-digit CCCD numbers and Vietnamese phone numbers (0 or +84 followed by 9–10 digits).
"""

from __future__ import annotations

import logging
import re

MASK = "***"

_QUERY = re.compile(
    r"(?i)([?&;](?:token|access_token|phone[a-z0-9_]*|citizen_id|cccd|password|secret|signature|sig)=)[^&;\s\"']*"
)
_PATH = re.compile(r"(/(?:t|l|tickets/track)/)[^/?\s\"']+")
_PATTERNS = [
    (re.compile(r"mdv_[A-Za-z0-9_\-]+"), "mdv_" + MASK),
    (re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), MASK),
    (re.compile(r"(?i)(bearer\s+)\S+"), r"\1" + MASK),
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), MASK),  # CCCD
    (re.compile(r"(?<![\d.])(?:\+?84|0)[ .\-]?\d{2,3}(?:[ .\-]?\d{3}){2}(?![\d.])"), MASK),  # phone numbers
    (re.compile(r"(?i)(\"(?:token|access_token|phone[a-z0-9_]*|citizen_id|password)\"\s*:\s*\")[^\"]*"), r"\1" + MASK),
]


def redact(text: str) -> str:
    if not text:
        return text
    text = _QUERY.sub(r"\1" + MASK, text)
    text = _PATH.sub(r"\1" + MASK, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and traceback) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True  # several handlers share one record
        record._redacted = True
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            # (client, method, path with query, http version, status): the formatter needs the tuple
            record.args = (args[0], args[1], redact(str(args[2])), args[3], args[4])
        else:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record is logged as it is
                return True
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (default: the root logger) and of uvicorn's loggers."""
    names = [None, "uvicorn", "uvicorn.error", "uvicorn.access"] if logger is None else [logger.name]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
