"""Build ESC/POS bytes for a profile with python-escpos.

Which way text and QR codes are sent is looked up from the profile once
(``TEXT_WRITERS[profile.text_mode]``, ``QR_WRITERS[profile.native_qr]``), so the
layouts never branch on printer models. Vietnamese is NFC-normalised and, unless
the site chose a code page the model has, drawn with the shipped font into a
raster image as wide as the paper.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from escpos.capabilities import Profile as EscposProfile
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from hardware.fonts import font_path

from .errors import PrinterConfigError
from .profiles import PrinterProfile

ALIGNS = ("left", "center", "right")
# ESC/POS Font A cell, the unit code-page text is measured in.
CHAR_WIDTH_DOTS = 12
CHAR_HEIGHT_DOTS = 24
# Vietnamese tone marks: CP1258 sends them as combining characters after the vowel.
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@dataclass(frozen=True)
class TextStyle:
    """How big and heavy a piece of text is, in units of the normal text height."""

    scale: float = 1.0
    bold: bool = False
    # Shrink to fit one line as wide as the paper allows (the ticket number).
    fit_width: bool = False


STYLES: dict[str, TextStyle] = {
    "small": TextStyle(0.85),
    "normal": TextStyle(1.0),
    "strong": TextStyle(1.0, bold=True),
    "heading": TextStyle(1.3, bold=True),
    "number": TextStyle(6.0, bold=True, fit_width=True),
}


def normal_text_px(width_dots: int) -> int:
    """Body text height in dots: readable on 58 mm without starving 80 mm."""
    return 24 if width_dots >= 576 else 21


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese for CP1258: base letters precomposed, tone marks combining."""
    out = bytearray()
    for ch in nfc(text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        try:
            out += (base + tones).encode("cp1258")
        except UnicodeEncodeError:
            out += b"?"
    return bytes(out)


CODECS = {
    "cp1258": encode_cp1258,
    "cp437": lambda s: nfc(s).encode("cp437", "replace"),
    "cp1252": lambda s: nfc(s).encode("cp1252", "replace"),
}


@lru_cache(maxsize=64)
def load_font(px: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(bold)), px)


def wrap_to_width(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by rendered width; a single over-long word is split by characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for ch in word:
                if font.getlength(line + ch) > width and line:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def vietnamese_letters() -> str:
    """Every letter Vietnamese writes, small and capital, each vowel with each of the five tones."""
    vowels = "aăâeêioôơuưy"
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    small = "".join(unicodedata.normalize("NFC", v + t) for v in vowels for t in tones) + "bcdđghklmnpqrstvx"
    return small + small.upper()


# The line box must hold the tallest and the deepest thing Vietnamese prints: tone marks stacked
# on a circumflex or breve (Ẫ, Ỗ, Ẳ rise well above the font's ascender), dots below (Ậ, Ỵ),
# descenders (g, y) and brackets.
_LINE_BOX_SAMPLE = vietnamese_letters() + "fjÅ()[]{}|/\\,;:!?\"'0123456789"


@lru_cache(maxsize=64)
def _font_extent(px: int, bold: bool) -> tuple[int, int]:
    """(top, bottom) of the ink any sample text reaches, relative to the draw origin."""
    _, top, _, bottom = load_font(px, bold).getbbox(_LINE_BOX_SAMPLE)
    return top, bottom


@dataclass(frozen=True)
class TextBlock:
    """Text laid out for the paper: which font, which lines, and where each line's box sits."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    # Distance from the top of a line box to the draw origin (how far marks rise above the ascender).
    origin_y: int
    line_height: int
    width_dots: int
    align: str
    margin: int = 8

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)

    def line_top(self, i: int) -> int:
        return i * self.line_height

    def line_x(self, i: int) -> int:
        # Whole dots, so a glyph rasterises the same wherever the alignment puts it.
        w = round(self.font.getlength(self.lines[i]))
        return {
            "left": self.margin,
            "center": (self.width_dots - w) // 2,
            "right": self.width_dots - self.margin - w,
        }[self.align]


def layout_text(text: str, style: TextStyle, align: str, width_dots: int) -> TextBlock:
    """Choose the font size, wrap, and size each line box from the ink the font really draws."""
    text = nfc(text)
    margin = 8
    usable = width_dots - 2 * margin
    px = max(8, int(round(normal_text_px(width_dots) * style.scale)))
    font = load_font(px, style.bold)
    if style.fit_width:
        while px > 12 and font.getlength(text) > usable:
            px -= 4
            font = load_font(px, style.bold)
    lines = tuple(wrap_to_width(text, font, usable))
    # Body text gets the same box whatever it says, so lines are evenly spaced down the paper; the
    # ticket number (one line, six times bigger) gets a box around its own ink rather than a
    # centimetre of paper reserved for marks a number never has.
    top, bottom = font.getbbox(text)[1::2] if style.fit_width else _font_extent(px, style.bold)
    for line in lines:  # a character outside the sample (a symbol, another script) may reach further
        if line:
            _, line_top, _, line_bottom = font.getbbox(line)
            top, bottom = min(top, line_top), max(bottom, line_bottom)
    # One dot of air above the highest mark and below the lowest descender, plus a little leading.
    origin_y = 1 - min(top, 0)
    line_height = origin_y + bottom + 1 + max(1, px // 10)
    return TextBlock(font, lines, origin_y, line_height, width_dots, align, margin)


def render_text_image(text: str, style: TextStyle, align: str, width_dots: int) -> Image.Image:
    """Draw text as a 1-bit image ``width_dots`` wide, black = printed."""
    block = layout_text(text, style, align, width_dots)
    img = Image.new("L", (width_dots, block.height), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(block.lines):
        draw.text((block.line_x(i), block.line_top(i) + block.origin_y), line, font=block.font, fill=0)
    return img.point(lambda v: 0 if v < 140 else 255, mode="1")


def qr_image(data: str, box: int, width_dots: int) -> Image.Image:
    """A QR code centred on a canvas as wide as the paper."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=2)
    code.add_data(data)
    code.make(fit=True)
    img = code.make_image().get_image().convert("1")
    if img.width > width_dots:
        raise PrinterConfigError("Nội dung mã QR quá dài so với khổ giấy.", detail=f"{len(data)} ký tự")
    canvas = Image.new("1", (width_dots, img.height), 1)
    canvas.paste(img, ((width_dots - img.width) // 2, 0))
    return canvas


def qr_module_dots(width_dots: int) -> int:
    return 6 if width_dots >= 576 else 4


def escpos_profile(profile: PrinterProfile) -> EscposProfile:
    """python-escpos profile carrying our capability data (so escpos checks the same facts)."""
    data = {
        "name": profile.name,
        "vendor": "Motcua",
        "features": {
            "qrCode": profile.native_qr,
            "paperFullCut": profile.cutter,
            "paperPartCut": profile.cutter,
            "bitImageRaster": True,
        },
        "codePages": {str(n): name.upper() for name, n in profile.code_pages.items()},
        "fonts": {"0": {"name": "Font A", "columns": profile.width_dots // CHAR_WIDTH_DOTS}},
        "media": {"dpi": profile.dpi, "width": {"pixels": profile.width_dots}},
        "colors": {"0": "black"},
    }
    return type("MotcuaProfile", (EscposProfile,), {"profile_data": data})()


class RasterText:
    """Text as images: prints Vietnamese on any printer that can print a picture."""

    def __init__(self, printer: Dummy, profile: PrinterProfile) -> None:
        self.p, self.profile = printer, profile

    def write(self, text: str, style: TextStyle, align: str) -> None:
        self.p.set(align="left")
        self.p.image(render_text_image(text, style, align, self.profile.width_dots), impl="bitImageRaster")


class CodepageText:
    """Text in the printer's own font through the code page the site chose."""

    def __init__(self, printer: Dummy, profile: PrinterProfile) -> None:
        self.p, self.profile = printer, profile
        self.encode = CODECS[profile.codepage]
        self.p._raw(b"\x1bt" + bytes([profile.code_pages[profile.codepage]]))

    def write(self, text: str, style: TextStyle, align: str) -> None:
        columns = self.profile.width_dots // CHAR_WIDTH_DOTS
        mul = max(1, min(8, int(round(style.scale))))
        if style.fit_width:
            mul = max(1, min(mul, columns // max(1, len(text))))
        self.p.set(align=align, bold=style.bold, custom_size=True, width=mul, height=mul)
        for line in textwrap.wrap(nfc(text), max(1, columns // mul)) or [""]:
            self.p._raw(self.encode(line) + b"\n")
        self.p.set(bold=False, custom_size=True, width=1, height=1)


class NativeQr:
    def __init__(self, printer: Dummy, profile: PrinterProfile) -> None:
        self.p, self.profile = printer, profile

    def write(self, data: str) -> None:
        self.p.set(align="center")
        self.p.qr(data, size=qr_module_dots(self.profile.width_dots), native=True, ec=1)
        self.p._raw(b"\n")
        self.p.set(align="left")


class RasterQr:
    def __init__(self, printer: Dummy, profile: PrinterProfile) -> None:
        self.p, self.profile = printer, profile

    def write(self, data: str) -> None:
        self.p.set(align="left")
        self.p.image(
            qr_image(data, qr_module_dots(self.profile.width_dots), self.profile.width_dots), impl="bitImageRaster"
        )


TEXT_WRITERS = {"raster": RasterText, "codepage": CodepageText}
QR_WRITERS = {True: NativeQr, False: RasterQr}
# Lines fed before the cut so the last printed line clears the cutter blade.
FINISH_FEED = {True: 4, False: 6}


class EscposJob:
    """One print job: accumulate elements, then ``finish()`` returns the bytes."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self.p = Dummy(profile=escpos_profile(profile))
        self.p.hw("INIT")
        self._text = TEXT_WRITERS[profile.text_mode](self.p, profile)
        self._qr = QR_WRITERS[profile.native_qr](self.p, profile)

    def text(self, text: str, style: str = "normal", align: str = "center") -> None:
        if align not in ALIGNS:
            raise PrinterConfigError(f"Căn lề không hợp lệ: {align}")
        self._text.write(text, STYLES[style], align)

    def qr(self, data: str) -> None:
        if data:
            self._qr.write(data)

    def rule(self) -> None:
        """A thin horizontal line across the paper."""
        width = self.profile.width_dots
        img = Image.new("1", (width, 8), 1)
        ImageDraw.Draw(img).line([(8, 4), (width - 8, 4)], fill=0, width=2)
        self.p.set(align="left")
        self.p.image(img, impl="bitImageRaster")

    def feed(self, lines: int = 1) -> None:
        self.p.print_and_feed(lines)

    def finish(self) -> bytes:
        self.p.print_and_feed(FINISH_FEED[self.profile.cutter])
        if self.profile.cutter:
            self.p.cut(feed=False)
        return self.p.output
