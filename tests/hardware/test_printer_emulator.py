"""The emulator prints what a real printer would, and refuses what it does not understand."""

import pytest
from PIL import Image

from hardware.printers import EscposDecodeError
from hardware.printers.emulator import EscposInterpreter, PaperState, _glyph, _Style, render_escpos
from hardware.printers.fake_network import StatusResponder
from hardware.printers.render import vietnamese_letters

INIT = b"\x1b@"


def _raster(width_bytes: int, rows: list[bytes]) -> bytes:
    return b"\x1dv0\x00" + bytes([width_bytes, 0, len(rows), 0]) + b"".join(rows)


@pytest.mark.parametrize(
    "data",
    [
        INIT + b"\x1b\x99\x00",  # unknown ESC command
        INIT + b"\x1d\x28\x4c\x02\x00\x30\x32",  # GS ( L graphics: not something we emit
        INIT + b"\x07",  # bare control character (BEL)
        INIT + b"\x1dv0\x00\x02\x00\x05\x00\xff",  # image header promises more data than sent
        INIT + b"\x1bt\xfa",  # code page the emulator has no table for
    ],
)
def test_unknown_or_truncated_commands_are_refused(data):
    with pytest.raises(EscposDecodeError) as err:
        render_escpos(data)
    assert "byte" in str(err.value) or "code page" in str(err.value)


def test_raster_image_lands_where_the_bits_say():
    # Two rows: left-most 8 dots black, then right-most 8 dots black, on a 16-dot-wide image.
    paper = render_escpos(INIT + _raster(2, [b"\xff\x00", b"\x00\xff"]), width_dots=16)
    gray = paper.convert("L")
    top = next(y for y in range(gray.height) if gray.getpixel((0, y)) < 128)
    assert [gray.getpixel((x, top)) < 128 for x in (0, 7, 8, 15)] == [True, True, False, False]
    assert [gray.getpixel((x, top + 1)) < 128 for x in (0, 7, 8, 15)] == [False, False, True, True]


def test_centre_alignment_moves_images():
    def first_black_x(paper):
        gray = paper.convert("L")
        return min(x for x in range(gray.width) for y in range(gray.height) if gray.getpixel((x, y)) < 128)

    assert first_black_x(render_escpos(INIT + _raster(1, [b"\xff"]), width_dots=64)) == 0
    assert first_black_x(render_escpos(INIT + b"\x1ba\x01" + _raster(1, [b"\xff"]), width_dots=64)) == 28


def test_native_qr_prints_a_readable_code(qr_texts):
    data = "http://10.0.0.1/t/42"
    payload = b"0" + data.encode()
    qr = (
        b"\x1d(k\x04\x00\x31\x41\x32\x00"
        + b"\x1d(k\x03\x00\x31\x43\x06"
        + b"\x1d(k\x03\x00\x31\x45\x31"
        + b"\x1d(k"
        + bytes([len(payload) + 2, 0])
        + b"\x31\x50"
        + payload
        + b"\x1d(k\x03\x00\x31\x51\x30"
    )
    assert qr_texts(render_escpos(INIT + b"\x1ba\x01" + qr + b"\n")) == [data]


def test_text_styles_and_feeds_take_room(ink_rows):
    plain = render_escpos(INIT + b"Ho tich\n")
    double = render_escpos(INIT + b"\x1d!\x11Ho tich\n")
    fed = render_escpos(INIT + b"Ho tich\n\x1bd\x05")
    assert ink_rows(double) >= 2 * ink_rows(plain) - 2
    assert fed.height > plain.height
    assert ink_rows(plain) > 0


def test_long_text_wraps_at_the_paper_edge():
    one = render_escpos(INIT + b"x" * 30 + b"\n", width_dots=384)  # 32 columns fit
    two = render_escpos(INIT + b"x" * 40 + b"\n", width_dots=384)
    assert two.height > one.height


def test_cut_is_counted_and_marked():
    interp = EscposInterpreter(width_dots=384)
    interp.feed(INIT + b"A\n" + b"\x1dVB\x00")
    assert interp.cuts == 1
    assert isinstance(interp.image(), Image.Image)


@pytest.mark.parametrize(
    "state,expected",
    [
        (PaperState(), {1: 0x12, 2: 0x12, 4: 0x12}),
        (PaperState(paper_out=True), {1: 0x1A, 2: 0x32, 4: 0x72}),
        (PaperState(paper_near_end=True), {1: 0x12, 2: 0x12, 4: 0x1E}),
        (PaperState(cover_open=True), {1: 0x1A, 2: 0x16, 4: 0x12}),
    ],
)
def test_status_queries_answer_like_an_epson(state, expected):
    interp = EscposInterpreter(state=state)
    interp.feed(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04")
    assert interp.responses == [bytes([expected[1]]), bytes([expected[2]]), bytes([expected[4]])]


def test_status_request_split_across_packets_is_still_answered():
    responder = StatusResponder(PaperState(paper_out=True))
    assert responder.feed(b"abc\x10") == b""
    assert responder.feed(b"\x04") == b""
    assert responder.feed(b"\x04") == b"\x72"


@pytest.mark.parametrize("bold", [False, True])
def test_code_page_capitals_keep_their_stacked_marks(bold):
    """The emulated printer font squeezes Ẳ, Ổ into the character cell instead of cutting their tops."""
    cut = []
    for letter in vietnamese_letters():
        cell = _glyph(letter, _Style(bold=bold), 12, 24)
        if cell.crop((0, 0, cell.width, 1)).getextrema()[0] < 140:  # ink on the cell's top row: cut there
            cut.append(letter)
    assert cut == []
