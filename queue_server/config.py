"""The one `Settings` object: read once at start-up from MOTCUA_* environment variables and an
optional JSON file, then handed explicitly to whatever needs it (the app keeps it on
`app.state.settings`; request handlers take it as the `AppSettings` dependency and pass services
the values they need).

Adding a setting: add a typed field here (with a comment saying what it is for), a row to the
README's configuration table, and pass the value down from the router or the job that calls the
service. A MOTCUA_ variable or a settings-file key that is not a field is refused at start-up,
naming it — so a misspelt setting never silently falls back to its default.
"""

from __future__ import annotations

import difflib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_SECRET = "change-me-demo-only"
ENV_PREFIX = "MOTCUA_"

DEFAULT_PRIORITY_CLASSES: dict[str, str] = {
    "elderly": "Người cao tuổi",
    "disabled": "Người khuyết tật",
    "pregnant": "Phụ nữ mang thai",
    "infant": "Người đưa theo trẻ nhỏ",
    "veteran": "Người có công với cách mạng",
}

# MOTCUA_ variables that are not server settings, and so are not refused. Each is read by someone
# else: the settings-file pointer itself, the test suite's switches, and the kiosk's and tablet's
# own variables (an app may run on the server's box, with the same environment).
NOT_SETTINGS = {
    "MOTCUA_SETTINGS_FILE": "the JSON settings file (read here)",
    "MOTCUA_REQUIRE_POSTGRES": "tests: fail instead of skipping when PostgreSQL is unreachable (CI)",
    "MOTCUA_TEST_POSTGRES": "tests and benches: the PostgreSQL database to make private schemas in",
    "MOTCUA_UPDATE_SCREENSHOTS": "tests: copy screenshots into docs/screenshots",
    "MOTCUA_TEST_CONTROL_PORT": "tests: the kiosk's and tablet's test control channel (control_channel/)",
}
NOT_SETTINGS_PREFIXES = ("MOTCUA_KIOSK_", "MOTCUA_TABLET_")  # the apps' own variables (kiosk/, rating_tablet/)


class UnknownSettings(ValueError):
    """MOTCUA_ variables or settings-file keys that name no setting."""


class InsecureSecret(RuntimeError):
    """The demo's published secret key, or a short one, outside demo mode."""


def _unknown(names: list[str], known: list[str], where: str) -> UnknownSettings:
    parts = []
    for name in sorted(names):
        close = difflib.get_close_matches(name, known, n=1)
        parts.append(f"{name} (có phải {close[0]}?)" if close else name)
    return UnknownSettings(f"{where} không phải thiết lập nào: {', '.join(parts)}")


def unknown_variables(environ: dict[str, str], settings_cls: type[BaseSettings]) -> list[str]:
    """The MOTCUA_ variables of `environ` that are neither a setting nor one of NOT_SETTINGS."""
    fields = {ENV_PREFIX + name.upper() for name in settings_cls.model_fields}
    return [
        name
        for name in environ
        if name.upper().startswith(ENV_PREFIX)
        and name.upper() not in fields
        and name.upper() not in NOT_SETTINGS
        and not name.upper().startswith(NOT_SETTINGS_PREFIXES)
    ]


class _CheckedEnvSource(EnvSettingsSource):
    """The environment, refusing MOTCUA_ variables that name no setting."""

    def __call__(self) -> dict[str, Any]:
        unknown = unknown_variables(dict(os.environ), self.settings_cls)
        if unknown:
            known = [ENV_PREFIX + n.upper() for n in self.settings_cls.model_fields]
            raise _unknown(unknown, known, "biến môi trường MOTCUA_")
        return super().__call__()


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
        known = list(self.settings_cls.model_fields)
        unknown = [key for key in data if key not in known]
        if unknown:
            raise _unknown(unknown, known, f"khóa trong {path}")
        return data


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    data_dir: Path = Path("data")
    database_url: str | None = None  # default: sqlite in data_dir
    redis_url: str | None = None  # fan-out between workers; None = in-process or DB tail
    # -- the database connection budget (PostgreSQL; issue 21) ---------------------------------
    # Connections all workers of all hosts may hold together; each worker's pool is its equal share
    # (no overflow). Checked at start-up against PostgreSQL's max_connections (db.check_connection_budget).
    db_connections: int = Field(60, ge=2, le=100_000)
    db_reserved_connections: int = Field(10, ge=0, le=10_000)  # kept free for psql, backups, commands
    workers: int = Field(1, ge=1, le=256)  # worker processes of this host (set by `run --workers`)
    hosts: int = Field(1, ge=1, le=256)  # application hosts sharing the database and the budget
    # Behind PgBouncer in transaction mode: no server-side prepared statements, and the budget is
    # PgBouncer's to enforce (its pool, not max_connections), so the start-up check is skipped.
    db_pgbouncer: bool = False
    secret_key: str = DEFAULT_SECRET
    demo: bool = False
    timezone: str = "Asia/Ho_Chi_Minh"
    public_base_url: str = "http://127.0.0.1:8000"

    access_token_minutes: int = 12 * 60
    max_body_bytes: int = 1_000_000
    # Bodies of the administrators' file uploads (api.UPLOAD_ROUTES: the catalogue import), for a
    # caller carrying a valid staff token; anyone else gets `max_body_bytes` there too.
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1_000_000, le=1024 * 1024 * 1024)
    # HTTP requests in flight per worker; must stay below worker_threads (see app.RequestGate).
    max_requests_in_flight: int = 16
    # The threads that run blocking work (database sessions) for the event loop: anyio's default
    # limiter, set explicitly at start-up (queue_server/runtime) rather than assumed to be 40.
    worker_threads: int = Field(40, ge=2, le=1000)

    # -- speed: queue_server/runtime/ (everything that exists only to be fast) ----------------
    # Off: the plain path everywhere (library defaults, no private internals touched); the
    # behaviour is the same, only slower. Also off by itself when a library's internals changed.
    fast_path: bool = True
    # How long a thread may hold the GIL while another waits (Python's default: 5 ms). The event
    # loop shares it with the database threads; at 5 ms a request waits for every DB thread's turn.
    gil_switch_interval_s: float = Field(0.001, gt=0, le=0.1)
    # Ticket issuing: how long a batch may wait for the callers just answered to come back
    # before it starts with those already waiting (0: never wait). See tickets/batching.py.
    issue_gather_ms: float = Field(5.0, ge=0, le=50)

    # -- queue ------------------------------------------------------------------------------
    max_recalls: int = 3
    requeue_places_back: int = 3
    # A visitor marked absent (skip without re-queue) may be called back this many minutes after,
    # from the console's "Vắng mặt" list or by number; 0: never (docs/queue-policy.md).
    missed_recall_minutes: int = Field(30, ge=0, le=24 * 60)
    default_service_s: int = 300
    priority_classes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY_CLASSES))
    ws_heartbeat_s: float = 15.0
    ws_replay_limit: int = 2000
    # A stream's authorisation is cached per worker this long (0: read it at every handshake);
    # revocations and user changes drop it at once (realtime/access.py).
    ws_auth_cache_s: float = Field(60.0, ge=0, le=3600)
    # Reconnect storms: handshakes admitted per second per worker; one that would wait longer than
    # ws_admission_wait_s for its turn is closed with 1013 and a retry hint (retry_after_ms=N).
    ws_handshakes_per_s: float = Field(250.0, gt=0, le=100_000)
    ws_admission_wait_s: float = Field(2.0, ge=0, le=60)
    db_tail_interval_s: float = 0.2
    announcement_template: str = "Mời công dân có số thứ tự {number} đến quầy số {counter}"

    # -- appointments and remote numbers (queue_server/appointments, docs/queue-policy.md) ----
    # A booked visitor checks in at the kiosk from this many minutes before the slot (earlier: told
    # when to come back) until this many minutes after its start (later: a walk-in ticket; a booking
    # never checked in by then counts as a no-show).
    checkin_early_minutes: int = Field(15, ge=0, le=240)
    checkin_grace_minutes: int = Field(15, ge=0, le=240)
    # Public booking requests (book, cancel, reschedule, find) per client address; a wrong phone for
    # a booking code counts against `lookup_code_failure_limit` as the dossier lookup's digits do.
    booking_rate_limit_per_minute: int = Field(10, ge=1, le=100_000)
    # A number taken from the phone (lấy số từ xa) called this many times without the visitor coming
    # goes to the counter's «Vắng mặt» list instead of back into the queue.
    remote_absent_after_calls: int = Field(2, ge=1, le=10)

    # -- notifications (queue_server/notifications, README § Notifications) ---------------------
    # Where messages to visitors go, by URL: "log://" (a masked line in the server log) or an Apprise
    # URL ("json://…", "mailto://…", an SMS gateway), "{phone}" replaced by the recipient's number.
    # Empty: off (nothing is queued).
    notify_url: str = Field("", max_length=2000)
    notify_max_attempts: int = Field(5, ge=1, le=100)  # failed sends before a message is marked failed
    notify_retry_initial_s: float = Field(30.0, gt=0, le=3600)  # first retry's wait; doubles, with jitter
    notify_retry_max_s: float = Field(3600.0, gt=0, le=86_400)  # the longest wait between two tries
    notify_poll_interval_s: float = Field(2.0, gt=0, le=3600)  # how often the sender looks for due messages
    # A booked visitor who agreed to messages is told «còn N người nữa đến lượt bạn» when a call
    # leaves exactly this many tickets ahead of theirs.
    notify_near_ahead: int = Field(3, ge=1, le=50)
    # From this hour (centre time) the day before, booked visitors who agreed to messages are sent
    # one reminder of tomorrow's appointment (notifications/reminders.py).
    notify_reminder_hour: int = Field(17, ge=0, le=23)

    # -- dossiers ---------------------------------------------------------------------------
    dossier_code_layout: str = "bp"  # "bp" (TT 01/2018, 25 chars) or "ag" (22 chars)
    lookup_rate_limit_per_minute: int = Field(10, ge=1, le=10_000)  # public lookups per client address
    # The ticket page (/t/<token>): page loads, reads and stream connections per client address. Higher
    # than the lookup's: visitors on the centre's Wi-Fi may reach the server from one address.
    ticket_page_rate_limit_per_minute: int = Field(120, ge=1, le=100_000)
    sync_hmac_secret: str | None = None
    sync_watch_dir: Path | None = None
    sync_poll_interval_s: float = 2.0
    sweep_interval_s: float = 300.0
    holiday_override_files: list[Path] = Field(default_factory=list)
    uncollected_after_days: int = 60  # BD19 Đ.10 k.4
    online_acceptance_hours: float = 8  # BD23 Đ.10; AG Đ.15
    # The printed receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) and its printer.
    receipt_printer_url: str | None = None  # default: emulator://<data_dir>/receipts
    receipt_authority: str = "UBND TỈNH"  # header line above the centre name (agency level)
    receipt_place: str = ""  # "Thủ Dầu Một" → "Thủ Dầu Một, ngày … tháng … năm …"
    receipt_agency_head_contact: str = ""  # Thủ trưởng đơn vị giải quyết TTHC: phone, email
    receipt_provincial_office_contact: str = ""  # Văn phòng UBND tỉnh: email, phone
    receipt_inspection_contact: str = ""  # Tổ Kiểm tra cải cách hành chính: email, phone
    receipt_lookup_websites: str = ""  # extra lookup addresses besides our own /l page
    receipt_zalo_account: str = ""

    # -- periodic reports -------------------------------------------------------------------
    # The day a reporting month starts (statistics cut-off): 1 = calendar months; 15 = ĐN Đ.24 k.9
    # (6-month period 15/12 → 14/06); 20 = AG Đ.25 k.7. Presets month/quarter/half/year follow it.
    report_cutoff_day: int = Field(1, ge=1, le=28)
    report_signer_title: str = Field("THỦ TRƯỞNG ĐƠN VỊ", max_length=200)  # signs the PDF report
    report_signer_name: str = Field("", max_length=200)

    # -- ratings and dashboards -------------------------------------------------------------
    rating_window_s: int = 600
    pause_alert_s: int = 900  # dashboard: a counter paused longer than this
    device_offline_s: int = Field(120, ge=30, le=86_400)  # dashboard: a device not seen for longer than this
    device_check_interval_s: float = Field(10.0, gt=0, le=600)  # how often silent devices are looked for

    # -- backups (queue_server/backups) ------------------------------------------------------
    # The daily backup, taken by the running server at this centre-local time ("off": none), into
    # backup_dir (default: <data_dir>/backups), kept this many days.
    backup_time: str = Field("02:00", pattern=r"^(off|([01][0-9]|2[0-3]):[0-5][0-9])$")
    backup_dir: Path | None = None
    backup_retention_days: int = Field(30, ge=1, le=3650)

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
    # The installation's name in a Redis shared by several: the rate limits' keys and the events'
    # and access changes' pub/sub channels (`<prefix>:events`, `<prefix>:access`) carry it.
    redis_prefix: str = Field("motcua", min_length=1, max_length=40)
    # Its former name, when it named only the rate limits' keys: still read, as `redis_prefix`.
    rate_limit_key_prefix: str | None = Field(None, min_length=1, max_length=40)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, _CheckedEnvSource(settings_cls), _FileSource(settings_cls), file_secret_settings)

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

    @model_validator(mode="after")
    def _redis_prefix_by_its_former_name(self) -> Settings:
        if self.rate_limit_key_prefix is not None:
            if "redis_prefix" in self.model_fields_set and self.redis_prefix != self.rate_limit_key_prefix:
                raise ValueError(
                    "redis_prefix and rate_limit_key_prefix (its former name) differ: set redis_prefix only"
                )
            self.redis_prefix = self.rate_limit_key_prefix
        return self

    @model_validator(mode="after")
    def _gate_below_threads(self) -> Settings:
        # A request's database work spans several thread hops; with as many requests in flight as
        # threads, the one holding the write lock could wait forever for a thread to commit on.
        if self.max_requests_in_flight >= self.worker_threads:
            raise ValueError("max_requests_in_flight must be smaller than worker_threads")
        return self

    @property
    def pool_size_per_worker(self) -> int:
        """This worker's share of `db_connections` (its pool, no overflow)."""
        return max(1, self.db_connections // (self.workers * self.hosts))

    @property
    def effective_backup_dir(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'motcua.sqlite3').resolve()}"

    def check_secret(self) -> None:
        """Refuse the well-known default secret outside demo mode."""
        if not self.demo and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 16):
            raise InsecureSecret(
                "MOTCUA_SECRET_KEY là khóa mặc định của bản demo hoặc quá ngắn (dưới 16 ký tự); "
                "hãy đặt một khóa bí mật thật, hoặc chạy `motcua-server demo`."
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
