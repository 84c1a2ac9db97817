"""Rate limits on the `limits` library: moving windows, in Redis when configured.

With `redis_url` every worker (and host) counts in the same Redis keys, so four workers do not
give a client four allowances; without it each worker counts alone, which the log says at
start-up. If Redis cannot be reached the limits fall back to the worker's own memory (logged
once) rather than failing the request: a Redis outage degrades the limits, it does not take the
sign-in or the lookup down.

Limits are written in the library's notation ("10 per minute; 50 per 90 days"); keys are hashed
(no dossier code, username or address is stored as such).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import DomainError

log = logging.getLogger(__name__)

TOO_MANY_MESSAGE = "Bạn thao tác quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau."


def too_many(message: str = TOO_MANY_MESSAGE) -> DomainError:
    return DomainError("rate_limited", message, 429)


class RateLimits:
    """The process's limiter: `hit` counts and answers whether the caller is still within every limit."""

    def __init__(self, redis_url: str | None, key_prefix: str = "motcua"):
        self.prefix = key_prefix
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared = None
        if redis_url:
            storage = storage_from_string(
                redis_url,
                key_prefix=f"{key_prefix}:limits",
                wrap_exceptions=True,
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )
            self.shared = MovingWindowRateLimiter(storage)
            log.info("rate limits are shared by every worker through Redis")
        else:
            log.info("rate limits are per worker process (no MOTCUA_REDIS_URL): each worker counts on its own")
        self._warned = threading.Event()

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def parse(limits: str) -> tuple[RateLimitItem, ...]:
        return tuple(parse_many(limits))

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{self.prefix}:{key}".encode()).hexdigest()[:32]

    def _call(self, method: str, items, namespace: str, key: str) -> bool:
        ident = self._key(key)
        if self.shared is not None:
            try:
                return all([getattr(self.shared, method)(item, namespace, ident) for item in items])
            except StorageError as exc:
                if not self._warned.is_set():
                    self._warned.set()
                    log.warning("rate limits: Redis unavailable (%s); counting per worker", type(exc).__name__)
        return all([getattr(self.memory, method)(item, namespace, ident) for item in items])

    def hit(self, items, namespace: str, key: str) -> bool:
        """Count one more for `key`; False if that passed any of `items` (the request is refused)."""
        return self._call("hit", items, namespace, key)

    def allows(self, items, namespace: str, key: str) -> bool:
        """Whether one more would still be within every limit (counts nothing)."""
        return self._call("test", items, namespace, key)

    def check(self, items, namespace: str, key: str, message: str = TOO_MANY_MESSAGE) -> None:
        """Count one more; 429 with `message` beyond a limit."""
        if not self.hit(items, namespace, key):
            raise too_many(message)


def client_address(request) -> str:
    """The client's address: the peer, or what a trusted proxy says (`Settings.trusted_proxies`)."""
    return request.client.host if request.client else "unknown"
