"""The kiosk's configuration file (JSON), read once at start-up."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

ENV_VAR = "MOTCUA_KIOSK_CONFIG"


class ConfigError(Exception):
    """The configuration file is missing or wrong; the message says what to fix."""


@dataclass(frozen=True)
class KioskConfig:
    server_url: str = "http://127.0.0.1:8000"
    device_token: str = ""
    printer_url: str | None = None  # e.g. "emulator:///var/lib/motcua/printer"
    camera_url: str | None = None  # "camera://0", "image://receipt.png", or None = typed entry only
    language: str = "vi"  # "vi" or "en"
    idle_timeout_s: float = 60.0
    orientation: str = "landscape"  # or "portrait"
    font_scale: float = 1.0
    issue_retry_s: float = 20.0  # how long a tap on a service keeps retrying an unreachable server
    search_debounce_s: float = 0.35
    printer_check_s: float = 10.0  # how often the printer's status is read (and, at most, re-read while at fault)
    heartbeat_s: float = 30.0  # how often the kiosk tells the server it is alive (and at once on a hardware change)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["device_token"] = "***" if self.device_token else ""
        return data


def _check(cfg: KioskConfig) -> KioskConfig:
    problems = []
    if not cfg.server_url.startswith(("http://", "https://")):
        problems.append("server_url must start with http:// or https://")
    if not cfg.device_token and not cfg.camera_url:
        problems.append(
            "device_token is required (create a kiosk device as admin: POST /api/v1/devices), or a camera_url"
            " to scan the device's enrolment QR at first start"
        )
    if cfg.language not in ("vi", "en"):
        problems.append("language must be 'vi' or 'en'")
    if cfg.orientation not in ("landscape", "portrait"):
        problems.append("orientation must be 'landscape' or 'portrait'")
    if not 5 <= cfg.idle_timeout_s <= 3600:
        problems.append("idle_timeout_s must be between 5 and 3600")
    if not 0.5 <= cfg.font_scale <= 3:
        problems.append("font_scale must be between 0.5 and 3")
    if not 0.5 <= cfg.printer_check_s <= 600:
        problems.append("printer_check_s must be between 0.5 and 600")
    if not 1 <= cfg.heartbeat_s <= 60:
        problems.append("heartbeat_s must be between 1 and 60 (the server calls a device offline after 120 s)")
    if problems:
        raise ConfigError("; ".join(problems))
    return cfg


def parse_config(data: dict) -> KioskConfig:
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a JSON object")
    known = {f.name: f for f in fields(KioskConfig)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(known)}")
    values = {}
    for name, value in data.items():
        if value in ("", "none") and name in ("printer_url", "camera_url"):
            value = None
        if name in (
            "idle_timeout_s",
            "font_scale",
            "issue_retry_s",
            "search_debounce_s",
            "printer_check_s",
            "heartbeat_s",
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number")
            value = float(value)
        elif value is not None and not isinstance(value, str):
            raise ConfigError(f"{name} must be a string")
        values[name] = value
    return _check(KioskConfig(**values))


def load_config(path: str | os.PathLike | None = None) -> KioskConfig:
    """Read the file named by ``path`` or $MOTCUA_KIOSK_CONFIG."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        raise ConfigError(f"no configuration: pass --config FILE or set {ENV_VAR}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    return parse_config(data)
