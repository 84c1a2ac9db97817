"""The test control channel: a test drives a real Kivy app (kiosk or rating tablet) over 127.0.0.1.

Absent from the product. An app imports this package only when ``MOTCUA_TEST_CONTROL_PORT`` is set,
which only the tests set, and the package is not installed with the product (pyproject's package
list leaves it out), so a deployed kiosk has no such port and no such code.

One JSON object per line in, one per line out; every answer carries ``"ok"``, and ``"error"`` when
it is false:

  {"cmd": "state"}                      → "screen", "texts" and the app's own ``control_state()``
  {"cmd": "texts"}                      → "texts": what a visitor sees now (labels, buttons, inputs)
  {"cmd": "tap", "text": T, "nth": 0}   → a touch through the window on the nth visible widget
                                          showing T (exact text first, else containing it)
  {"cmd": "type", "text": T}            → T typed on the screen's on-screen keyboard, else into its
                                          focused (or first) text box
  {"cmd": "screenshot", "path": P}      → the window as PNG at P
  {"cmd": "boxes", "text": T}           → "boxes": for each visible label showing T (containing it),
                                          its text, its window box and the box its text is drawn in
  {"cmd": NAME, ...}                    → one of the app's ``control_commands()`` (the kiosk's
                                          "advance", the tablet's "prompt"), given the request
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

ENV_VAR = "MOTCUA_TEST_CONTROL_PORT"
_MARKUP = re.compile(r"\[/?[a-z]+(=[^\]]*)?\]")


class _Tap(MotionEvent):
    def __init__(self, x: float, y: float):
        super().__init__(
            "control",
            4242,
            {"x": x / max(1, Window.width - 1), "y": y / max(1, Window.height - 1)},
            is_touch=True,
            type_id="touch",
        )
        self.profile = ["pos"]

    def depack(self, args):
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)


def _visible(widget):
    """Widgets a visitor can see: only the current screen of a ScreenManager, nothing transparent."""
    if widget.opacity == 0:
        return
    yield widget
    children = widget.children
    if isinstance(widget, ScreenManager):
        children = [widget.current_screen] if widget.current_screen else []
    for child in reversed(children):
        yield from _visible(child)


def _text_of(widget) -> str:
    if isinstance(widget, TextInput):
        return widget.text or widget.hint_text
    if isinstance(widget, Label):
        return _MARKUP.sub("", widget.text or "").strip()
    return ""


def _shown(app) -> list:
    """Visible widgets that show a text: the app's window, then popups and overlays."""
    roots = [app.root] + [w for w in Window.children if w is not app.root]
    return [w for r in roots for w in _visible(r) if _text_of(w)]


def visible_texts(app) -> list[str]:
    return [_text_of(w) for w in _shown(app)]


def _ancestors(widget):
    """The widget and its parents up to the window (whose parent is itself)."""
    while widget is not None and widget is not Window:
        yield widget
        widget = widget.parent


def _current_screen(app):
    return next((w.current_screen for w in _visible(app.root) if isinstance(w, ScreenManager)), None)


def find(app, text: str, nth: int = 0):
    """The nth widget showing ``text`` (exact first, then containing), or what holds it: a button, an input."""
    widgets = _shown(app)
    for match in (lambda s: s == text, lambda s: text in s):
        hits = [w for w in widgets if match(_text_of(w))]
        if len(hits) > nth:
            hit = hits[nth]
            return next((t for t in _ancestors(hit) if isinstance(t, (ButtonBehavior, TextInput))), hit)
    return None


async def tap(app, text: str, nth: int = 0) -> dict:
    await asyncio.sleep(0.15)  # a screen just switched to is laid out on the next frames
    widget = find(app, text, nth)
    if widget is None:
        return {"ok": False, "error": f"no visible widget shows {text!r}"}
    if widget.disabled:
        return {"ok": False, "error": f"{text!r} is disabled"}
    scroller = next((p for p in _ancestors(widget) if isinstance(p, ScrollView)), None)
    if scroller is not None:
        scroller.scroll_to(widget, padding=20, animate=False)
        await asyncio.sleep(0.05)
    x, y = widget.to_window(*widget.center)
    touch = _Tap(x, y)
    if scroller is None:
        EventLoop.post_dispatch_input("begin", touch)
        await asyncio.sleep(0.08)  # held like a finger
        EventLoop.post_dispatch_input("end", touch)
    else:
        # Straight to the widget: a ScrollView's scroll-or-tap guess depends on frame timing.
        touch.scale_for_screen(Window.width, Window.height)
        touch.x, touch.y = touch.pos = widget.center
        app.touched()  # what the window would have told the app (its idle timer)
        widget.dispatch("on_touch_down", touch)
        await asyncio.sleep(0.08)
        touch.grab_current = widget
        widget.dispatch("on_touch_up", touch)
        touch.grab_current = None
    await asyncio.sleep(0.1)
    return {"ok": True}


def type_text(app, text: str) -> dict:
    screen = _current_screen(app)
    if screen is None:
        return {"ok": False, "error": "no screen"}
    keyboard = screen.ids.get("keyboard")
    if keyboard is not None and getattr(keyboard, "target", None) is not None:
        keyboard.type_text(text)
        return {"ok": True}
    boxes = [w for w in _visible(screen) if isinstance(w, TextInput) and not w.disabled]
    box = next((b for b in boxes if b.focus), boxes[0] if boxes else None)
    if box is None:
        return {"ok": False, "error": "nothing to type into on this screen"}
    box.insert_text(text)
    return {"ok": True}


async def screenshot(path: str) -> dict:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.sleep(0.15)  # let the last change reach the frame buffer
    os.replace(Window.screenshot(str(target)), target)
    return {"ok": True, "path": str(target)}


def boxes(app, text: str) -> dict:
    """Where labels showing ``text`` are, and where their text is drawn (a Kivy label draws its
    texture centred on itself, overflowing it when the text is taller): for layout tests."""
    found = []
    for w in _shown(app):
        if isinstance(w, Label) and text in _text_of(w):
            x, y = w.to_window(w.x, w.y)
            tw, th = w.texture_size
            found.append(
                {
                    "text": _text_of(w),
                    "widget": [x, y, w.width, w.height],
                    "ink": [x + (w.width - tw) / 2, y + (w.height - th) / 2, tw, th],
                    "font_size": w.font_size,
                }
            )
    return {"ok": True, "boxes": found}


async def handle(app, request: dict) -> dict:
    if app.root is None:
        return {"ok": False, "error": "the app is still starting"}
    cmd = request.get("cmd")
    if cmd == "state":
        screen = _current_screen(app)
        return {
            "ok": True,
            "screen": screen.name if screen else None,
            "texts": visible_texts(app),
            **app.control_state(),
        }
    if cmd == "texts":
        return {"ok": True, "texts": visible_texts(app)}
    if cmd == "tap":
        return await tap(app, str(request["text"]), int(request.get("nth", 0)))
    if cmd == "type":
        return type_text(app, str(request["text"]))
    if cmd == "screenshot":
        return await screenshot(str(request["path"]))
    if cmd == "boxes":
        return boxes(app, str(request["text"]))
    command = app.control_commands().get(cmd)
    if command is None:
        return {"ok": False, "error": f"unknown command {cmd!r}"}
    answer = command(request)
    if inspect.isawaitable(answer):
        answer = await answer
    return {"ok": True, **(answer or {})}


async def serve(app, port: int) -> None:
    """Answer control requests on 127.0.0.1:``port`` until cancelled."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    answer = await handle(app, json.loads(line))
                except Exception as exc:  # a bad command must not take the app under test down
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                writer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8") + b"\n")
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", port)
    async with server:
        await server.serve_forever()
