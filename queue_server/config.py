"""Settings, read once at start-up from MOTCUA_* environment variables and an optional file."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_SECRET = "change-me-demo-only"

DEFAULT_PRIORITY_CLASSES: dict[str, str] = {
    "elderly": "Người cao tuổi",
    "disabled": "Người khuyết tật",
    "pregnant": "Phụ nữ mang thai",
    "infant": "Người đưa theo trẻ nhỏ",
    "veteran": "Người có công với cách mạng",
}


class _FileSource(PydanticBaseSettingsSource):
    """Values from the JSON file named by MOTCUA_SETTINGS_FILE (environment variables win)."""

    def get_field_value(self, field, field_name):  # pragma: no cover - required by the ABC
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("MOTCUA_SETTINGS_FILE")
        if not path:
            return {}
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: the settings file must hold a JSON object")
        return data


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = None  # default: sqlite in data_dir
    redis_url: str | None = None  # fan-out between workers; None = in-process or DB tail
    secret_key: str = DEFAULT_SECRET
    demo: bool = False
    timezone: str = "Asia/Ho_Chi_Minh"
    public_base_url: str = "http://127.0.0.1:8000"

    access_token_minutes: int = 12 * 60
    max_body_bytes: int = 1_000_000
    max_requests_in_flight: int = 16  # per worker; must stay below the threadpool size (40)
    # How long a thread may hold the GIL while another waits (Python's default: 5 ms). The event
    # loop shares it with the database threads; at 5 ms a request waits for every DB thread's turn.
    gil_switch_interval_s: float = Field(0.001, gt=0, le=0.1)
    # Ticket issuing: how long a batch may wait for the callers just answered to come back
    # before it starts with those already waiting (0: never wait). See tickets/batching.py.
    issue_gather_ms: float = Field(5.0, ge=0, le=50)
    max_recalls: int = 3
    requeue_places_back: int = 3
    default_service_s: int = 300
    ws_heartbeat_s: float = 15.0
    ws_replay_limit: int = 2000
    db_tail_interval_s: float = 0.2
    priority_classes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY_CLASSES))
    dossier_code_layout: str = "bp"  # "bp" (TT 01/2018, 25 chars) or "ag" (22 chars)
    lookup_rate_limit_per_minute: int = Field(10, ge=1, le=10_000)  # public lookups per client address
    sync_hmac_secret: str | None = None
    sync_watch_dir: Path | None = None
    rating_window_s: int = 600
    pause_alert_s: int = 900  # dashboard: a counter paused longer than this
    device_offline_s: int = 600  # dashboard: a device not seen for longer than this
    holiday_override_files: list[Path] = Field(default_factory=list)
    announcement_template: str = "Mời công dân có số thứ tự {number} đến quầy số {counter}"

    # -- hardening (queue_server/security, SECURITY.md) ----------------------------------------
    # What one connection may send before the application sees it; enforced by the HTTP protocol
    # `security.http.LimitedHttpToolsProtocol` (431 / 414 / 408), which `motcua-server run` serves with.
    max_request_line_bytes: int = Field(8 * 1024, ge=256, le=64 * 1024)
    max_header_bytes: int = Field(32 * 1024, ge=1024, le=1024 * 1024)  # request line + all headers
    max_headers: int = Field(100, ge=8, le=1000)
    header_timeout_s: float = Field(10.0, gt=0, le=300)  # a request's head must arrive within this
    body_timeout_s: float = Field(30.0, gt=0, le=600)  # and its body within this after the head
    ws_max_message_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)  # clients only send pings
    # Addresses (or networks, CIDR) of reverse proxies whose X-Forwarded-For is believed. Empty:
    # nobody's — the peer address is the client, whatever the headers say.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Rate limits (limits' notation, e.g. "10 per minute; 100 per day"); shared by every worker
    # through Redis when `redis_url` is set, per worker otherwise (logged at start-up).
    login_address_limit: str = "30 per minute"  # sign-in attempts from one address
    login_account_failure_limit: str = "10 per 15 minutes"  # wrong passwords for one username
    lookup_code_failure_limit: str = "10 per day; 50 per 90 days"  # wrong phone digits for one dossier code
    rate_limit_key_prefix: str = Field("motcua", min_length=1, max_length=40)  # Redis keys (a shared Redis)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, _FileSource(settings_cls), file_secret_settings)

    @field_validator("dossier_code_layout")
    @classmethod
    def _layout(cls, v: str) -> str:
        if v not in ("bp", "ag"):
            raise ValueError("dossier_code_layout must be 'bp' or 'ag'")
        return v

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: list[str]) -> list[str]:
        import ipaddress

        for entry in v:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {entry!r} is not an IP address or network") from None
        return v

    @field_validator("login_address_limit", "login_account_failure_limit", "lookup_code_failure_limit")
    @classmethod
    def _rate_limit(cls, v: str) -> str:
        from limits import parse_many

        parse_many(v)  # raises ValueError on a malformed limit
        return v

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'motcua.sqlite3').resolve()}"

    def check_secret(self) -> None:
        """Refuse the well-known default secret outside demo mode."""
        if not self.demo and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 16):
            raise RuntimeError(
                "MOTCUA_SECRET_KEY is the demo default or too short (< 16 chars); "
                "set a real secret, or run `motcua-server demo`."
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
