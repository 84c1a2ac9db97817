"""Everything that exists only to be fast (see issue 14: fenced, switched by settings)."""

from __future__ import annotations

from ..config import Settings

COALESCING_PROTOCOL = "queue_server.realtime.wsprotocol:CoalescingWebSocketProtocol"


def websocket_protocol(settings: Settings) -> str:
    """The `--ws` protocol uvicorn runs: the coalescing one on the fast path, else uvicorn's own."""
    return COALESCING_PROTOCOL if settings.fast_path else "websockets-sansio"
