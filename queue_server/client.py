"""A small client for the queue server, used by the kiosk and the rating tablet.

Imports only the standard library, httpx and websockets, so an app can use it without the
server's code.

    client = QueueClient("http://127.0.0.1:8000", token="mdv_…")        # blocking
    ticket = client.issue_ticket(service_id=1)                           # dict (TicketRead)

    async with AsyncQueueClient(url, token=token) as client:             # asyncio
        services = await client.services()

    stream = EventStream(url, centre_id=1, token=token)                  # WebSocket events
    async for message in stream:                                         # snapshot, then events
        print(message.type, message.seq, message.data)

Failures are two types: `ServerError(code, message, status)` when the server answered with an
error (``message`` is the server's Vietnamese text, fit to show a visitor), and `Unreachable`
when it could not be reached or did not answer (retry later; a retried `issue_ticket` with the
same ``client_request_id`` never issues twice).

Every retry of the apps — this stream's reconnects, a kiosk's ticket, a tablet's outbox, a
printer or scanner coming back — goes through `retrying`: tenacity with one policy
(exponential backoff with jitter), so nobody writes a sleep-and-try-again loop by hand.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_any,
    stop_before_delay,
    stop_never,
    wait_exponential,
    wait_random_exponential,
)
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .timeutil import VN_TZ  # the apps show the server's UTC times in the centre's zone

log = logging.getLogger(__name__)

__all__ = [
    "HEARTBEAT_INTERVAL_S",
    "app_version",
    "save_enrolment",
    "send_heartbeats",
    "AsyncQueueClient",
    "Call",
    "EventStream",
    "Message",
    "QueueClient",
    "ServerError",
    "Unreachable",
    "VN_TZ",
    "nap",
    "new_request_id",
    "retry_unreachable",
    "retrying",
]

UNREACHABLE_MESSAGE = "Mất kết nối máy chủ — đang thử lại…"
# A gateway answering for a server that is down is the same, for a kiosk, as no answer at all.
_GATEWAY_STATUSES = {502, 503, 504}


class ServerError(Exception):
    """The server refused the request; ``message`` is its Vietnamese explanation."""

    def __init__(self, code: str, message: str, status: int, extra: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}


class Unreachable(Exception):
    """No answer from the server (refused, timed out, gateway error). Safe to retry."""

    def __init__(self, detail: str = "", message: str = UNREACHABLE_MESSAGE):
        super().__init__(detail or message)
        self.message = message
        self.detail = detail


def new_request_id(prefix: str = "kiosk") -> str:
    """An idempotency key for one visitor action; reuse it for every retry of that action."""
    return f"{prefix}-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Call:
    """One HTTP request, described once and sent by either client."""

    method: str
    path: str
    params: dict | None = None
    json: Any = None
    empty: Any = None  # what a 204 answer means


def _error_from(response: httpx.Response) -> Exception:
    if response.status_code in _GATEWAY_STATUSES:
        return Unreachable(f"HTTP {response.status_code} from {response.request.url.path}")
    try:
        body = response.json()
        err = body.get("error") if isinstance(body, dict) else None
    except ValueError:
        err = None
    if isinstance(err, dict) and "message" in err:
        extra = {k: v for k, v in err.items() if k not in ("code", "message")}
        return ServerError(str(err.get("code", "error")), str(err["message"]), response.status_code, extra)
    return ServerError("http_error", "Máy chủ trả lời không hợp lệ, vui lòng thử lại sau.", response.status_code)


def _result(call: Call, response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise _error_from(response)
    if response.status_code == 204 or not response.content:
        return call.empty
    try:
        return response.json()
    except ValueError:
        raise ServerError(
            "bad_response", "Máy chủ trả lời không hợp lệ, vui lòng thử lại sau.", response.status_code
        ) from None


def _clean(params: dict) -> dict:
    return {k: v for k, v in params.items() if v is not None and v != ""}


class _Endpoints:
    """The API, written once: each method builds a `Call` and hands it to ``_send``.
    In `QueueClient` that returns the result; in `AsyncQueueClient`, an awaitable of it."""

    def _send(self, call: Call) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- tickets -------------------------------------------------------------------------
    def issue_ticket(
        self,
        service_id: int,
        priority: str | None = None,
        procedure_code: str | None = None,
        citizen_id: str | None = None,
        client_request_id: str | None = None,
        source: str = "kiosk",
    ):
        """Take a ticket. Pass the same ``client_request_id`` when retrying one visitor action."""
        body = _clean(
            {
                "service_id": service_id,
                "priority": priority,
                "procedure_code": procedure_code,
                "citizen_id": citizen_id,
                "client_request_id": client_request_id or new_request_id(),
                "source": source,
            }
        )
        return self._send(Call("POST", "/api/v1/tickets", json=body))

    def ticket(self, ticket_id: int):
        return self._send(Call("GET", f"/api/v1/tickets/{ticket_id}"))

    def track(self, token: str):
        """A ticket by the token on its printed QR."""
        return self._send(Call("GET", f"/api/v1/tickets/track/{token}"))

    # -- centre and services ---------------------------------------------------------------
    def services(self, centre_id: int | None = None):
        return self._send(Call("GET", "/api/v1/services", params=_clean({"centre_id": centre_id})))

    def snapshot(self, centre_id: int):
        return self._send(Call("GET", f"/api/v1/centres/{centre_id}/snapshot"))

    # -- procedures ------------------------------------------------------------------------
    def procedures(self, q: str = "", field: str | None = None, level: str | None = None, limit: int | None = None):
        return self._send(
            Call("GET", "/api/v1/procedures", params=_clean({"q": q, "field": field, "level": level, "limit": limit}))
        )

    def procedure_fields(self):
        return self._send(Call("GET", "/api/v1/procedures/fields"))

    def procedure(self, code: str):
        return self._send(Call("GET", f"/api/v1/procedures/{code}"))

    # -- dossier lookup ----------------------------------------------------------------------
    def lookup_token(self, token: str):
        """The status of the dossier whose receipt QR carries ``token``."""
        # POST keeps the token out of access logs.
        return self._send(Call("POST", "/api/v1/lookup", json={"token": token}))

    def lookup_code(self, code: str, phone_last4: str):
        """The status of a dossier by its typed code and the last four digits of the applicant's phone."""
        return self._send(Call("POST", "/api/v1/lookup", json={"code": code, "phone_last4": phone_last4}))

    # -- booked visitors ---------------------------------------------------------------------
    def check_in(self, code: str | None = None, qr_token: str | None = None):
        """Check a booked visitor in by the token of the booking's QR or its typed code: the ticket
        (and whether it came late). Safe to retry: a booking checked in already answers its ticket again."""
        return self._send(
            Call("POST", "/api/v1/appointments/check-in", json=_clean({"code": code, "qr_token": qr_token}))
        )

    # -- the calling device -------------------------------------------------------------------
    def device_me(self):
        return self._send(Call("GET", "/api/v1/devices/me"))

    def heartbeat(self, app_version: str, hardware: dict | None = None):
        """Say this device is alive, with its version and hardware state (`POST /devices/me/heartbeat`)."""
        body = {"app_version": app_version, "hardware": hardware or {}}
        return self._send(Call("POST", "/api/v1/devices/me/heartbeat", json=body))

    def alert(self, code: str, message: str, cleared: bool = False):
        """Tell staff about a device fault (event ``device.alert``), or that it cleared."""
        return self._send(
            Call("POST", "/api/v1/devices/me/alerts", json={"code": code, "message": message, "cleared": cleared})
        )


HEARTBEAT_INTERVAL_S = 30.0  # well inside the server's offline threshold (MOTCUA_DEVICE_OFFLINE_S, 120 s)


def app_version(app: str) -> str:
    """What a heartbeat reports as the version: the app's name and the installed package's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{app} {version('motcua-qms')}"
    except PackageNotFoundError:
        return f"{app} (not installed)"


async def send_heartbeats(
    client: AsyncQueueClient,
    version: str,
    hardware: Callable[[], dict],
    *,
    interval_s: float = HEARTBEAT_INTERVAL_S,
    wake: asyncio.Event | None = None,
) -> None:
    """A heartbeat now and every `interval_s`, and at once whenever `wake` is set (the hardware
    changed). Runs until cancelled: a server away or refusing is logged, never raised."""
    wake = wake or asyncio.Event()
    while True:
        try:
            await client.heartbeat(version, hardware())
        except Unreachable:
            pass  # the stream's banner says so; the next beat tries again
        except ServerError as exc:
            log.warning("heartbeat refused: %s", exc.code)
        await nap(interval_s, wake)


def save_enrolment(path, server_url: str, token: str) -> None:
    """Write a scanned enrolment QR's server URL and device token into an app's JSON configuration
    file, keeping its other settings; atomically, readable by its owner only (the token is a secret)."""
    import os
    from pathlib import Path

    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.update({"server_url": server_url, "device_token": token})
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def _headers(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


class QueueClient(_Endpoints):
    """Blocking client (use from worker threads or scripts)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=_headers(token), timeout=timeout, transport=transport)

    def _send(self, call: Call) -> Any:
        try:
            response = self._http.request(call.method, call.path, params=call.params, json=call.json)
        except httpx.TransportError as exc:
            raise Unreachable(f"{type(exc).__name__}: {call.method} {call.path}") from exc
        return _result(call, response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> QueueClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncQueueClient(_Endpoints):
    """Asyncio client: every API method returns an awaitable."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=_headers(token), timeout=timeout, transport=transport
        )

    async def _send(self, call: Call) -> Any:
        try:
            response = await self._http.request(call.method, call.path, params=call.params, json=call.json)
        except httpx.TransportError as exc:
            raise Unreachable(f"{type(exc).__name__}: {call.method} {call.path}") from exc
        return _result(call, response)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncQueueClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()


def retrying(
    on: type[BaseException] | tuple[type[BaseException], ...] | Callable[[BaseException], bool],
    *,
    initial_s: float = 0.5,
    max_s: float = 15.0,
    deadline_s: float | None = None,
    until: Callable[[], bool] | None = None,
    on_retry: Callable[[BaseException, int], Any] | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    name: str = "",
) -> AsyncRetrying:
    """The apps' one retry policy, as a tenacity `AsyncRetrying`:

        async for attempt in retrying(Unreachable, deadline_s=20):
            with attempt:
                ticket = await client.issue_ticket(...)

    An exception matching ``on`` (types, or a predicate) is tried again after exponential
    backoff with jitter: the n-th wait is between half and all of ``initial_s · 2ⁿ⁻¹``, capped at
    ``max_s``, so devices that lost the server together do not come back in step. Anything
    else is raised at once. It stops — raising the last exception — when the next attempt would
    start after ``deadline_s`` or when ``until()`` is true; otherwise it tries for ever.
    ``on_retry(exc, attempt)`` (plain or async) runs before each wait (say "offline" there); ``sleep`` can be
    replaced by a wait that a wake-up cuts short.
    """
    half_initial, half_max = initial_s / 2, max_s / 2
    stops = []
    if deadline_s is not None:
        stops.append(stop_before_delay(deadline_s))
    if until is not None:
        stops.append(lambda _state: until())

    async def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        log.debug(
            "%s: %s (attempt %d); next try in %.2f s",
            name or "retry",
            type(exc).__name__,
            state.attempt_number,
            state.next_action.sleep if state.next_action is not None else 0.0,
        )
        if on_retry is not None and inspect.isawaitable(answer := on_retry(exc, state.attempt_number)):
            await answer

    return AsyncRetrying(
        retry=retry_if_exception(on) if not isinstance(on, type | tuple) else retry_if_exception_type(on),
        wait=wait_exponential(multiplier=half_initial, max=half_max)
        + wait_random_exponential(multiplier=half_initial, max=half_max),
        stop=stop_any(*stops) if stops else stop_never,
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )


async def nap(seconds: float, wake: asyncio.Event, *, clear: bool = True) -> None:
    """Wait ``seconds``, or less if ``wake`` is set meanwhile (then clear it, unless ``clear`` is False).
    As ``retrying(sleep=functools.partial(nap, wake=event))``, a wait between tries that news cuts short."""
    try:
        await asyncio.wait_for(wake.wait(), timeout=seconds)
    except TimeoutError:
        pass
    if clear:
        wake.clear()


async def retry_unreachable(
    action: Callable[[], Awaitable[Any]],
    *,
    deadline_s: float,
    on_retry: Callable[[Unreachable, int], Any] | None = None,
    initial_s: float = 0.5,
    max_s: float = 5.0,
) -> Any:
    """Run ``action`` until it gets an answer or ``deadline_s`` passes (then the last `Unreachable`
    is raised). A `ServerError` is an answer and is raised at once. ``action`` must be idempotent."""
    async for attempt in retrying(
        Unreachable, initial_s=initial_s, max_s=max_s, deadline_s=deadline_s, on_retry=on_retry, name="request"
    ):
        with attempt:
            return await action()
    raise AssertionError("retrying ended without an answer or an error")  # pragma: no cover


# -- the event stream --------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message of the event stream: ``type`` is ``snapshot`` or an event type."""

    type: str
    seq: int
    data: dict = field(default_factory=dict)
    at: str | None = None


_RESYNC = Message("resync", -1)
# What a lost or refused connection raises: worth another try after a pause.
_DROPS = (ConnectionClosed, InvalidHandshake, TimeoutError, OSError)

# Close codes after which reconnecting cannot help (see queue_server/realtime/router.py).
FATAL_CLOSE_CODES = {
    4400: ("bad_params", "Tham số kết nối sự kiện không hợp lệ."),
    4401: ("unauthorized", "Mã thiết bị không hợp lệ hoặc đã bị thu hồi."),
    4403: ("forbidden", "Thiết bị không thuộc trung tâm này."),
    4410: ("device_revoked", "Thiết bị đã bị thu hồi. Liên hệ quản trị viên để được cấp mã mới."),
}


def ws_url(base_url: str, centre_id: int, since: int | None, token: str | None) -> str:
    parts = urlsplit(base_url.rstrip("/"))
    scheme = "wss" if parts.scheme == "https" else "ws"
    query = _clean({"centre": centre_id, "since": since, "token": token})
    return urlunsplit((scheme, parts.netloc, parts.path + "/ws", urlencode(query), ""))


class EventStream:
    """The centre's events over WebSocket, surviving disconnects and server restarts.

    Iterate it to get `Message`s: a ``snapshot`` (on first connect, or when the server cannot
    replay the gap), then events in ``seq`` order. It keeps the last seq and reconnects with
    ``since=last_seq`` (through `retrying`: exponential backoff with jitter, from
    ``backoff_initial_s`` up to ``backoff_max_s``), so every event is yielded exactly once. A
    connection counts as up once the server has sent its first frame; the first try after a
    drop is immediate and the backoff starts afresh. Heartbeats are not yielded; silence longer
    than ``silence_timeout_s`` counts as a dead connection. A bad token or another centre's id
    (close 4401/4403/4400) raises `ServerError`.

    ``on_connection(bool)`` is called on every change of the connected state (e.g. to show a
    "reconnecting" banner). ``connected`` and ``last_seq`` can be read at any time.
    """

    def __init__(
        self,
        base_url: str,
        centre_id: int,
        token: str | None = None,
        since: int | None = None,
        *,
        silence_timeout_s: float = 45.0,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 15.0,
        on_connection: Callable[[bool], None] | None = None,
        open_timeout_s: float = 5.0,
    ):
        self.base_url = base_url
        self.centre_id = centre_id
        self.token = token
        self.last_seq = since
        self.silence_timeout_s = silence_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.open_timeout_s = open_timeout_s
        self.on_connection = on_connection
        self.connected = False
        self.reconnects = 0
        self._closed = False
        self._closing = asyncio.Event()
        self._ws = None

    def _set_connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            log.info("event stream %s", "connected" if value else "disconnected")
            if self.on_connection is not None:
                self.on_connection(value)

    async def close(self) -> None:
        self._closed = True
        self._closing.set()
        if self._ws is not None:
            await self._ws.close()

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[Message]:
        pause = 0.0
        while not self._closed:
            if pause:
                # After a drop, not at once: every board of a restarted server lost it at the same
                # instant, and a uniform spread of the first try keeps them from arriving together.
                await nap(pause, self._closing, clear=False)
                pause = 0.0
            try:
                ws, raw = await self._reconnect()
            except _DROPS:
                return  # closed while reconnecting
            self._ws = ws
            self._set_connected(True)
            try:
                while True:
                    message = self._accept(raw)
                    if message is _RESYNC:
                        break
                    if message is not None:
                        yield message
                        if message.type == "config.updated":
                            # the centre's set-up changed (docs/events.md): take a fresh snapshot
                            self.last_seq = None
                            break
                    raw = await asyncio.wait_for(ws.recv(), timeout=self.silence_timeout_s)
            except ConnectionClosed as exc:
                self._raise_if_fatal(exc)
                log.info("event stream closed (code %s) since %s", _close_code(exc), self.last_seq)
                pause = random.uniform(0, self.backoff_initial_s)
            except (TimeoutError, OSError) as exc:
                log.info("event stream lost (%s) since %s", type(exc).__name__, self.last_seq)
                # A silent server (hung, or the path to it gone) would not answer a closing
                # handshake either: drop the connection now rather than wait for it.
                ws.transport.abort()
                pause = random.uniform(0, self.backoff_initial_s)
            finally:
                self._ws = None
                await ws.close()
            self._set_connected(False)
            if not self._closed:
                self.reconnects += 1

    async def _reconnect(self):
        """A connection that has answered: the socket and its first frame."""

        def retried(_exc: BaseException, _attempt: int) -> None:
            self.reconnects += 1

        async for attempt in retrying(
            _DROPS,
            initial_s=self.backoff_initial_s,
            max_s=self.backoff_max_s,
            until=lambda: self._closed,
            on_retry=retried,
            sleep=partial(nap, wake=self._closing, clear=False),  # close() ends the wait
            name="event stream",
        ):
            with attempt:
                return await self._open()
        raise AssertionError("retrying ended without an answer or an error")  # pragma: no cover

    async def _open(self):
        from websockets.asyncio.client import connect

        url = ws_url(self.base_url, self.centre_id, self.last_seq, self.token)
        try:
            ws = await connect(url, open_timeout=self.open_timeout_s, ping_interval=None, max_size=8 * 1024 * 1024)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                self._set_connected(False)
                raise ServerError("unauthorized", FATAL_CLOSE_CODES[4401][1], status) from None
            raise
        try:
            return ws, await asyncio.wait_for(ws.recv(), timeout=self.silence_timeout_s)
        except BaseException as exc:
            await ws.close()
            if isinstance(exc, ConnectionClosed):
                self._raise_if_fatal(exc)
                hint = retry_after_s(exc)
                if hint is not None:
                    # The server is admitting a reconnect storm at its own pace: come back when it
                    # says, spread over half as long again (then the usual backoff applies too).
                    log.info("event stream: server busy, retrying in %.1f s", hint)
                    await nap(hint * random.uniform(1.0, 1.5), self._closing, clear=False)
            raise

    def _raise_if_fatal(self, exc) -> None:
        code = _close_code(exc)
        if code in FATAL_CLOSE_CODES:
            self._set_connected(False)
            err_code, text = FATAL_CLOSE_CODES[code]
            raise ServerError(err_code, text, code) from None

    def _accept(self, raw: str | bytes) -> Message | None:
        """Parse one frame; drop heartbeats and anything already seen."""
        try:
            msg = json.loads(raw)
            type_, seq = str(msg["type"]), int(msg.get("seq", -1))
        except (ValueError, KeyError, TypeError):
            log.warning("event stream: ignoring a malformed frame")
            return None
        if type_ == "heartbeat" and self.last_seq is not None and seq > self.last_seq:
            # The server says it sent more than we hold: reconnect and ask for the gap.
            return _RESYNC
        if type_ in ("heartbeat", "pong"):
            return None
        if type_ == "snapshot":
            self.last_seq = seq
            return Message(type_, seq, msg.get("data") or {}, msg.get("at"))
        if self.last_seq is not None and seq <= self.last_seq:
            return None
        self.last_seq = seq
        return Message(type_, seq, msg.get("data") or {}, msg.get("at"))


def retry_after_s(exc) -> float | None:
    """The wait a server asked for when it closed a handshake with 1013 ("retry_after_ms=N")."""
    if _close_code(exc) != 1013:
        return None
    reason = exc.rcvd.reason or ""
    if not reason.startswith("retry_after_ms="):
        return 1.0
    try:
        return min(max(int(reason.split("=", 1)[1]), 0), 60_000) / 1000
    except ValueError:
        return 1.0


def _close_code(exc) -> int | None:
    return exc.rcvd.code if exc.rcvd is not None else None
