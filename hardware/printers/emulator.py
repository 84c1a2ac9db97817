"""An ESC/POS interpreter that draws the paper a real printer would produce.

It understands every command this package emits (init, code-page text with
bold and size styles, alignment, ``GS v 0`` raster images, ``GS ( k`` QR codes,
feeds, cuts and ``DLE EOT`` status queries) and refuses anything else with
:class:`EscposDecodeError` naming the byte offset, rather than printing garbage.
The same interpreter answers status queries for the fake network printer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw

from .errors import EscposDecodeError
from .render import CHAR_HEIGHT_DOTS, CHAR_WIDTH_DOTS, load_font

ESC, GS, DLE, LF, CR = 0x1B, 0x1D, 0x10, 0x0A, 0x0D
EOT = 0x04
DEFAULT_LINE_SPACING = 30  # dots; ESC 2
# Font A is 12x24 dots, font B 9x17, as on Epson printers.
FONT_CELLS = {0: (CHAR_WIDTH_DOTS, CHAR_HEIGHT_DOTS), 1: (9, 17)}
QR_EC = {
    48: qrcode.constants.ERROR_CORRECT_L,
    49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q,
    51: qrcode.constants.ERROR_CORRECT_H,
}
# Status bits that are always set in a DLE EOT answer (bits 1 and 4).
_STATUS_FIXED = 0x12


def default_code_pages() -> dict[int, str]:
    """ESC t numbers → codec names, from python-escpos' generic Epson table."""
    from escpos.capabilities import CAPABILITIES

    table = CAPABILITIES["profiles"]["default"]["codePages"]
    return {int(n): name.lower().replace("-", "_") for n, name in table.items() if name != "Unknown"}


@dataclass
class PaperState:
    """The mechanism a status query reports on; tests flip these to simulate faults."""

    paper_out: bool = False
    paper_near_end: bool = False
    cover_open: bool = False

    def answer(self, n: int) -> bytes:
        """The one-byte reply to ``DLE EOT n`` (Epson's real-time status)."""
        if n == 1:  # printer status: bit 3 offline
            return bytes([_STATUS_FIXED | (0x08 if self.paper_out or self.cover_open else 0)])
        if n == 2:  # offline cause: bit 2 cover open, bit 5 stopped by paper end
            return bytes([_STATUS_FIXED | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)])
        if n == 3:  # error cause: none simulated
            return bytes([_STATUS_FIXED])
        if n == 4:  # roll paper sensor: bits 2-3 near end, bits 5-6 paper end
            return bytes([_STATUS_FIXED | (0x0C if self.paper_near_end else 0) | (0x60 if self.paper_out else 0)])
        raise EscposDecodeError(detail=f"DLE EOT {n} is not a status query this printer knows")


@dataclass
class _Style:
    bold: bool = False
    underline: bool = False
    width_mul: int = 1
    height_mul: int = 1
    font: int = 0
    invert: bool = False


@dataclass
class _QrState:
    size: int = 3
    ec: int = 48
    data: bytes = b""


@dataclass
class EscposInterpreter:
    """Feed bytes with :meth:`feed`; read the paper with :meth:`image`."""

    width_dots: int = 576
    state: PaperState = field(default_factory=PaperState)
    code_pages: dict[int, str] = field(default_factory=default_code_pages)

    def __post_init__(self) -> None:
        self.strips: list[Image.Image] = []
        self.responses: list[bytes] = []
        self.cuts = 0
        self._reset()

    def _reset(self) -> None:
        self.style = _Style()
        self.align = 0
        self.line_spacing = DEFAULT_LINE_SPACING
        self.codec = "cp437"
        self.qr = _QrState()
        self._line: list[tuple[str, _Style]] = []

    # -- output -------------------------------------------------------------
    def image(self) -> Image.Image:
        """The paper so far, white background, black print."""
        self._flush_line(feed=False)
        height = sum(s.height for s in self.strips) + 16
        paper = Image.new("L", (self.width_dots, max(height, 16)), 255)
        y = 8
        for strip in self.strips:
            paper.paste(strip.convert("L"), (0, y))
            y += strip.height
        return paper

    def _blank(self, dots: int) -> None:
        if dots > 0:
            self.strips.append(Image.new("1", (self.width_dots, dots), 1))

    def _place(self, img: Image.Image) -> None:
        """Append an image at the current justification (ESC a applies to images too)."""
        img = img.convert("1")
        if img.width > self.width_dots:
            img = img.crop((0, 0, self.width_dots, img.height))  # the head is only so wide
        strip = Image.new("1", (self.width_dots, img.height), 1)
        x = [0, (self.width_dots - img.width) // 2, self.width_dots - img.width][self.align]
        strip.paste(img, (x, 0))
        self.strips.append(strip)

    def _flush_line(self, feed: bool = True) -> int:
        """Print the pending text line; return the dots it took (0 when nothing was pending)."""
        if not self._line:
            if feed:
                self._blank(self.line_spacing)
            return 0
        cells = []
        for ch, style in self._line:
            cw, chh = FONT_CELLS[style.font]
            cells.append((ch, style, cw * style.width_mul, chh * style.height_mul))
        line_h = max(h for *_, h in cells)
        width = sum(w for _, _, w, _ in cells)
        line = Image.new("L", (max(width, 1), line_h), 255)
        x = 0
        for ch, style, w, h in cells:
            line.paste(_glyph(ch, style, w, h), (x, line_h - h))
            x += w
        self._place(line.point(lambda v: 0 if v < 140 else 255, mode="1"))
        self._line = []
        if feed:
            self._blank(max(0, self.line_spacing - line_h))
        return line_h

    def _add_text(self, text: str) -> None:
        for ch in unicodedata.normalize("NFC", text):
            used = sum(FONT_CELLS[s.font][0] * s.width_mul for _, s in self._line)
            cw = FONT_CELLS[self.style.font][0] * self.style.width_mul
            if used + cw > self.width_dots:  # printers wrap at the right margin
                self._flush_line()
            self._line.append((ch, _Style(**vars(self.style))))

    def _cut(self) -> None:
        self._flush_line(feed=False)
        strip = Image.new("1", (self.width_dots, 12), 1)
        draw = ImageDraw.Draw(strip)
        for x in range(0, self.width_dots, 16):
            draw.line([(x, 6), (x + 8, 6)], fill=0)
        self.strips.append(strip)
        self.cuts += 1

    # -- parsing ------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Interpret a complete stream of commands."""
        self._data, self._pos = data, 0
        while self._pos < len(data):
            start = self._pos
            byte = self._take(1)[0]
            if byte == ESC:
                self._esc(start)
            elif byte == GS:
                self._gs(start)
            elif byte == DLE:
                if self._take(1)[0] != EOT:
                    self._unknown(start)
                self.responses.append(self.state.answer(self._take(1)[0]))
            elif byte == LF:
                self._flush_line()
            elif byte == CR:
                pass  # CR only returns the carriage; LF prints
            elif byte < 0x20 or byte == 0x7F:
                self._unknown(start)
            else:
                end = self._pos
                while end < len(data) and data[end] >= 0x20 and data[end] != 0x7F:
                    end += 1
                self._add_text(data[start:end].decode(self.codec, errors="replace"))
                self._pos = end

    def _take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise EscposDecodeError(detail=f"command cut short at byte {self._pos} (needs {n} more)")
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def _unknown(self, start: int) -> None:
        raise EscposDecodeError(
            detail=f"unknown ESC/POS command {self._data[start : start + 3].hex(' ')} at byte {start}"
        )

    def _esc(self, start: int) -> None:
        cmd = self._take(1)[0]
        if cmd == ord("@"):
            self._flush_line(feed=False)
            self._reset()
        elif cmd == ord("t"):
            n = self._take(1)[0]
            if n not in self.code_pages:
                raise EscposDecodeError(detail=f"ESC t {n}: code page unknown to the emulator")
            self.codec = self.code_pages[n]
        elif cmd in (ord("E"), ord("G")):
            self.style.bold = bool(self._take(1)[0] & 1)
        elif cmd == ord("-"):
            self.style.underline = self._take(1)[0] in (1, 2, 49, 50)
        elif cmd == ord("!"):
            n = self._take(1)[0]
            self.style.font = n & 0x01
            self.style.bold = bool(n & 0x08)
            self.style.height_mul = 2 if n & 0x10 else 1
            self.style.width_mul = 2 if n & 0x20 else 1
            self.style.underline = bool(n & 0x80)
        elif cmd == ord("M"):
            self.style.font = self._take(1)[0] & 1
        elif cmd == ord("a"):
            n = self._take(1)[0]
            self.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, 0)
        elif cmd == ord("d"):
            # Print the pending line, then advance n lines in all (the line's own height included).
            printed = self._flush_line(feed=False)
            self._blank(self.line_spacing * self._take(1)[0] - printed)
        elif cmd == ord("J"):
            self._flush_line(feed=False)
            self._blank(self._take(1)[0])
        elif cmd == ord("2"):
            self.line_spacing = DEFAULT_LINE_SPACING
        elif cmd == ord("3"):
            self.line_spacing = self._take(1)[0]
        else:
            self._unknown(start)

    def _gs(self, start: int) -> None:
        cmd = self._take(1)[0]
        if cmd == ord("!"):
            n = self._take(1)[0]
            self.style.width_mul = (n >> 4) + 1
            self.style.height_mul = (n & 0x0F) + 1
            if self.style.width_mul > 8 or self.style.height_mul > 8:
                raise EscposDecodeError(detail=f"GS ! {n:#x}: size out of range at byte {start}")
        elif cmd == ord("B"):
            self.style.invert = bool(self._take(1)[0] & 1)
        elif cmd == ord("V"):
            m = self._take(1)[0]
            if m in (65, 66):
                self._flush_line(feed=False)
                self._blank(self._take(1)[0])
            elif m not in (0, 1, 48, 49):
                self._unknown(start)
            self._cut()
        elif cmd == ord("v"):
            if self._take(1)[0] != ord("0"):
                self._unknown(start)
            self._raster(start)
        elif cmd == ord("("):
            if self._take(1)[0] != ord("k"):
                self._unknown(start)
            self._two_d_code(start)
        else:
            self._unknown(start)

    def _raster(self, start: int) -> None:
        """GS v 0 m xL xH yL yH d1..dk: a 1-bit image, x in bytes, MSB leftmost, 1 = black."""
        m, xl, xh, yl, yh = self._take(5)
        width_bytes, height = xl + 256 * xh, yl + 256 * yh
        if m not in (0, 1, 2, 3, 48, 49, 50, 51) or width_bytes == 0:
            raise EscposDecodeError(detail=f"GS v 0 with bad header at byte {start}")
        bits = self._take(width_bytes * height)
        self._flush_line(feed=False)
        # Pillow's mode "1" raw packing is 1 = white, so invert the printer's 1 = black.
        img = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in bits))
        scale_x, scale_y = (2 if m in (1, 3, 49, 51) else 1), (2 if m in (2, 3, 50, 51) else 1)
        if scale_x > 1 or scale_y > 1:
            img = img.resize((img.width * scale_x, img.height * scale_y))
        self._place(img)

    def _two_d_code(self, start: int) -> None:
        """GS ( k pL pH cn fn [parameters]: only QR (cn = 49)."""
        pl, ph = self._take(2)
        body = self._take(pl + 256 * ph)
        if len(body) < 2 or body[0] != 49:
            raise EscposDecodeError(detail=f"GS ( k for a 2D code other than QR at byte {start}")
        fn, params = body[1], body[2:]
        if fn == 65:  # select model: nothing to draw
            return
        if fn == 67 and params:
            self.qr.size = params[0]
        elif fn == 69 and params:
            if params[0] not in QR_EC:
                raise EscposDecodeError(detail=f"QR error correction {params[0]} at byte {start}")
            self.qr.ec = params[0]
        elif fn == 80 and params:
            self.qr.data = bytes(params[1:])
        elif fn == 81:
            self._print_qr()
        else:
            raise EscposDecodeError(detail=f"GS ( k function {fn} is not emulated (byte {start})")

    def _print_qr(self) -> None:
        if not self.qr.data:
            return
        code = qrcode.QRCode(error_correction=QR_EC[self.qr.ec], box_size=max(1, self.qr.size), border=0)
        code.add_data(self.qr.data)
        code.make(fit=True)
        self._flush_line(feed=False)
        self._blank(self.qr.size * 2)  # the printer leaves a quiet zone above and below
        self._place(code.make_image().get_image().convert("1"))
        self._blank(self.qr.size * 2)


def _glyph(ch: str, style: _Style, w: int, h: int) -> Image.Image:
    """One character cell drawn with the shipped font, stretched to the cell like a printer font."""
    base_w, base_h = FONT_CELLS[style.font]
    font = load_font(int(base_h * 0.8), style.bold)
    baseline = int(base_h * 0.8)
    left, top, right, bottom = font.getbbox(ch, anchor="ls")
    gw = right - left
    # Keep one dot of air above the highest mark: capitals with stacked marks (Ẳ, Ổ) rise above
    # the cell, and a printer's font squeezes them in rather than cutting their tops off.
    rise = max(0, 1 - (baseline + top))
    if gw > base_w or rise:  # squeeze wide (W, M) or tall (Ẫ) glyphs into the cell
        big = Image.new("L", (max(gw + 2, base_w), base_h + rise), 255)
        ImageDraw.Draw(big).text(((big.width - gw) // 2 - left, baseline + rise), ch, font=font, fill=0, anchor="ls")
        cell = big.resize((base_w, base_h))
    else:
        cell = Image.new("L", (base_w, base_h), 255)
        ImageDraw.Draw(cell).text(((base_w - gw) / 2 - left, baseline), ch, font=font, fill=0, anchor="ls")
    if style.underline:
        ImageDraw.Draw(cell).line([(0, base_h - 1), (base_w, base_h - 1)], fill=0)
    if style.invert:
        cell = cell.point(lambda v: 255 - v)
    return cell.resize((w, h)) if (w, h) != (base_w, base_h) else cell


def render_escpos(data: bytes, width_dots: int = 576, code_pages: dict[int, str] | None = None) -> Image.Image:
    """Interpret ESC/POS ``data`` and return the printed paper as a greyscale image."""
    interpreter = EscposInterpreter(width_dots=width_dots, code_pages=code_pages or default_code_pages())
    interpreter.feed(data)
    return interpreter.image()
