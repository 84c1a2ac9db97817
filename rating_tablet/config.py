"""The tablet's configuration: a JSON file named by --config or MOTCUA_TABLET_CONFIG."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

ENV_VAR = "MOTCUA_TABLET_CONFIG"


class ConfigError(Exception):
    """The configuration file is missing or wrong; the message says what to fix."""


@dataclass(frozen=True)
class TabletConfig:
    server_url: str = "http://127.0.0.1:8000"
    device_token: str = ""
    idle_timeout_s: float = 45.0  # a question left unanswered this long goes back to the welcome screen
    thanks_timeout_s: float = 5.0
    fullscreen: bool = True
    language: str = "vi"
    outbox_path: str = "rating-outbox.sqlite3"
    show_photo: bool = True
    send_interval_s: float = 2.0  # how often the outbox retries while the server is unreachable
    camera_url: str | None = None  # a camera to read the device's enrolment QR at first start (no token yet)


def load_config(path: str | os.PathLike | None) -> TabletConfig:
    path = path or os.environ.get(ENV_VAR)
    if not path:
        raise ConfigError(f"no configuration: pass --config FILE or set {ENV_VAR}")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a JSON object")
    names = {f.name for f in fields(TabletConfig)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    cfg = TabletConfig(**data)
    problems = []
    if not cfg.server_url.startswith(("http://", "https://")):
        problems.append("server_url must start with http:// or https://")
    if not cfg.device_token and not cfg.camera_url:
        problems.append(
            "device_token is required (an admin creates a tablet device bound to the counter),"
            " or a camera_url to scan the device's enrolment QR at first start"
        )
    if cfg.language not in ("vi", "en"):
        problems.append("language must be 'vi' or 'en'")
    if not 5 <= cfg.idle_timeout_s <= 600 or not 1 <= cfg.thanks_timeout_s <= 60:
        problems.append("idle_timeout_s must be 5–600 and thanks_timeout_s 1–60")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    outbox = Path(cfg.outbox_path)
    if not outbox.is_absolute():  # relative to the configuration file, not the working directory
        cfg = TabletConfig(**{**data, "outbox_path": str(Path(path).resolve().parent / outbox)})
    return cfg
