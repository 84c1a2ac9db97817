"""Shared printer test data: a ticket and a receipt with real Vietnamese text."""

from datetime import datetime

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from hardware.printers import ReceiptPrint, TicketPrint
from hardware.printers.fake_network import FakeNetworkPrinter


@pytest.fixture
def ticket() -> TicketPrint:
    return TicketPrint(
        centre_name="Trung tâm Phục vụ hành chính công tỉnh An Giang",
        service_name="Hộ tịch – Chứng thực",
        display_number="A-0123",
        issued_at=datetime(2024, 5, 6, 8, 15),
        people_ahead=5,
        estimated_wait_s=900,
        qr_url="http://10.0.0.1:8000/t/8f2c1a9e?centre=3",
        priority_label="Người cao tuổi",
        note="Vui lòng chú ý màn hình và loa gọi số.",
    )


@pytest.fixture
def receipt() -> ReceiptPrint:
    return ReceiptPrint(
        centre_name="Bộ phận Một cửa UBND phường Mỹ Bình",
        dossier_code="000.00.18.H01-240506-0001",
        qr_url="http://10.0.0.1:8000/lookup?token=Zx81-qPw_3",
        applicant_name="Nguyễn Văn Ấn",
        procedure_name="Đăng ký khai sinh",
        received_at=datetime(2024, 5, 6, 8, 15),
        appointment_at=datetime(2024, 5, 8, 14, 0),
        documents=("Tờ khai đăng ký khai sinh", "Giấy chứng sinh (bản chính)"),
        fee_vnd=None,
        collect_at="Quầy số 3",
        desk_phone="0296 3 123 456",
        contact_lines=("Phản ánh, kiến nghị: 0296 3 999 999",),
    )


@pytest.fixture
def fake_printer():
    with FakeNetworkPrinter() as fp:
        yield fp


def _qr_texts(image: Image.Image) -> list[str]:
    return [symbol.data.decode("utf-8") for symbol in decode(image.convert("L"))]


def _ink_rows(image: Image.Image) -> int:
    gray = image.convert("L")
    return sum(1 for y in range(gray.height) if gray.crop((0, y, gray.width, y + 1)).getextrema()[0] < 128)


@pytest.fixture
def qr_texts():
    """Every QR code a phone camera would read off the paper."""
    return _qr_texts


@pytest.fixture
def ink_rows():
    """How many pixel rows of the paper carry any print."""
    return _ink_rows
