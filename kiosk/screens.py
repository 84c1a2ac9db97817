"""Screen classes: what each screen does with its widgets. Layout lives in kv/<screen>.kv."""

from __future__ import annotations

from datetime import datetime

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.screenmanager import Screen
from kivy.utils import escape_markup

from .controller import VN_TZ
from .images import frame_texture
from .keyboard import OnScreenKeyboard  # noqa: F401  (used by the kv files)
from .texts import DOSSIER_FIELDS, PRIORITY_CLASSES, mask_name, t, wait_line


class KioskButton(Button):
    pass


class BigChoice(Button):
    pass


class ListButton(KioskButton):
    min_height = NumericProperty(0)


def fit_text(text: str, width: float, height: float, largest: float, smallest: float, bold: bool = True):
    """(font size, text): the largest size at which `text` wrapped to `width` is no taller than
    `height`; at the smallest size, the words that fit followed by '…'."""
    if width <= 0 or height <= 0 or not text:
        return largest, text

    def tall(candidate: str, size: float) -> float:
        label = CoreLabel(text=candidate, font_size=size, bold=bold, text_size=(width, None), halign="center")
        label.refresh()
        return label.texture.size[1]

    size = largest
    while size > smallest and tall(text, size) > height:
        size = max(smallest, size * 0.9)
    if tall(text, size) <= height:
        return size, text
    words = text.split()
    while len(words) > 1 and tall(" ".join(words) + "…", size) > height:
        words.pop()
    return size, " ".join(words) + "…"


class InfoRow(BoxLayout):
    label = StringProperty("")
    value = StringProperty("")
    # A value with its own emphasis (the documents list: headings bold, the rest plain), in Kivy markup.
    markup = BooleanProperty(False)


class ServiceTile(ButtonBehavior, BoxLayout):
    service = DictProperty()
    name = StringProperty("")
    line1 = StringProperty("")
    line2 = StringProperty("")
    shown_name = StringProperty("")
    name_size = NumericProperty(0)

    def on_kv_post(self, _base):
        name = self.ids.name
        for widget, props in ((name, ("size",)), (self.ids.line1, ("height",)), (self.ids.line2, ("height",))):
            widget.bind(**{p: self._refit for p in props})
        self.bind(name=self._refit)
        self._refit()

    def _refit(self, *_):
        Clock.unschedule(self.fit_name)
        Clock.schedule_once(self.fit_name, 0)

    def fit_name(self, *_):
        app = App.get_running_app()
        label = self.ids.name
        self.name_size, self.shown_name = fit_text(self.name, label.width, label.height, app.fs(40), app.fs(20))

    def on_service(self, _inst, service):
        if not service:
            return
        lang = App.get_running_app().lang
        self.name = (service.get("name_en") or service["name"]) if lang == "en" else service["name"]
        if service.get("open_now", True):
            self.line1 = t("waiting", lang, n=service.get("waiting", 0))
            self.line2 = wait_line(service, lang)
        else:
            self.line1 = service.get("closed_reason") or t("closed", lang)
            self.line2 = _reopens(service.get("reopens_at"), lang)


def _reopens(value: str | None, lang: str) -> str:
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(VN_TZ)
    except ValueError:
        return ""
    when = f"{at:%H:%M}" if at.date() == datetime.now(VN_TZ).date() else f"{at:%H:%M %d/%m/%Y}"
    return t("reopens_at", lang, t=when)


def _show_date(value) -> str:
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if at.tzinfo is not None:
        at = at.astimezone(VN_TZ)
    return f"{at:%H:%M %d/%m/%Y}" if (at.hour, at.minute) != (0, 0) else f"{at:%d/%m/%Y}"


class HomeScreen(Screen):
    pass


class ServicesScreen(Screen):
    def on_pre_enter(self, *_):
        App.get_running_app().controller.check_printer()  # fresh before the visitor picks a service

    def on_kv_post(self, _base):
        app = App.get_running_app()
        app.bind(services=self._refresh, lang=self._refresh)
        self._refresh()

    def _refresh(self, *_):
        """Update the tiles in place (a live update must not swap a tile under a visitor's finger)."""
        grid = self.ids.tiles
        services = App.get_running_app().services
        tiles = list(reversed(grid.children))
        if [t.service.get("id") for t in tiles] == [s["id"] for s in services]:
            for tile, service in zip(tiles, services):
                tile.service = {}  # re-render even when only the language changed
                tile.service = service
            return
        grid.clear_widgets()
        for service in services:
            grid.add_widget(ServiceTile(service=service))


class ConfirmScreen(Screen):
    priority_classes = ListProperty()

    def on_pre_enter(self, *_):
        app = App.get_running_app()
        allow = app.selected_service.get("allow_priority", False)
        box = self.ids.priorities
        box.clear_widgets()
        if allow:
            for code, (vi, en) in PRIORITY_CLASSES.items():
                button = KioskButton(text=en if app.lang == "en" else vi)
                button.bind(on_release=lambda _b, c=code: app.confirm_ticket(c))
                box.add_widget(button)

    def on_leave(self, *_):
        App.get_running_app().controller.stop_scanning()


class TicketScreen(Screen):
    pass


class ProceduresScreen(Screen):
    field = StringProperty("")

    def on_pre_enter(self, *_):
        app = App.get_running_app()
        self.ids.keyboard.target = self.ids.query
        if not app.procedure_fields:
            app.controller.load_fields()
        if not app.procedure_results:
            app.controller.search_later(self.ids.query.text, self.field or None)

    def on_kv_post(self, _base):
        app = App.get_running_app()
        app.bind(procedure_results=self._show_results, procedure_fields=self._show_fields, lang=self._show_results)

    def on_query(self, text: str) -> None:
        if self.manager is not None and self.manager.current == self.name:
            App.get_running_app().controller.search_later(text, self.field or None)

    def choose_field(self, field: str) -> None:
        self.field = "" if field == self.field else field
        App.get_running_app().controller.search_later(self.ids.query.text, self.field or None)

    def _show_fields(self, *_):
        app = App.get_running_app()
        box = self.ids.fields
        box.clear_widgets()
        for item in app.procedure_fields:
            name = (item.get("field") or item.get("name")) if isinstance(item, dict) else str(item)
            count = item.get("count") if isinstance(item, dict) else None
            button = ListButton(text=f"{name} ({count})" if count is not None else name, min_height=app.fs(70))
            button.bind(on_release=lambda _b, f=name: self.choose_field(f))
            box.add_widget(button)

    def _show_results(self, *_):
        app = App.get_running_app()
        box = self.ids.results
        box.clear_widgets()
        results = app.procedure_results
        self.ids.count.text = (
            t("results_count", app.lang, n=len(results))
            if results
            else (t("no_results", app.lang) if self.ids.query.text.strip() or self.field else "")
        )
        for item in results[:30]:
            button = ListButton(text=item.get("name", ""), min_height=app.fs(90), halign="left")
            button.bind(
                on_release=lambda _b, ref=item.get("ref") or item.get("code"): app.controller.open_procedure(ref)
            )
            box.add_widget(button)

    def reset(self):
        self.ids.query.text = ""
        self.field = ""


class ProcedureScreen(Screen):
    def on_kv_post(self, _base):
        App.get_running_app().bind(procedure=self._show, lang=self._show)

    def _show(self, *_):
        app = App.get_running_app()
        p = app.procedure
        box = self.ids.details
        box.clear_widgets()
        if not p:
            return
        lang = app.lang
        documents = documents_markup(p)
        if documents:
            box.add_widget(InfoRow(label=t("documents", lang), value=documents, markup=True))
        rows = [
            (t("fees", lang), p.get("fee_text") or _fees_text(p.get("fees"), lang)),
            (t("processing_time", lang), _text_of(p.get("processing_time") or p.get("processing_time_text"))),
            (t("agency", lang), _text_of(p.get("agency") or p.get("agency_name"))),
            (t("channels", lang), ", ".join(_text_of(c) for c in p.get("channels") or [])),
        ]
        for label, value in rows:
            if value:
                box.add_widget(InfoRow(label=label, value=value))


def _text_of(value) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("text") or value.get("label") or "")
    return "" if value is None else str(value)


# How each kind of line of the server's document outline reads on the kiosk.
_OUTLINE_FORMS = {"heading": "[b]{}[/b]", "document": "•  {}", "detail": "      –  {}", "note": "      {}"}


def documents_markup(p: dict) -> str:
    """The documents to bring, in the server's order: group headings bold, documents bulleted, and
    details and notes indented under their document (no '• -' or '• *' from the source's own marks)."""
    outline = p.get("document_outline") or [
        {"text": _doc_text(d), "kind": "document"} for d in p.get("documents") or []
    ]
    return "\n".join(_OUTLINE_FORMS.get(line["kind"], "•  {}").format(escape_markup(line["text"])) for line in outline)


def _doc_text(doc) -> str:
    if isinstance(doc, dict):
        name = doc.get("name") or doc.get("title") or ""
        copies = doc.get("copies") or doc.get("quantity")
        return f"{name} ({copies})" if copies else name
    return str(doc)


def _fees_text(fees, lang: str) -> str:
    if not fees:
        return t("no_fee", lang)
    if isinstance(fees, (str, int, float)):
        return str(fees)
    lines = []
    for fee in fees:
        if isinstance(fee, dict):
            amount = fee.get("amount_vnd", fee.get("amount"))
            desc = fee.get("description") or fee.get("name") or ""
            money = f"{int(amount):,} đồng".replace(",", ".") if isinstance(amount, (int, float)) else _text_of(amount)
            lines.append(f"• {desc}: {money}" if desc else f"• {money}")
        else:
            lines.append(f"• {fee}")
    return "\n".join(lines)


class CameraScreen(Screen):
    """A screen that reads codes through the camera while it is shown, with the live preview
    (the `ScanPanel` `ids.scan`) and the on-screen keyboard typing into `ids.code`."""

    @property
    def preview(self):
        return self.ids.scan.ids.preview

    def start_scanning(self, controller) -> None:
        raise NotImplementedError

    def on_pre_enter(self, *_):
        self.ids.keyboard.target = self.ids.code
        self.start_scanning(App.get_running_app().controller)
        self._preview = Clock.schedule_interval(self._update_preview, 0.1)

    def on_leave(self, *_):
        App.get_running_app().controller.stop_scanning()
        if getattr(self, "_preview", None) is not None:
            self._preview.cancel()
            self._preview = None

    def _update_preview(self, _dt):
        frame = App.get_running_app().controller.preview_frame()
        if frame is not None:
            self.preview.texture = frame_texture(frame, self.preview.texture)


class CheckinScreen(CameraScreen):
    """«Đã đặt lịch hẹn»: the booking's QR from the phone, or its code typed."""

    def start_scanning(self, controller) -> None:
        controller.start_booking_scan()

    def check_in(self) -> None:
        App.get_running_app().controller.check_in_typed(self.ids.code.text)

    def reset(self):
        self.ids.code.text = ""
        self.preview.texture = None


class DossierScreen(CameraScreen):
    def start_scanning(self, controller) -> None:
        controller.start_receipt_scan()

    def focus_input(self, name: str) -> None:
        # Managed-keyboard inputs never unfocus one another: without this, touching the code again
        # after the digits would not fire on_focus and would leave the digit keys up.
        for other in ("code", "phone"):
            if other != name:
                self.ids[other].focus = False
        keyboard = self.ids.keyboard
        keyboard.target = self.ids[name]
        keyboard.layout = "digits" if name == "phone" else "letters"

    def on_phone(self, text: str) -> None:
        digits = "".join(ch for ch in text if ch.isdigit())[:4]
        if digits != text:
            self.ids.phone.text = digits

    def look_up(self) -> None:
        App.get_running_app().controller.look_up_code(self.ids.code.text, self.ids.phone.text)

    def prefill(self, code: str) -> None:
        self.ids.code.text = code
        self.focus_input("phone")

    def reset(self):
        self.ids.code.text = ""
        self.ids.phone.text = ""
        self.preview.texture = None
        self.focus_input("code")


class StatusScreen(Screen):
    def on_kv_post(self, _base):
        App.get_running_app().bind(dossier=self._show, lang=self._show)

    def _show(self, *_):
        app = App.get_running_app()
        box = self.ids.fields
        box.clear_widgets()
        d = app.dossier
        for key, (vi, en) in DOSSIER_FIELDS:
            value = d.get(key)
            if key in ("received_at", "appointment_at"):
                value = _show_date(value)
            elif key == "applicant_name":
                value = mask_name(value or "")
            elif isinstance(value, list):
                value = "\n".join(f"• {v}" for v in value)
            if value:
                box.add_widget(InfoRow(label=en if app.lang == "en" else vi, value=str(value)))
