"""A line-based control channel on 127.0.0.1, for driving the real kiosk from tests and demos.

Commands (one per line; each answers one JSON line {"ok": …, …}):
  texts               → the texts a visitor sees now (labels, buttons, inputs)
  screen              → the current screen's name
  tap <text>          → touch the widget showing <text> (exact match first, then contains)
  type <text>         → type into the on-screen keyboard's current field
  screenshot <path>   → save the window as PNG
  advance <seconds>   → let time pass for the idle timer
  state               → app state useful to tests (offline, busy, message, ticket number)
Only started with --control-port; never on a production kiosk.
"""

from __future__ import annotations

import asyncio
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


def visible_texts(root) -> list[str]:
    roots = [root] + [w for w in Window.children if w is not root]
    return [text for r in roots for w in _visible(r) if (text := _text_of(w))]


def _ancestors(widget):
    """The widget and its parents up to the window (whose parent is itself)."""
    while widget is not None and widget is not Window:
        yield widget
        widget = widget.parent


def find(root, text: str):
    widgets = [w for r in [root] + list(Window.children) for w in _visible(r) if _text_of(w)]
    for match in (lambda s: s == text, lambda s: text in s):
        for w in widgets:
            if match(_text_of(w)):
                for target in _ancestors(w):
                    if isinstance(target, (ButtonBehavior, TextInput)):
                        return target
                return w
    return None


async def tap(app, text: str) -> dict:
    widget = find(app.root, text)
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
        app._touched()
        widget.dispatch("on_touch_down", touch)
        await asyncio.sleep(0.08)
        touch.grab_current = widget
        widget.dispatch("on_touch_up", touch)
        touch.grab_current = None
    await asyncio.sleep(0.1)
    return {"ok": True}


async def handle(app, line: str) -> dict:
    command, _, arg = line.strip().partition(" ")
    root = app.root
    if command == "texts":
        return {"ok": True, "texts": visible_texts(root)}
    if command == "screen":
        return {"ok": True, "screen": app.screens.current}
    if command == "tap":
        return await tap(app, arg)
    if command == "type":
        keyboard = app.screens.current_screen.ids.get("keyboard")
        if keyboard is None or keyboard.target is None:
            return {"ok": False, "error": "no on-screen keyboard on this screen"}
        keyboard.type_text(arg)
        return {"ok": True}
    if command == "screenshot":
        path = Path(arg)
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.sleep(0.15)  # let the last change reach the frame buffer
        taken = Window.screenshot(str(path))
        os.replace(taken, path)
        return {"ok": True, "path": str(path)}
    if command == "advance":
        app.advance(float(arg))
        return {"ok": True}
    if command == "state":
        return {
            "ok": True,
            "offline": app.offline,
            "busy": app.busy,
            "message": app.message,
            "screen": app.screens.current,
            "ticket": app.ticket.get("display_number"),
            "ticket_note": app.ticket_note,
            "camera": app.camera_available,
            "services": len(app.services),
            "centre": app.centre_name,
        }
    return {"ok": False, "error": f"unknown command {command!r}"}


async def serve(app, port: int) -> None:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            try:
                answer = await handle(app, line.decode("utf-8"))
            except Exception as exc:  # a bad command must not take the kiosk down
                answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            writer.write((json.dumps(answer, ensure_ascii=False) + "\n").encode("utf-8"))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", port)
    async with server:
        await server.serve_forever()
