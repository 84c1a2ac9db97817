"""Raster text never loses a tone mark: checked by pixels, for every size the layouts print.

Every Vietnamese letter with every tone is drawn alone on a big canvas (nothing can be cut there)
and compared, dot for dot, with what lands inside its line box on the paper. A stacked mark (Ẫ,
Ỗ, Ủ) cut at the top of the box, or a dot below (Ậ) cut at the bottom, makes the two differ.
"""

import unicodedata
from dataclasses import replace

import pytest
from PIL import Image, ImageChops, ImageDraw

from hardware.printers import PROFILES
from hardware.printers.emulator import render_escpos
from hardware.printers.layouts import RECEIPT_LAYOUT, TICKET_LAYOUT, Text, receipt_job, ticket_job
from hardware.printers.profiles import SUPPORTED_WIDTHS
from hardware.printers.render import STYLES, EscposJob, layout_text, render_text_image, vietnamese_letters
from tests.screenshots import publish

THRESHOLD = 140
# Every (style, align) the ticket and receipt layouts print text in.
LAYOUT_STYLES = sorted({(e.style, e.align) for e in TICKET_LAYOUT + RECEIPT_LAYOUT if isinstance(e, Text)})


def _binarise(img: Image.Image) -> Image.Image:
    return img.convert("L").point(lambda v: 0 if v < THRESHOLD else 255, mode="1").convert("L")


def _ink(img: Image.Image) -> Image.Image | None:
    """The image cropped to its printed dots (None when nothing is printed)."""
    box = ImageChops.invert(img.convert("L")).getbbox()
    return img.convert("L").crop(box) if box else None


def _alone(text: str, font) -> Image.Image | None:
    """``text`` drawn with ``font`` on a canvas far bigger than it, then binarised like the printer."""
    size = font.size
    canvas = Image.new("L", (int(font.getlength(text)) + 4 * size, 6 * size), 255)
    ImageDraw.Draw(canvas).text((2 * size, 2 * size), text, font=font, fill=0)
    return _ink(_binarise(canvas))


def _same(a: Image.Image | None, b: Image.Image | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def test_the_repertoire_is_every_vietnamese_letter_with_every_tone():
    letters = vietnamese_letters()
    for expected in "ẪỖẶẲỦẤẾỒỔỸỰỵđĐ":
        assert expected in letters
    assert len(letters) == 2 * (12 * 6 + 17)


@pytest.mark.parametrize("width", SUPPORTED_WIDTHS)
@pytest.mark.parametrize("style", sorted(STYLES))
def test_no_letter_is_cut_by_its_line_box(width, style):
    """Each letter, alone on a line, prints exactly as it draws on a big canvas, inside its line box."""
    cut = []
    for letter in vietnamese_letters():
        block = layout_text(letter, STYLES[style], "left", width)
        printed = render_text_image(letter, STYLES[style], "left", width).convert("L")
        assert printed.height == block.line_height
        if not _same(_ink(printed), _alone(letter, block.font)):
            cut.append(letter)
    assert cut == [], f"{style} at {width} dots cuts {''.join(cut)}"


@pytest.mark.parametrize("width", SUPPORTED_WIDTHS)
@pytest.mark.parametrize("style,align", LAYOUT_STYLES)
def test_wrapped_lines_of_capitals_keep_every_mark_inside_their_own_box(width, style, align):
    """Capitals with stacked marks over several lines: each line box holds its line and nothing of its neighbours."""
    capitals = [ch for ch in vietnamese_letters() if ch.isupper()]
    text = " ".join("".join(capitals[i : i + 6]) for i in range(0, len(capitals), 6))
    block = layout_text(text, STYLES[style], align, width)
    assert len(block.lines) >= 2
    printed = render_text_image(text, STYLES[style], align, width).convert("L")
    for i, line in enumerate(block.lines):
        top = block.line_top(i)
        band = printed.crop((0, top, width, top + block.line_height))
        assert _same(_ink(band), _alone(line, block.font)), f"line {i} {line!r} is cut or overlapped"


def test_every_tone_of_every_vowel_stays_distinguishable_on_paper():
    """After binarisation at the smallest size printed, a, à, á, ã, ả, ạ are six different pictures."""
    smallest = min(SUPPORTED_WIDTHS)
    for style in ("small", "normal", "strong"):
        font = layout_text("a", STYLES[style], "left", smallest).font
        for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
            pictures = [
                _alone(unicodedata.normalize("NFC", vowel + tone), font)
                for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
            ]
            for i, a in enumerate(pictures):
                for b in pictures[i + 1 :]:
                    assert not _same(a, b), f"{style}: two tones of {vowel} print alike"


@pytest.mark.parametrize("profile_name", ["generic-80", "generic-58"])
@pytest.mark.parametrize(
    "text,style",
    [("SỐ THỨ TỰ CỦA BẠN", "strong"), ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "heading")],
)
def test_headings_come_off_the_printer_with_all_their_marks(profile_name, text, style):
    """Through ESC/POS and the emulated print head: the ticket's and the receipt's headings, every mark."""
    profile = PROFILES[profile_name]
    job = EscposJob(profile)
    job.text(text, style, "center")
    paper = render_escpos(job.finish(), profile.width_dots)
    block = layout_text(text, STYLES[style], "center", profile.width_dots)
    top = 8  # the emulator's top margin; the text is the first thing on the paper
    for i, line in enumerate(block.lines):
        band = paper.crop((0, top + block.line_top(i), profile.width_dots, top + block.line_top(i) + block.line_height))
        assert _same(_ink(band), _alone(line, block.font)), line
    if not profile.cutter:  # nothing else on the paper: no stray dots of a mark pushed out of its box
        assert _ink(paper.crop((0, top + block.height, paper.width, paper.height))) is None


def _find_strip(paper: Image.Image, strip: Image.Image) -> bool:
    """Whether ``strip`` (as wide as the paper) appears on the paper, dot for dot, at some height."""
    strip = strip.convert("L")
    for y in range(paper.height - strip.height + 1):
        if ImageChops.difference(paper.crop((0, y, paper.width, y + strip.height)), strip).getbbox() is None:
            return True
    return False


@pytest.mark.parametrize(
    "kind,heading,style",
    [
        ("ticket", "SỐ THỨ TỰ CỦA BẠN", "strong"),
        ("receipt", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "heading"),
    ],
)
def test_printed_ticket_and_receipt_carry_their_headings_whole(kind, heading, style, ticket, receipt, artifacts_dir):
    """The whole ticket and receipt as the emulator prints them (the README's pictures of paper)."""
    profile = PROFILES["generic-80"]
    if kind == "ticket":
        paper = render_escpos(ticket_job(ticket, profile), profile.width_dots)
    else:
        applicant = replace(receipt, applicant_name="Nguyễn Thị Ngọc Ẩn")
        paper = render_escpos(receipt_job(applicant, profile), profile.width_dots)
    assert _find_strip(paper, render_text_image(heading, STYLES[style], "center", profile.width_dots))
    path = artifacts_dir / "printer" / f"printed-{kind}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    paper.save(path)
    publish(path, f"printed-{kind}.png")
