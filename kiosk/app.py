"""The Kivy application: shared state as properties, screens, idle reset, the clock."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import sp
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition

from .config import KioskConfig
from .controller import VN_TZ, KioskController
from .images import qr_texture
from .texts import clock_line, t

KV_DIR = Path(__file__).parent / "kv"
FONTS = Path(__file__).resolve().parents[1] / "hardware" / "fonts"
SCREENS = ["home", "services", "confirm", "ticket", "procedures", "procedure", "dossier", "status", "checkin"]


def register_fonts() -> None:
    """DejaVu Sans as Kivy's default font, so every Vietnamese letter renders."""
    LabelBase.register(DEFAULT_FONT, str(FONTS / "DejaVuSans.ttf"), fn_bold=str(FONTS / "DejaVuSans-Bold.ttf"))


class KioskApp(App):
    lang = StringProperty("vi")
    font_scale = NumericProperty(1.0)
    centre_name = StringProperty("")
    notice = StringProperty("")
    clock_text = StringProperty("")
    offline = BooleanProperty(False)
    fault = StringProperty("")  # a configuration fault staff must fix (bad token)
    services = ListProperty()
    busy = BooleanProperty(False)
    message = StringProperty("")
    selected_service = DictProperty()
    procedure_code = StringProperty("")
    priority = StringProperty("")
    cccd_masked = StringProperty("")
    scanning_cccd = BooleanProperty(False)
    ticket = DictProperty()
    ticket_qr = ObjectProperty(None, allownone=True)
    ticket_note = StringProperty("")
    ticket_booked = BooleanProperty(False)  # a booked visitor's ticket (checked in on time): marked «Đặt hẹn»
    procedure_results = ListProperty()
    procedure_fields = ListProperty()
    procedure = DictProperty()
    dossier = DictProperty()
    camera_available = BooleanProperty(False)  # a scanner is configured and working
    scanner_down = BooleanProperty(False)  # a scanner is configured but not working now (being restarted)
    printer_fault = StringProperty("")  # "", or why tickets are not printed now: paper_out, cover_open, printer_offline
    scan_guidance = StringProperty("")  # the camera's advice while scanning (hardware.scanners.Guidance code)

    def __init__(self, config: KioskConfig, config_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.kiosk_config = config
        self.lang = config.language
        self.font_scale = config.font_scale
        self.controller = KioskController(self, config, config_path)
        self.clock_offset = 0.0  # advanced by the test control channel instead of sleeping
        self.last_touch = self.now()
        self.title = "Motcua — Kiosk"

    # -- helpers used from kv -------------------------------------------------------------------
    def t(self, key: str, _lang: str | None = None, **values) -> str:
        """A text in the current language (kv passes app.lang so labels follow a switch)."""
        return t(key, self.lang, **values)

    def fs(self, size: float) -> float:
        return sp(size) * self.font_scale

    def now(self) -> float:
        return time.monotonic() + self.clock_offset

    # -- building -------------------------------------------------------------------------------
    def build(self):
        register_fonts()
        from . import screens  # noqa: F401  (registers the screen classes used by the kv files)

        Window.clearcolor = (0.04, 0.11, 0.22, 1)
        Builder.load_file(str(KV_DIR / "common.kv"))
        for name in SCREENS:
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
        root = Builder.load_file(str(KV_DIR / "root.kv"))
        root.ids.screens.transition = NoTransition()
        Window.bind(on_touch_down=self.touched, on_key_down=self.touched)
        Clock.schedule_interval(self._tick, 1.0)
        self._tick(0)
        return root

    def on_start(self):
        self.controller.start()

    def on_stop(self):
        pass

    @property
    def screens(self):
        return self.root.ids.screens

    # -- clock and idle ----------------------------------------------------------------------------
    def touched(self, *_args):
        self.last_touch = self.now()
        return False

    def _tick(self, _dt) -> None:
        self.clock_text = clock_line(datetime.now(VN_TZ), self.lang)
        if self.root is not None and self.now() - self.last_touch > self.kiosk_config.idle_timeout_s:
            self.last_touch = self.now()
            if self.screens.current != "home" or self.message:
                self.go_home()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for the idle timer (tests)."""
        self.clock_offset += seconds
        self._tick(0)

    # -- the test control channel (control_channel; absent unless a test enables it) ------------------
    def control_state(self) -> dict:
        return {
            "offline": self.offline,
            "fault": self.fault,
            "busy": self.busy,
            "message": self.message,
            "ticket": self.ticket.get("display_number"),
            "ticket_note": self.ticket_note,
            "camera": self.camera_available,
            "scanner_down": self.scanner_down,
            "printer_fault": self.printer_fault,
            "services": len(self.services),
            "centre": self.centre_name,
        }

    def control_commands(self) -> dict:
        return {"advance": lambda request: self.advance(float(request["seconds"]))}

    # -- navigation -------------------------------------------------------------------------------
    def show(self, name: str) -> None:
        self.message = ""
        self.screens.current = name

    def go_home(self) -> None:
        """Back to the start with nothing personal left anywhere."""
        self.controller.forget_visitor()
        self.ticket, self.ticket_qr, self.ticket_note, self.ticket_booked = {}, None, "", False
        self.dossier = {}
        self.cccd_masked, self.priority, self.procedure_code = "", "", ""
        self.scanning_cccd = False
        self.selected_service = {}
        self.procedure = {}
        self.procedure_results = []
        for screen in self.screens.screens:
            reset = getattr(screen, "reset", None)
            if reset is not None:
                reset()
        self.show("home")

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        self.clock_text = clock_line(datetime.now(VN_TZ), self.lang)

    # -- flows (called by screens; the controller does the work) -------------------------------------
    def choose_service(self, service: dict) -> None:
        if not service.get("open_now", True):
            self.message = service.get("closed_reason") or t("closed", self.lang)
            return
        self.selected_service = service
        self.priority = ""
        if service.get("allow_priority") or self.camera_available:
            self.show("confirm")
        else:
            self.controller.take_ticket(service, None, self.procedure_code or None)

    def confirm_ticket(self, priority: str | None = None) -> None:
        self.controller.stop_scanning()
        self.controller.take_ticket(dict(self.selected_service), priority, self.procedure_code or None)

    def show_ticket(self, ticket: dict, service: dict, priority: str | None, booked: bool = False) -> None:
        self.ticket_booked = booked
        self.ticket = ticket
        self.ticket_qr = qr_texture(ticket["track_url"])
        self.ticket_note = ""
        self.show("ticket")

    def show_procedure(self, procedure: dict) -> None:
        self.procedure = procedure
        self.show("procedure")

    def ticket_for_procedure(self) -> None:
        service_id = self.procedure.get("service_id")
        service = next((s for s in self.services if s["id"] == service_id), None)
        self.show("services")
        if service is None:
            self.message = t("closed", self.lang)
            return
        self.procedure_code = self.procedure.get("code") or self.procedure.get("ref") or ""
        self.choose_service(service)

    def show_dossier(self, result: dict) -> None:
        self.controller.stop_scanning()
        self.dossier = result
        self.show("status")

    def prefill_dossier_code(self, code: str) -> None:
        self.screens.get_screen("dossier").prefill(code)
