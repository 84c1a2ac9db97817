"""What every `motcua-server` command shares: settings, the database, and one way to fail.

A command that cannot do its work raises (`CommandError`, `DomainError`, a database or settings
error); `cli.main` turns any of them into ONE Vietnamese line on standard error and exit code 2
— never a traceback, an SQL statement or the values it carried (a password hash, a token).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from .config import ENV_PREFIX, InsecureSecret, Settings, UnknownSettings
from .db import ConnectionBudgetError, Database
from .errors import DomainError, integrity_to_domain

log = logging.getLogger(__name__)

EXIT_FAILED = 2


class CommandError(Exception):
    """A command refused or failed; `message` is the Vietnamese line the operator reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def load_settings() -> Settings:
    return Settings()


def open_database(settings: Settings) -> Database:
    """The database, migrated to the code's revision."""
    from .migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    return Database(settings.effective_database_url)


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _fields(exc: ValidationError, prefix: str = "") -> str:
    names = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error.get("loc", ()))
        names.append(f"{prefix}{name.upper()}" if prefix else name)
    return ", ".join(dict.fromkeys(n for n in names if n)) or "?"


def message_for(exc: BaseException) -> str | None:
    """The one line an operator reads for a failed command, or None when `exc` is a bug."""
    if isinstance(exc, CommandError):
        return exc.message
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, InsecureSecret | ConnectionBudgetError):
        return str(exc)
    if isinstance(exc, UnknownSettings):
        return f"Cấu hình không hợp lệ: {exc}"
    if isinstance(exc, ValidationError):
        if exc.title == Settings.__name__:
            return f"Cấu hình không hợp lệ: giá trị sai ở {_fields(exc, ENV_PREFIX)}."
        return f"Dữ liệu không hợp lệ ở trường: {_fields(exc)}."
    if isinstance(exc, IntegrityError):
        return integrity_to_domain(exc).message  # the constraint's meaning; never the statement or its values
    if isinstance(exc, OperationalError):
        return "Không kết nối hoặc không ghi được cơ sở dữ liệu; hãy kiểm tra MOTCUA_DATABASE_URL và thử lại."
    if isinstance(exc, SQLAlchemyError):
        return "Lỗi cơ sở dữ liệu; thao tác chưa được thực hiện."
    if isinstance(exc, FileNotFoundError):
        return f"Không tìm thấy tệp hoặc thư mục: {exc.filename}"
    if isinstance(exc, PermissionError):
        return f"Không có quyền truy cập: {exc.filename}"
    if isinstance(exc, OSError):
        return f"Lỗi hệ thống tệp: {exc.strerror or type(exc).__name__}"
    return None
