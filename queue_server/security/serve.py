"""How uvicorn serves the app, in one place: the CLI (`motcua-server run`), the tests' server
processes and the benches all start it through `run()`.

- HTTP: `LimitedHttpToolsProtocol` (head, request line, header count, slow clients);
- WebSocket: the coalescing protocol (runtime/wsprotocol.py), messages capped at
  `ws_max_message_bytes` (1009 "message too big" beyond), no per-message deflate;
- both checked at start-up (`runtime.server_protocols`): if the library internals they build on
  changed, uvicorn's own protocols instead, with one log line saying why;
- proxy headers: uvicorn's own handling is off — by default it believes X-Forwarded-For from any
  local process; the app believes it only from `trusted_proxies` (`security.proxies`);
- logging: every handler redacts (`security.redact`).

`python -m queue_server.security.serve --host H --port P [--workers N] [--log-level L]` runs
exactly that, without the CLI's migrations and banner (the tests' and benches' server processes).
"""

from __future__ import annotations

import argparse
import copy
import sys

from ..config import Settings, get_settings

REDACT = {"()": "queue_server.security.redact.RedactingFilter"}


def logging_config() -> dict:
    """uvicorn's logging configuration, with redaction on every handler and the application's
    loggers (the root) printed beside uvicorn's."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": REDACT}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["handlers"]["app"] = {
        "formatter": "default",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "filters": ["redact"],
    }
    config["root"] = {"handlers": ["app"], "level": "INFO"}
    return config


def uvicorn_options(settings: Settings) -> dict:
    from ..runtime import server_protocols

    return {
        # HTTP with limits; WebSocket with one write per board and burst of events (each checked)
        **server_protocols(settings),
        # Per-connection compression costs more CPU than it saves on a LAN of boards.
        "ws_per_message_deflate": False,
        "ws_max_size": settings.ws_max_message_bytes,
        "proxy_headers": False,
        "server_header": False,
        "log_config": logging_config(),
    }


def check_database_budget(settings: Settings, workers: int) -> None:
    """Before any worker starts: the pools of `workers` workers (× `hosts`) must fit PostgreSQL's
    max_connections with the administration reserve; ConnectionBudgetError names the numbers.

    Each worker learns the worker count through MOTCUA_WORKERS and sizes its pool from it."""
    import logging
    import os

    from ..db import check_connection_budget, postgres_limits

    os.environ["MOTCUA_WORKERS"] = str(workers)
    url = settings.effective_database_url
    if not url.startswith("postgresql"):
        return
    processes = workers * settings.hosts
    if settings.db_pgbouncer:
        logging.getLogger(__name__).info(
            "behind PgBouncer: %d connections over %d worker(s); PgBouncer's pool bounds PostgreSQL's",
            settings.db_connections,
            processes,
        )
        return
    max_connections, superuser_reserved = postgres_limits(url)
    per_worker = check_connection_budget(
        budget=settings.db_connections,
        reserve=settings.db_reserved_connections,
        processes=processes,
        max_connections=max_connections,
        superuser_reserved=superuser_reserved,
    )
    logging.getLogger(__name__).info(
        "database budget: %d connections = %d worker(s) × %d host(s) × %d, + %d reserved, of max_connections %d",
        settings.db_connections,
        workers,
        settings.hosts,
        per_worker,
        settings.db_reserved_connections,
        max_connections,
    )


def run(settings: Settings, host: str, port: int, workers: int = 1, log_level: str = "info") -> None:
    import uvicorn

    check_database_budget(settings, workers)

    uvicorn.run(
        "queue_server.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        **uvicorn_options(settings),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queue_server.security.serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    from ..commands import EXIT_FAILED, message_for

    try:
        settings = get_settings()
        settings.check_secret()
        run(settings, args.host, args.port, args.workers, args.log_level)
    except Exception as exc:
        message = message_for(exc)
        if message is None:
            raise
        print(f"Lỗi: {message}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
