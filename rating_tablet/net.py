"""The tablet's calls to the server, on top of the shared client (queue_server/client.py)."""

from __future__ import annotations

from queue_server.client import AsyncQueueClient, Call, EventStream, ServerError, Unreachable

__all__ = ["TabletClient", "EventStream", "ServerError", "Unreachable"]


class TabletClient(AsyncQueueClient):
    def counter(self, counter_id: int):
        return self._send(Call("GET", f"/api/v1/counters/{counter_id}"))

    def criteria(self):
        return self._send(Call("GET", "/api/v1/ratings/criteria"))

    def post_rating(self, body: dict):
        return self._send(Call("POST", "/api/v1/ratings", json=body))
