"""parse_payload: every scanned text becomes a typed result, never an exception."""

from datetime import date

import pytest

from hardware.payloads import (
    BookingCode,
    BookingLink,
    CitizenId,
    DossierCode,
    NotRecognised,
    ReceiptLink,
    TicketLink,
    parse_payload,
)

TOKEN = "Zx8_kQ2-pL0aBc9dEf7G"
CCCD = "079190001234|025123456|Nguyễn Văn An|15031990|Nam|12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh|20082021"


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"https://motcua.example.vn/t/{TOKEN}", TicketLink(f"https://motcua.example.vn/t/{TOKEN}", TOKEN)),
        (f"http://10.0.0.5:8000/t/{TOKEN}/", TicketLink(f"http://10.0.0.5:8000/t/{TOKEN}/", TOKEN)),
        (
            f"https://hcc.tinh.gov.vn/tra-cuu/l/{TOKEN}",
            ReceiptLink(f"https://hcc.tinh.gov.vn/tra-cuu/l/{TOKEN}", TOKEN),
        ),
        (f"  https://x.vn/l/{TOKEN}?utm=qr\n", ReceiptLink(f"https://x.vn/l/{TOKEN}?utm=qr", TOKEN)),
        # A booking's QR from /hen (its qr_url) and its code typed at the kiosk.
        (f"https://motcua.example.vn/h/{TOKEN}", BookingLink(f"https://motcua.example.vn/h/{TOKEN}", TOKEN)),
        (f"http://127.0.0.1:8000/h/{TOKEN}/", BookingLink(f"http://127.0.0.1:8000/h/{TOKEN}/", TOKEN)),
        ("K7MQ2XPA", BookingCode("K7MQ2XPA")),
        ("k7mq-2xpa", BookingCode("K7MQ2XPA")),
        (" K7MQ 2XPA ", BookingCode("K7MQ2XPA")),
        (f"MCT:{TOKEN}", TicketLink("", TOKEN)),
        (f"MCL:{TOKEN}", ReceiptLink("", TOKEN)),
        (f"mcl:{TOKEN}", ReceiptLink("", TOKEN)),
        (
            "000.00.14.H12-250115-0001",
            DossierCode("000.00.14.H12-250115-0001", "bp", "000.00.14.H12", date(2025, 1, 15), 1),
        ),
        (
            "000.00.14.H12150125001",
            DossierCode("000.00.14.H12150125001", "ag", "000.00.14.H12", date(2025, 1, 15), 1),
        ),
        (
            "H29.22.18.G01-240229-0937",
            DossierCode("H29.22.18.G01-240229-0937", "bp", "H29.22.18.G01", date(2024, 2, 29), 937),
        ),
        (
            "000.00.14.h12-250115-0001",  # typed at the kiosk in lower case
            DossierCode("000.00.14.H12-250115-0001", "bp", "000.00.14.H12", date(2025, 1, 15), 1),
        ),
    ],
)
def test_recognised_payloads(text, expected):
    assert parse_payload(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("x" * 5000, "too_long"),
        ("\x00\x01\x02\xff\xfe", "binary"),
        (b"\xff\xfe\x00garbage", "binary"),
        (None, "unknown_format"),
        ("hello world", "unknown_format"),
        ("https://example.com/some/page", "unknown_format"),
        ("ftp://x.vn/t/" + TOKEN, "unknown_format"),
        ("https://x.vn/t/short", "bad_token"),
        ("https://x.vn/l/" + "a" * 129, "bad_token"),
        ("https://x.vn/l/has+plus=signs" + TOKEN, "bad_token"),
        ("MCT:tooshort", "bad_token"),
        ("https://x.vn/h/short", "bad_token"),  # a booking link with a broken token
        ("K7MQ2XP", "unknown_format"),  # a booking code is 8 characters
        ("K7MQ2XPAB", "unknown_format"),
        ("K7MQ2XP0", "unknown_format"),  # no 0/O, 1/I in booking codes
        ("K7MQ2XPI", "unknown_format"),
        ("000.00.14.H12-250231-0001", "bad_date"),  # 31 Feb
        ("000.00.14.H12310225001", "bad_date"),  # AG layout, 31 Feb
        ("000.00.14.H12-251301-0001", "bad_date"),  # month 13
        ("000.00.14.H12-250115-001", "unknown_format"),  # BP needs 4-digit sequence
        ("000.00.14.H12-250115-00011", "unknown_format"),
        ("000.00.14.H1215012500", "unknown_format"),  # AG 21 chars
        ("000.00.14.112-250115-0001", "unknown_format"),  # M must be a letter
        ("00.00.14.H12-250115-0001", "unknown_format"),
        ("079190001234|025123456|Nguyễn Văn An|31021990|Nam|Hà Nội|20082021", "bad_citizen_id"),
        ("07919000123|025123456|Nguyễn Văn An|15031990|Nam|Hà Nội|20082021", "bad_citizen_id"),
        ("079190001234|02512345|Nguyễn Văn An|15031990|Nam|Hà Nội|20082021", "bad_citizen_id"),
        ("079190001234|025123456|Nguyễn Văn An|15031990|Male|Hà Nội|20082021", "bad_citizen_id"),
        ("079190001234|025123456||15031990|Nam|Hà Nội|20082021", "bad_citizen_id"),
        ("079190001234|025123456|Nguyễn Văn An|15031990|Nam|Hà Nội", "unknown_format"),  # 6 fields
        ("a|b|c|d|e|f|g", "bad_citizen_id"),
    ],
)
def test_unrecognised_payloads_are_typed_results(text, reason):
    result = parse_payload(text)
    assert isinstance(result, NotRecognised)
    assert result.kind == "not_recognised"
    assert result.reason == reason
    assert result.message_vi  # the kiosk can always say something in Vietnamese
    assert result.as_dict() == {"kind": "not_recognised", "reason": reason}


def test_citizen_id_is_parsed_with_real_values_available():
    card = parse_payload(CCCD)
    assert isinstance(card, CitizenId)
    assert card.kind == "citizen_id"
    assert card.raw_fields() == {
        "id_number": "079190001234",
        "old_id_number": "025123456",
        "full_name": "Nguyễn Văn An",
        "birth_date": date(1990, 3, 15),
        "sex": "Nam",
        "address": "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
        "issue_date": date(2021, 8, 20),
    }


def test_citizen_id_accepts_empty_old_id_extra_fields_and_decomposed_diacritics():
    import unicodedata

    text = unicodedata.normalize("NFD", "001204009999||Trần Thị Bình|01012004|Nữ|Hà Nội|05062022|extra|")
    card = parse_payload(text)
    assert isinstance(card, CitizenId)
    assert card.sex == "Nữ" and card.old_id_number == "" and card.full_name == "Trần Thị Bình"


def test_citizen_id_never_shows_personal_data_when_printed():
    card = parse_payload(CCCD)
    for shown in (repr(card), str(card), f"{card}", str(card.as_dict()), repr([card])):
        for secret in ("079190001234", "025123456", "Nguyễn", "Văn An", "15031990", "Lê Lợi", "1990-03-15"):
            assert secret not in shown
    assert card.as_dict()["id_number"] == "0791******34"
    assert card.as_dict()["full_name"] == "N. V. A."


def test_lookup_tokens_are_masked_when_printed():
    link = parse_payload(f"https://x.vn/l/{TOKEN}")
    for shown in (repr(link), str(link), str(link.as_dict())):
        assert TOKEN not in shown
    assert link.token == TOKEN
    assert link.kind == "receipt" and link.as_dict()["kind"] == "receipt"
    assert parse_payload(f"MCT:{TOKEN}").kind == "ticket"
    assert parse_payload("000.00.14.H12150125001").as_dict()["received_on"] == "2025-01-15"


def test_enrolment_qr_text_round_trips_and_never_shows_the_token():
    from hardware.payloads import Enrolment, enrolment_payload

    token = "mdv_" + "Ab3_-x" * 7
    text = enrolment_payload("http://10.1.2.3:8000/", token)
    assert text.startswith("motcua://enrol?v=1&server=http%3A%2F%2F10.1.2.3%3A8000&token=mdv_")
    got = parse_payload(text)
    assert got == Enrolment(server_url="http://10.1.2.3:8000", token=token)
    assert token not in repr(got) and token not in str(got.as_dict())
    for bad in (
        "motcua://enrol?v=2&server=http%3A%2F%2Fx&token=" + token,
        "motcua://enrol?v=1&server=ftp%3A%2F%2Fx&token=" + token,
        "motcua://enrol?v=1&server=http%3A%2F%2Fx&token=not-a-device-token",
        "motcua://other?v=1&server=http%3A%2F%2Fx&token=" + token,
    ):
        assert parse_payload(bad).kind == "not_recognised", bad


def test_booking_link_never_shows_its_token_and_the_code_is_typed():
    link = parse_payload(f"https://x.vn/h/{TOKEN}")
    assert link.kind == "booking" and link.token == TOKEN
    for shown in (repr(link), str(link), str(link.as_dict())):
        assert TOKEN not in shown
    code = parse_payload("abcd efgh")
    assert code == BookingCode("ABCDEFGH")
    assert code.as_dict() == {"kind": "booking_code", "code": "ABCDEFGH"}
