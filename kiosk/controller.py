"""What the kiosk does: talks to the server, the printer and the scanner, and sets App properties.

No widgets here. Everything runs on the asyncio loop that also runs Kivy (``async_run``), so
setting a property from a coroutine is safe; blocking device calls go to worker threads and
their results come back to the coroutine that awaited them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from hardware.payloads import parse_payload
from hardware.printers import PrinterOffline, TicketPrint
from queue_server.client import (
    VN_TZ,
    AsyncQueueClient,
    EventStream,
    ServerError,
    Unreachable,
    app_version,
    new_request_id,
    retry_unreachable,
    retrying,
    save_enrolment,
    send_heartbeats,
)

from .config import KioskConfig
from .devices import TRANSIENT, PrinterWatch
from .scanning import ScannerLoop
from .texts import checkin_refusal_en, lookup_refusal, priority_label, t

log = logging.getLogger(__name__)
ALERT_CODES = {
    "paper_out": "printer.paper_out",
    "cover_open": "printer.cover_open",
    "printer_offline": "printer.offline",
}
PRINTER_OFFLINE = "printer_offline"
LIVE_FIELDS = (
    "waiting",
    "estimated_wait_s",
    "estimated_wait_low_s",
    "estimated_wait_high_s",
    "open_now",
    "closed_reason",
    "reopens_at",
    "calendar_notice",
)


def notice_text(notices: dict) -> str:
    """The home screen's notice: today's holiday or an announced change of hours, then the centre's own."""
    return "   •   ".join(n for n in (notices.get("calendar_notice"), notices.get("notice")) if n)


def merge_queue_update(services: list[dict], updates: list[dict]) -> list[dict]:
    """The service list with a `queue.updated` event's live figures applied."""
    by_id = {u["id"]: u for u in updates if "id" in u}
    merged = []
    for s in services:
        u = by_id.get(s["id"])
        merged.append({**s, **{k: u[k] for k in LIVE_FIELDS if k in u}} if u else s)
    return merged


def _parse_time(value) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(VN_TZ)
    except ValueError:
        return datetime.now(VN_TZ)


class KioskController:
    def __init__(self, app, config: KioskConfig, config_path: str | None = None):
        self.app = app
        self.config = config
        self.config_path = config_path  # where a scanned enrolment is written
        self.client = AsyncQueueClient(config.server_url, token=config.device_token, timeout=5.0)
        self.centre_id: int | None = None
        self.device_id: int | None = None
        self.stream: EventStream | None = None
        self._notices: dict[str, str | None] = {}
        self.ticket_note: str | None = None  # from the centre snapshot (set in /admin)
        self._beat_now = asyncio.Event()  # the hardware changed: tell the server now, not at the next beat
        self.printer = (
            PrinterWatch(
                config.printer_url,
                config.printer_check_s,
                self._printer_changed,
                on_near_end=lambda _near: self._beat_now.set(),
            )
            if config.printer_url
            else None
        )
        self.scanner = (
            ScannerLoop(config.camera_url, lambda: self.scan_mode, self._scanned, self._scanner_changed, self._guidance)
            if config.camera_url
            else None
        )
        self._alerted: str | None = None  # the printer alert staff were last sent
        self._alert_task: asyncio.Task | None = None
        self.scan_mode: str | None = None  # None, "receipt", "booking" or "cccd"
        self._citizen_id: str | None = None  # the CCCD number only, held until the ticket is issued
        self._tasks: set[asyncio.Task] = set()
        self._search_task: asyncio.Task | None = None
        self._lookup_task: asyncio.Task | None = None
        self._looked_up: str | None = None  # the receipt token last looked up on this visit to the screen
        self._issuing = False

    # -- lifecycle ---------------------------------------------------------------------------
    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("kiosk task failed", exc_info=task.exception())

    def start(self) -> None:
        if self.printer is not None:
            self.spawn(self.printer.run())
        if self.scanner is not None:
            self.spawn(self.scanner.run())
        if not self.config.device_token:
            # First start without a token: the camera waits for the device's enrolment QR.
            self.app.fault = t("enrol_prompt", self.app.lang)
            self._set_scan_mode("enrol")
            return
        self._start_link()

    def _start_link(self) -> None:
        self.spawn(self._run_stream())
        self.spawn(
            send_heartbeats(
                self.client,
                app_version("kiosk"),
                self.hardware_state,
                interval_s=self.config.heartbeat_s,
                wake=self._beat_now,
            )
        )

    def _enrol(self, text: str) -> None:
        """A scanned enrolment QR: keep the server URL and token in the configuration file, then
        connect as this device (no restart)."""
        payload = parse_payload(text)
        if payload.kind != "enrolment":
            self.app.fault = t("enrol_wrong", self.app.lang)
            return
        if self.config_path:
            save_enrolment(self.config_path, payload.server_url, payload.token)
        log.info("enrolled with %s", payload.server_url)
        self.config = replace(self.config, server_url=payload.server_url, device_token=payload.token)
        old, self.client = self.client, AsyncQueueClient(payload.server_url, token=payload.token, timeout=5.0)
        self.spawn(old.aclose())
        self._set_scan_mode(None)
        self.app.fault = ""
        self._start_link()

    async def stop(self) -> None:
        if self.stream is not None:
            await self.stream.close()
        for task in list(self._tasks):
            task.cancel()
        for device in (self.scanner, self.printer):
            if device is not None:
                await device.close()
        await self.client.aclose()

    # -- the centre's live state ---------------------------------------------------------------
    async def _run_stream(self) -> None:
        # A revoked or wrong token: say so on screen and keep trying (an admin may fix it).
        async for attempt in retrying(
            ServerError, initial_s=5.0, max_s=60.0, on_retry=self._refused, name="kiosk link"
        ):
            with attempt:
                await self._follow()

    async def _follow(self) -> None:
        """Who this kiosk is, then the centre's events until the stream is closed."""
        if self.centre_id is None:
            async for attempt in retrying(
                Unreachable, initial_s=0.5, max_s=10.0, on_retry=self._unreachable, name="kiosk start-up"
            ):
                with attempt:
                    me = await self.client.device_me()
            self.centre_id, self.device_id = me["centre_id"], me["id"]
            self.app.offline = False
        self.stream = EventStream(
            self.config.server_url,
            self.centre_id,
            token=self.config.device_token,
            silence_timeout_s=45,
            backoff_max_s=10.0,  # as the boards do (docs/events.md)
            on_connection=self._on_connection,
        )
        async for message in self.stream:
            self.on_message(message.type, message.data)

    def _refused(self, exc: ServerError, _attempt: int) -> None:
        log.error("device not accepted by the server: %s", exc.code)
        self.app.fault = exc.message

    def _unreachable(self, _exc: Unreachable, _attempt: int) -> None:
        self.app.offline = True

    def _on_connection(self, connected: bool) -> None:
        self.app.offline = not connected
        if connected:
            self.app.fault = ""

    def on_message(self, type_: str, data: dict) -> None:
        app = self.app
        if type_ == "snapshot":
            centre = data.get("centre") or {}
            app.centre_name = centre.get("name") or ""
            self.ticket_note = centre.get("ticket_note") or None  # the centre's line at the ticket's foot
            self._notices = {"notice": centre.get("notice"), "calendar_notice": centre.get("calendar_notice")}
            app.notice = notice_text(self._notices)
            app.services = list(data.get("services") or [])
        elif type_ == "queue.updated":
            app.services = merge_queue_update(list(app.services), data.get("services") or [])
        elif type_ == "notice.updated":
            self._notices.update({k: data[k] for k in ("notice", "calendar_notice") if k in data})
            app.notice = notice_text(self._notices)

    # -- tickets ---------------------------------------------------------------------------------
    def take_ticket(self, service: dict, priority: str | None = None, procedure_code: str | None = None) -> None:
        """One visitor tap: one request id, reused by every retry, so the server issues at most once."""
        if self._issuing:
            return
        self._issuing = True
        self.spawn(self._take_ticket(service, priority, procedure_code, new_request_id(f"kiosk{self.device_id or ''}")))

    async def _take_ticket(self, service: dict, priority, procedure_code, request_id: str) -> None:
        app = self.app
        app.busy, app.message = True, t("issuing", app.lang)
        citizen_id, self._citizen_id = self._citizen_id, None
        app.cccd_masked = ""
        try:
            ticket = await retry_unreachable(
                lambda: self.client.issue_ticket(
                    service["id"],
                    priority=priority or None,
                    procedure_code=procedure_code or None,
                    citizen_id=citizen_id,
                    client_request_id=request_id,
                ),
                deadline_s=self.config.issue_retry_s,
                on_retry=self._unreachable,
            )
        except Unreachable:
            app.offline = True
            app.message = t("issue_failed_offline", app.lang)
            return
        except ServerError as exc:
            app.message = exc.message
            return
        finally:
            citizen_id = None
            app.busy = False
            self._issuing = False
        app.offline = False
        app.message = ""
        app.show_ticket(ticket, service, priority)
        await self._print(ticket, service, priority)

    # -- booked visitors ---------------------------------------------------------------------------
    def check_in_typed(self, text: str) -> None:
        """The booking code typed on the check-in screen (or its QR's text, pasted by a HID scanner)."""
        payload = parse_payload(text)
        if payload.kind not in ("booking", "booking_code"):
            self.app.message = t("booking_code_wrong", self.app.lang)
            return
        self._start_check_in(payload)

    def on_booking_scan(self, text: str) -> None:
        payload = parse_payload(text)
        app = self.app
        if payload.kind in ("booking", "booking_code"):
            key = getattr(payload, "token", None) or payload.code
            if key == self._looked_up:  # the same phone, still in front of the camera: answered already
                return
            self._looked_up = key
            self._start_check_in(payload)
        elif payload.kind == "ticket":
            app.message = t("booking_scan_ticket", app.lang)
        else:
            app.message = t("booking_scan_other", app.lang)

    def _start_check_in(self, payload) -> None:
        if self._issuing:
            return
        self._issuing = True
        if payload.kind == "booking":
            self.spawn(self._check_in(None, payload.token))
        else:
            self.spawn(self._check_in(payload.code, None))

    async def _check_in(self, code: str | None, qr_token: str | None) -> None:
        """One check-in; retried while the server is unreachable (a booking checked in already answers
        its ticket again, so a retry never makes a second ticket)."""
        app = self.app
        app.busy, app.message = True, t("checking_in", app.lang)
        try:
            done = await retry_unreachable(
                lambda: self.client.check_in(code=code, qr_token=qr_token),
                deadline_s=self.config.issue_retry_s,
                on_retry=self._unreachable,
            )
        except Unreachable:
            self._looked_up = None  # no answer: showing the QR again tries again
            app.offline = True
            app.message = t("checkin_failed_offline", app.lang)
            return
        except ServerError as exc:
            app.message = exc.message if app.lang == "vi" else checkin_refusal_en(exc)
            return
        finally:
            app.busy = False
            self._issuing = False
        app.offline = False
        ticket = done["ticket"]
        mark = None if done["late"] else t("booked_mark", "vi")  # paper is printed in Vietnamese
        service = {"id": ticket.get("service_id"), "name": ticket.get("service_name") or ""}
        app.show_ticket(ticket, service, None, booked=not done["late"])
        # Said under the ticket: on time, served before walk-ins; late, queued as one.
        app.message = done["message"] if app.lang == "vi" else t("checkin_late" if done["late"] else "checkin_ok", "en")
        await self._print(ticket, service, None, mark)

    async def _print(self, ticket: dict, service: dict, priority: str | None, mark: str | None = None) -> None:
        """Print the ticket the visitor already sees on screen; a printer known to be at fault gets
        no job (the screen said so before the tap, and the ticket stays on screen to photograph)."""
        app = self.app
        if self.printer is None:
            app.ticket_note = t("no_printer", app.lang)
            return
        app.ticket_note = t("printing", app.lang)
        job = TicketPrint(
            centre_name=app.centre_name,
            service_name=ticket.get("service_name") or service["name"],
            display_number=ticket["display_number"],
            issued_at=_parse_time(ticket["issued_at"]),
            people_ahead=int(ticket.get("people_ahead") or 0),
            estimated_wait_s=ticket.get("estimated_wait_s"),
            estimated_wait_low_s=ticket.get("estimated_wait_low_s"),
            estimated_wait_high_s=ticket.get("estimated_wait_high_s"),
            qr_url=ticket["track_url"],
            priority_label=priority_label(priority, "vi"),
            note=self.ticket_note,
            mark=mark,
        )
        fault = await self.printer.print_ticket(job)
        if fault is None:
            app.ticket_note = t("printed", app.lang)
        else:  # the hardware's own sentences (docs/hardware.md): photograph the number on screen
            app.ticket_note = fault.message if isinstance(fault, TRANSIENT) else PrinterOffline().message

    # -- device state ------------------------------------------------------------------------------
    def hardware_state(self) -> dict:
        """What the heartbeat reports: the printer's ESC/POS status and whether the scanner works."""
        state = {}
        if self.printer is not None and self.printer.hardware_state is not None:
            state["printer"] = self.printer.hardware_state
        if self.scanner is not None:
            state["scanner"] = "missing" if self.app.scanner_down else "ok"
        return state

    def check_printer(self) -> None:
        """Read the printer's status now (a visitor is about to take a number)."""
        if self.printer is not None:
            self.printer.check_soon()

    def _printer_changed(self, problem: BaseException | None) -> None:
        """Say it on screen before anyone taps, and tell staff (an alert, cleared when it is back)."""
        self._beat_now.set()
        if problem is None:
            self.app.printer_fault = ""
            if self._alerted is not None:
                self._send_alert(self._alerted, t("printer_back", "vi"), cleared=True)
                self._alerted = None
            return
        # The screen names the faults a visitor can understand; anything else reads as "not working".
        self.app.printer_fault = problem.code if isinstance(problem, TRANSIENT) else PRINTER_OFFLINE
        self._alerted = ALERT_CODES.get(getattr(problem, "code", ""), "printer.error")
        self._send_alert(self._alerted, t("printer_alert", "vi", message=getattr(problem, "message", str(problem))))

    def _send_alert(self, code: str, message: str, cleared: bool = False) -> None:
        """Delivered when the server answers; a newer state of the printer replaces one not yet sent."""
        if self._alert_task is not None:
            self._alert_task.cancel()
        self._alert_task = self.spawn(self._alert(code, message, cleared))

    async def _alert(self, code: str, message: str, cleared: bool = False) -> None:
        try:
            async for attempt in retrying(Unreachable, initial_s=1.0, max_s=30.0, name="printer alert"):
                with attempt:
                    await self.client.alert(code, message, cleared=cleared)
        except ServerError as exc:
            log.warning("could not send alert %s: %s", code, exc.code)

    def _scanner_changed(self, problem: BaseException | None) -> None:
        self._beat_now.set()
        self.app.camera_available = problem is None
        self.app.scanner_down = problem is not None
        if problem is not None:
            self.app.scanning_cccd = False

    # -- CCCD -----------------------------------------------------------------------------------
    def start_cccd_scan(self) -> None:
        self.app.scanning_cccd = True
        self._set_scan_mode("cccd")

    def attach_citizen_id(self, text: str) -> bool:
        """Keep only the 12-digit number of a scanned CCCD; True if it was one."""
        payload = parse_payload(text)
        if payload.kind != "citizen_id":
            self.app.message = t("cccd_wrong", self.app.lang)
            return False
        self._citizen_id = payload.id_number
        self.app.cccd_masked = payload.as_dict()["id_number"]
        self.app.scanning_cccd = False
        self.app.message = ""
        self._set_scan_mode(None)
        return True

    def forget_visitor(self) -> None:
        """Drop everything personal (idle timeout, back to home)."""
        self._citizen_id = None
        self._set_scan_mode(None)
        # A lookup still in flight must not bring someone's dossier onto an idle screen.
        for task in (self._search_task, self._lookup_task):
            if task is not None:
                task.cancel()

    # -- procedures ------------------------------------------------------------------------------
    def search_later(self, query: str, field: str | None = None) -> None:
        """Results as the visitor types: only the last keystroke within the debounce is sent."""
        if self._search_task is not None:
            self._search_task.cancel()
        self._search_task = self.spawn(self._search(query, field, self.config.search_debounce_s))

    async def _search(self, query: str, field: str | None, delay: float) -> None:
        await asyncio.sleep(delay)
        app = self.app
        try:
            results = await self.client.procedures(q=query.strip(), field=field)
        except (Unreachable, ServerError) as exc:
            app.procedure_results = []
            app.message = self._unavailable(exc, "procedures_unavailable")
            return
        app.message = ""
        app.procedure_results = list(results.get("items", []) if isinstance(results, dict) else results)

    def load_fields(self) -> None:
        self.spawn(self._load_fields())

    async def _load_fields(self) -> None:
        try:
            fields = await self.client.procedure_fields()
        except (Unreachable, ServerError) as exc:
            self.app.message = self._unavailable(exc, "procedures_unavailable")
            return
        self.app.procedure_fields = list(fields.get("items", []) if isinstance(fields, dict) else fields)

    def open_procedure(self, code: str) -> None:
        self.spawn(self._open_procedure(code))

    async def _open_procedure(self, code: str) -> None:
        try:
            procedure = await self.client.procedure(code)
        except (Unreachable, ServerError) as exc:
            self.app.message = self._unavailable(exc, "procedures_unavailable")
            return
        self.app.show_procedure(procedure)

    def _unavailable(self, exc: Exception, missing_key: str) -> str:
        if isinstance(exc, Unreachable):
            self.app.offline = True
            return exc.message
        if exc.status == 404 and exc.code == "not_found":  # the route itself is missing on this server
            return t(missing_key, self.app.lang)
        return exc.message

    # -- dossier lookup --------------------------------------------------------------------------
    def look_up_code(self, code: str, phone_last4: str) -> None:
        code, phone_last4 = code.strip().upper(), phone_last4.strip()
        if not code or len(phone_last4) != 4 or not phone_last4.isdigit():
            self.app.message = t("need_code_and_phone", self.app.lang)
            return
        self._start_lookup(lambda: self.client.lookup_code(code, phone_last4))

    def _start_lookup(self, request) -> None:
        """The visitor's latest request wins: an earlier one still in flight is dropped."""
        if self._lookup_task is not None:
            self._lookup_task.cancel()
        self._lookup_task = self.spawn(self._look_up(request))

    async def _look_up(self, request) -> None:
        app = self.app
        app.busy, app.message = True, t("looking_up", app.lang)
        try:
            result = await request()
        except ServerError as exc:
            if exc.code == "lookup_not_found" or exc.status == 404 and exc.code != "not_found":
                app.message = lookup_refusal(exc, app.lang)
            else:
                app.message = self._unavailable(exc, "lookup_unavailable")
            return
        except Unreachable as exc:
            self._looked_up = None  # no answer: showing the receipt again tries again
            app.message = self._unavailable(exc, "lookup_unavailable")
            return
        finally:
            app.busy = False
        app.message = ""
        app.show_dossier(result)

    def on_receipt_scan(self, text: str) -> None:
        payload = parse_payload(text)
        app = self.app
        if payload.kind == "receipt":
            token = payload.token
            if token == self._looked_up:  # the same paper, seen again: it was answered already
                return
            self._looked_up = token
            self._start_lookup(lambda: self.client.lookup_token(token))
        elif payload.kind == "dossier_code":
            app.prefill_dossier_code(payload.code)
            app.message = t("dossier_code_scanned", app.lang)
        elif payload.kind == "booking":  # a booked visitor at the wrong screen: check them in all the same
            self.on_booking_scan(text)
        elif payload.kind == "ticket":
            app.message = t("scan_receipt_not_ticket", app.lang)
        elif payload.kind == "citizen_id":
            app.message = t("dossier_scan_hint", app.lang)
        else:
            app.message = t("dossier_not_found", app.lang)

    # -- the scanner -----------------------------------------------------------------------------
    def start_receipt_scan(self) -> None:
        self._set_scan_mode("receipt")

    def start_booking_scan(self) -> None:
        self._set_scan_mode("booking")

    def stop_scanning(self) -> None:
        self.app.scanning_cccd = False
        self._set_scan_mode(None)

    def _set_scan_mode(self, mode: str | None) -> None:
        if not self.config.device_token:
            mode = "enrol"  # until enrolled, the camera reads nothing else (visitors cannot be served yet)
        changed = mode != self.scan_mode
        self.scan_mode = mode
        if changed:
            self._looked_up = None  # the next visitor may show the same receipt again
            if self.scanner is not None:
                self.scanner.mode_changed()

    def _guidance(self, code: str | None) -> None:
        self.app.scan_guidance = code or ""

    def _scanned(self, mode: str, text: str) -> None:
        if mode == "enrol":
            self._enrol(text)
        elif mode == "cccd":
            self.attach_citizen_id(text)
        elif mode == "booking":
            self.on_booking_scan(text)
        else:
            self.on_receipt_scan(text)

    def preview_frame(self):
        """The last camera frame (BGR array) while scanning, for the live preview."""
        return self.scanner.last_frame() if self.scanner is not None else None
