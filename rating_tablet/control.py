"""A localhost control channel for tests and kiosk-style diagnostics (enabled by MOTCUA_TABLET_CONTROL_PORT).

One JSON object per line in, one per line out:
  {"cmd": "state"}                         → screen, visible texts, officer, outbox counts
  {"cmd": "tap", "text": "Hài lòng", "nth": 0} → a real touch (down/up through the window) on that widget
  {"cmd": "type", "text": "…"}             → text into the current screen's text box
  {"cmd": "screenshot", "path": "x.png"}  → the window as PNG
  {"cmd": "prompt", "data": {...}}         → as if `rating.requested` had arrived
"""

from __future__ import annotations

import asyncio
import json

from kivy.tests.common import UnitTestTouch
from kivy.uix.textinput import TextInput


def _visible(widget):
    if widget.opacity == 0:
        return
    yield widget
    for child in reversed(widget.children):
        yield from _visible(child)


def visible_texts(app) -> list[str]:
    screen = app.root.current_screen
    return [
        w.text
        for w in _visible(screen)
        if isinstance(getattr(w, "text", None), str) and w.text and not isinstance(w, TextInput)
    ]


def tap(app, text: str, nth: int = 0) -> bool:
    matches = [w for w in _visible(app.root.current_screen) if getattr(w, "text", None) == text]
    if len(matches) <= nth:
        return False
    widget = matches[nth]
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    return True


def state(app) -> dict:
    return {
        "screen": app.root.current,
        "texts": visible_texts(app),
        "officer": app.officer_name,
        "counter_number": app.counter_number,
        "connected": app.connected,
        "outbox": app.outbox.counts(),
    }


async def _handle(app, request: dict) -> dict:
    cmd = request.get("cmd")
    if cmd == "state":
        return state(app)
    if cmd == "tap":
        await asyncio.sleep(0.15)  # a screen just switched to is laid out on the next frames
        return {"ok": tap(app, request["text"], int(request.get("nth", 0)))}
    if cmd == "type":
        boxes = [w for w in _visible(app.root.current_screen) if isinstance(w, TextInput)]
        if boxes:
            boxes[0].text = request["text"]
        return {"ok": bool(boxes)}
    if cmd == "screenshot":
        await asyncio.sleep(0.2)  # let the last change reach a frame
        app.root.export_to_png(request["path"])
        return {"ok": True}
    if cmd == "prompt":
        app.start_rating(request["data"])
        return {"ok": True}
    return {"error": f"unknown command {cmd!r}"}


async def serve_control(app, port: int) -> None:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while line := await reader.readline():
                try:
                    answer = await _handle(app, json.loads(line))
                except Exception as exc:  # a bad command must not kill the app under test
                    answer = {"error": f"{type(exc).__name__}: {exc}"}
                writer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", port)
    async with server:
        await server.serve_forever()
