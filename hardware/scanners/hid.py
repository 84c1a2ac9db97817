"""Keyboard-wedge scanners: they "type" the code and press Enter.

``KeyboardWedgeScanner`` is fed characters by the app (the Kivy kiosk forwards
its key events). ``DeviceLineScanner`` reads the same thing itself from a path:
a serial-mode scanner or a text file (one code per line), or a Linux input
event device (``/dev/input/...``), whose key events it translates with a US
keyboard layout, the layout wedge scanners emit by default.
"""

from __future__ import annotations

import io
import os
import queue
import struct
import threading
from pathlib import Path
from typing import Any, BinaryIO

from .base import Scanner
from .errors import ScannerUnavailable

__all__ = ["KeyboardWedgeScanner", "DeviceLineScanner", "EvdevKeymap"]

_ENTER_KEYS = {"enter", "return", "numpadenter", "kp_enter", "\r", "\n"}


class KeyboardWedgeScanner(Scanner):
    """``hid://``: fed characters with ``feed``/``feed_key``; a line ends at Enter."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.url = "hid://"
        self._buffer: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self._feed_lock = threading.Lock()

    def feed(self, text: str) -> None:
        """Characters as typed; ``\\r`` or ``\\n`` ends the code. Safe from any thread."""
        with self._feed_lock:
            for char in text:
                if char in "\r\n":
                    self._end_line()
                else:
                    self._buffer.append(char)

    def feed_key(self, key: str, text: str | None = None) -> None:
        """One key event as Kivy reports it: the key's name and the text it typed, if any."""
        if key.lower() in _ENTER_KEYS:
            with self._feed_lock:
                self._end_line()
        elif text:
            self.feed(text)

    def _end_line(self) -> None:
        line = "".join(self._buffer).strip()
        self._buffer.clear()
        if line:
            self._lines.put(line)

    def _read_texts(self, timeout: float | None) -> list[str]:
        try:
            lines = [self._lines.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                lines.append(self._lines.get_nowait())
            except queue.Empty:
                return lines


class EvdevKeymap:
    """Linux ``input_event`` key codes to characters, US layout, Shift aware."""

    EVENT = struct.Struct("llHHi")  # struct timeval, type, code, value
    EV_KEY = 1
    ENTER_CODES = {28, 96}
    SHIFT_CODES = {42, 54}
    _ROWS = {
        2: "1234567890-=",
        16: "qwertyuiop[]",
        30: "asdfghjkl;'`",
        43: "\\zxcvbnm,./",
    }
    _SHIFTED = dict(zip("1234567890-=[];'`\\,./", '!@#$%^&*()_+{}:"~|<>?'))
    _KEYPAD = {
        71: "7",
        72: "8",
        73: "9",
        74: "-",
        75: "4",
        76: "5",
        77: "6",
        78: "+",
        79: "1",
        80: "2",
        81: "3",
        82: "0",
        83: ".",
        98: "/",
        55: "*",
        57: " ",
    }

    def __init__(self) -> None:
        self.plain: dict[int, str] = dict(self._KEYPAD)
        for first, chars in self._ROWS.items():
            self.plain.update({first + i: ch for i, ch in enumerate(chars)})
        self.shift_down = 0

    def translate(self, code: int, value: int) -> str | None:
        """The text one key event types (``"\\n"`` for Enter), or None."""
        if code in self.SHIFT_CODES:
            self.shift_down = max(0, self.shift_down + (1 if value == 1 else -1 if value == 0 else 0))
            return None
        if value == 0:
            return None
        if code in self.ENTER_CODES:
            return "\n"
        char = self.plain.get(code)
        if char is None or not self.shift_down:
            return char
        return char.upper() if char.isalpha() else self._SHIFTED.get(char, char)


class DeviceLineScanner(KeyboardWedgeScanner):
    """``hid:///dev/ttyACM0``, ``hid:///path/codes.txt`` or ``hid:///dev/input/by-id/...``.

    A reader thread feeds what the device sends; ``format`` is ``"lines"`` (text)
    or ``"evdev"`` (key events), by default ``"evdev"`` under ``/dev/input/``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        stream: BinaryIO | io.TextIOBase | None = None,
        format: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if (path is None) == (stream is None):
            raise ValueError("give a path or a stream")
        self.path = Path(path) if path is not None else None
        self.url = f"hid://{self.path}" if self.path is not None else "hid://<stream>"
        self.format = format or ("evdev" if str(path or "").startswith("/dev/input/") else "lines")
        if self.format not in ("lines", "evdev"):
            raise ValueError(f"unknown hid format {self.format!r}")
        self._stream: Any = stream
        self._thread: threading.Thread | None = None

    def _open(self) -> None:
        if self.path is not None:
            try:
                self._stream = open(self.path, "rb")  # noqa: SIM115 - lives until close()
            except OSError as exc:
                raise ScannerUnavailable(
                    "hid_not_found",
                    "Không tìm thấy máy quét mã. Vui lòng kiểm tra dây cắm hoặc báo cán bộ hỗ trợ.",
                    detail=f"{self.path}: {exc.strerror}",
                ) from exc
        pump = self._pump_evdev if self.format == "evdev" else self._pump_lines
        self._thread = threading.Thread(target=pump, name=f"scanner {self.url}", daemon=True)
        self._thread.start()

    def _pump_lines(self) -> None:
        for raw in iter(self._stream.readline, b"" if "b" in getattr(self._stream, "mode", "b") else ""):
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            self.feed(text if text.endswith("\n") else text + "\n")

    def _pump_evdev(self) -> None:
        keymap, size = EvdevKeymap(), EvdevKeymap.EVENT.size
        while True:
            chunk = self._stream.read(size)
            if not chunk or len(chunk) < size:
                return
            _sec, _usec, kind, code, value = EvdevKeymap.EVENT.unpack(chunk)
            if kind == EvdevKeymap.EV_KEY:
                text = keymap.translate(code, value)
                if text:
                    self.feed(text)

    def _close(self) -> None:
        if self.path is not None and self._stream is not None:
            self._stream.close()
