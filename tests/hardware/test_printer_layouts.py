"""Tickets and receipts as they come out of the printer, read back off the emulated paper."""

import unicodedata
from dataclasses import replace
from datetime import datetime

import pytest
from PIL import Image, ImageChops, ImageDraw

from hardware.printers import PROFILES, get_profile
from hardware.printers.emulator import render_escpos
from hardware.printers.layouts import format_fee, format_time, format_wait, receipt_job, ticket_job
from hardware.printers.render import EscposJob, encode_cp1258, load_font, normal_text_px

# Every way text and QR reach the paper: raster text with native or raster QR, and CP1258 text.
PROFILE_CASES = [
    ("generic-80", {}),
    ("generic-58", {}),
    ("generic-80", {"width": 384}),
    ("TM-T20II", {"codepage": "cp1258"}),
    ("POS-5890", {"codepage": "cp1258"}),
]


def _render(job: bytes, profile):
    return render_escpos(job, profile.width_dots, {n: name for name, n in profile.code_pages.items()} or None)


@pytest.mark.parametrize("name,options", PROFILE_CASES)
def test_ticket_qr_reads_back_the_live_page_url(ticket, name, options, qr_texts):
    profile = get_profile(name, **options)
    paper = _render(ticket_job(ticket, profile), profile)
    assert paper.width == profile.width_dots
    assert qr_texts(paper) == [ticket.qr_url]


@pytest.mark.parametrize("name,options", PROFILE_CASES)
def test_receipt_qr_reads_back_the_lookup_url(receipt, name, options, qr_texts):
    profile = get_profile(name, **options)
    paper = _render(receipt_job(receipt, profile), profile)
    assert qr_texts(paper) == [receipt.qr_url]


def test_profile_decides_native_or_raster_qr_and_text(ticket):
    native = ticket_job(ticket, PROFILES["generic-80"])
    raster = ticket_job(ticket, PROFILES["generic-58"])
    codepage = ticket_job(ticket, get_profile("TM-T20II", codepage="cp1258"))
    assert b"\x1d(k" in native and b"\x1d(k" not in raster
    assert b"\x1bt\x34" in codepage and encode_cp1258("Hộ tịch") in codepage
    assert b"\x1bt" not in native  # raster text needs no code page
    # Only printers with a cutter get the cut command.
    assert b"\x1dV" in native and b"\x1dV" not in raster


def test_booked_visitors_ticket_carries_its_mark(ticket):
    profile = get_profile("TM-T20II", codepage="cp1258")
    assert encode_cp1258("Đặt hẹn") in ticket_job(replace(ticket, mark="Đặt hẹn"), profile)
    assert encode_cp1258("Đặt hẹn") not in ticket_job(ticket, profile)  # no mark, no line


def test_vietnamese_raster_text_matches_the_shipped_font():
    """'Hộ tịch' on paper is exactly what DejaVu draws, dot for dot."""
    profile = PROFILES["generic-58"]  # no cutter: nothing but the text on the paper
    job = EscposJob(profile)
    job.text("Hộ tịch", "normal", "left")
    paper = render_escpos(job.finish(), profile.width_dots)

    reference = Image.new("L", (profile.width_dots, 80), 255)
    ImageDraw.Draw(reference).text((8, 10), "Hộ tịch", font=load_font(normal_text_px(384), False), fill=0)
    reference = reference.point(lambda v: 0 if v < 140 else 255, mode="1").convert("L")

    def ink(img):
        inverted = ImageChops.invert(img.convert("L"))
        return img.convert("L").crop(inverted.getbbox())

    printed, expected = ink(paper), ink(reference)
    assert printed.size == expected.size
    assert ImageChops.difference(printed, expected).getbbox() is None


def test_decomposed_input_prints_like_precomposed():
    """Text typed with combining marks (NFD) is normalised, so it prints the same."""
    profile = PROFILES["generic-58"]
    images = []
    for text in ("Hộ tịch", unicodedata.normalize("NFD", "Hộ tịch")):
        job = EscposJob(profile)
        job.text(text)
        images.append(render_escpos(job.finish(), profile.width_dots))
    assert ImageChops.difference(images[0], images[1]).getbbox() is None


def test_cp1258_sends_base_letters_with_combining_tones():
    encoded = encode_cp1258("Hộ tịch Đăng ký")
    assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == "Hộ tịch Đăng ký"


def test_receipt_grows_with_the_documents_list(receipt, ink_rows):
    profile = PROFILES["generic-80"]
    short = _render(receipt_job(receipt, profile), profile)
    longer = _render(
        receipt_job(
            replace(
                receipt,
                documents=receipt.documents
                + (
                    "Giấy tờ tùy thân của người đi đăng ký (bản sao)",
                    "Văn bản ủy quyền có chứng thực",
                ),
            ),
            profile,
        ),
        profile,
    )
    assert longer.height > short.height
    assert ink_rows(longer) > ink_rows(short)


def test_missing_optional_fields_leave_no_empty_lines(ticket):
    profile = PROFILES["generic-80"]
    full = _render(ticket_job(ticket, profile), profile)
    bare = _render(ticket_job(replace(ticket, priority_label=None, note=None, estimated_wait_s=None), profile), profile)
    assert bare.height < full.height


def test_ticket_number_is_the_biggest_thing_on_the_ticket(ticket, ink_rows):
    """The number must be readable from across the hall: taller than every other line."""
    profile = PROFILES["generic-80"]
    job = EscposJob(profile)
    job.text(ticket.display_number, "number")
    number = render_escpos(job.finish(), 576)
    job = EscposJob(profile)
    job.text(ticket.service_name, "heading")
    heading = render_escpos(job.finish(), 576)
    assert ink_rows(number) > 3 * ink_rows(heading)


def test_fields_are_worded_for_visitors():
    assert format_fee(None) == "Không thu phí"
    assert format_fee(0) == "Không thu phí"
    assert format_fee(50000) == "50.000 đồng"
    assert format_wait(30) == "dưới 1 phút"
    assert format_wait(900) == "khoảng 15 phút"
    assert format_wait(4500) == "khoảng 1 giờ 15 phút"
    # with the server's range (docs/queue-policy.md): outward to the minute, to 5 minutes from 20 up
    assert format_wait(720, 560, 890) == "khoảng 9–15 phút"
    assert format_wait(1500, 1100, 1950) == "khoảng 15–35 phút"
    assert format_wait(300, 100, 520) == "khoảng 1–9 phút"
    assert format_wait(200, 20, 400) == "dưới 7 phút"
    assert format_wait(900, 870, 930) == "khoảng 15 phút"  # a narrow range: the figure alone
    assert format_wait(5400, 4100, 7000) == "khoảng 1 giờ 5 phút – 2 giờ"
    assert format_time(datetime(2024, 5, 8, 14, 0)) == "14:00 08/05/2024"
