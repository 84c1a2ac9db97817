"""Everything the kiosk says, in Vietnamese first and English second."""

from __future__ import annotations

from datetime import datetime

from hardware.printers.layouts import wait_range_minutes
from hardware.scanners import GUIDANCE_VI, Guidance
from queue_server.client import UNREACHABLE_MESSAGE, VN_TZ

WEEKDAYS = {
    "vi": ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}

PRIORITY_CLASSES = {  # the server's codes (settings.priority_classes) and what a visitor reads
    "elderly": ("Người cao tuổi", "Elderly person"),
    "disabled": ("Người khuyết tật", "Person with a disability"),
    "pregnant": ("Phụ nữ mang thai", "Pregnant woman"),
    "infant": ("Người đưa theo trẻ nhỏ", "Person with a small child"),
    "veteran": ("Người có công với cách mạng", "Person with revolutionary merit"),
}

TEXTS: dict[str, tuple[str, str]] = {
    "take_ticket": ("Lấy số thứ tự", "Take a queue number"),
    "find_procedure": ("Tra cứu thủ tục", "Find a procedure"),
    "check_dossier": ("Tra cứu hồ sơ", "Check my dossier"),
    "home": ("Trang chủ", "Home"),
    "back": ("Quay lại", "Back"),
    "switch_language": ("English", "Tiếng Việt"),
    "offline": (UNREACHABLE_MESSAGE, "Server connection lost — retrying…"),  # the client's own words
    "enrol_prompt": (
        "Kiosk chưa được đăng ký: đưa mã QR đăng ký thiết bị (Quản trị › Thiết bị) trước camera.",
        "This kiosk is not enrolled yet: hold the device's enrolment QR (Admin › Devices) to the camera.",
    ),
    "enrol_wrong": (
        "Đây không phải mã QR đăng ký thiết bị. Vui lòng đưa mã đăng ký trước camera.",
        "This is not a device enrolment QR. Please hold the enrolment QR to the camera.",
    ),
    "loading": ("Đang tải…", "Loading…"),
    "choose_service": ("Chọn lĩnh vực cần giải quyết", "Choose a service"),
    "waiting": ("Đang chờ: {n} người", "Waiting: {n}"),
    "estimated_wait": ("Chờ khoảng {m} phút", "About {m} min"),
    "estimated_wait_range": ("Chờ khoảng {lo}–{hi} phút", "About {lo}–{hi} min"),
    "closed": ("Tạm ngừng cấp số", "Not issuing now"),
    "reopens_at": ("Mở lại lúc {t}", "Reopens at {t}"),
    "confirm_title": ("Lấy số: {service}", "Ticket for: {service}"),
    "priority_question": ("Bạn thuộc đối tượng ưu tiên? (không bắt buộc)", "Priority visitor? (optional)"),
    "no_priority": ("Không — lấy số thường", "No — normal ticket"),
    "get_number": ("Lấy số", "Get my number"),
    "issuing": ("Đang lấy số, vui lòng chờ…", "Getting your number, please wait…"),
    "scan_cccd": ("Quét căn cước (CCCD) — không bắt buộc", "Scan citizen ID card — optional"),
    "cccd_consent": (
        "Khi quét, chỉ số định danh 12 số trên căn cước được gửi kèm số thứ tự để cán bộ tiếp nhận "
        "hồ sơ nhanh hơn. Không lưu họ tên, địa chỉ. Bỏ qua nếu bạn không đồng ý.",
        "Only the 12-digit ID number is attached to your ticket so the officer can start faster. "
        "Name and address are not kept. Skip if you do not agree.",
    ),
    "cccd_hold": ("Đưa mã QR trên căn cước vào trước camera", "Hold the QR on your ID card to the camera"),
    "cccd_attached": ("Đã đính kèm căn cước số {masked}", "ID card {masked} attached"),
    "cccd_wrong": (
        "Đây không phải mã QR trên căn cước. Vui lòng thử lại.",
        "That is not an ID card QR. Please try again.",
    ),
    "your_number": ("Số thứ tự của bạn", "Your number"),
    "people_ahead": ("Trước bạn còn {n} người", "{n} people ahead of you"),
    "ticket_qr_hint": ("Quét mã để theo dõi lượt gọi trên điện thoại", "Scan to follow your turn on your phone"),
    "printed": ("Vui lòng nhận phiếu ở khe máy in.", "Please take your ticket from the printer."),
    "no_printer": (
        "Kiosk này không in phiếu. Vui lòng chụp lại số thứ tự trên màn hình.",
        "This kiosk does not print. Please take a photo of your number.",
    ),
    "printing": ("Đang in phiếu…", "Printing…"),
    "done": ("Xong", "Done"),
    "issue_failed_offline": (
        "Chưa lấy được số vì mất kết nối máy chủ. Vui lòng thử lại sau ít phút hoặc liên hệ cán bộ hướng dẫn.",
        "Could not get a number: the server is unreachable. Please try again shortly or ask staff.",
    ),
    "search_hint": ("Gõ tên thủ tục, ví dụ: khai sinh", "Type a procedure name, e.g. birth"),
    "browse_fields": ("Hoặc chọn lĩnh vực:", "Or browse by field:"),
    "no_results": ("Không tìm thấy thủ tục phù hợp.", "No matching procedure."),
    "results_count": ("{n} thủ tục", "{n} procedures"),
    "procedures_unavailable": (
        "Chức năng tra cứu thủ tục chưa sẵn sàng. Vui lòng hỏi cán bộ hướng dẫn.",
        "Procedure lookup is not available yet. Please ask staff.",
    ),
    "documents": ("Hồ sơ cần chuẩn bị", "Documents to bring"),
    "fees": ("Phí, lệ phí", "Fees"),
    "no_fee": ("Không thu phí", "Free of charge"),
    "processing_time": ("Thời hạn giải quyết", "Processing time"),
    "agency": ("Cơ quan thực hiện", "Agency"),
    "channels": ("Cách thức nộp", "How to submit"),
    "ticket_for_procedure": ("Lấy số cho thủ tục này", "Take a number for this procedure"),
    "dossier_title": ("Tra cứu tình trạng hồ sơ", "Check a dossier's status"),
    "dossier_scan_hint": (
        "Đưa mã QR trên giấy hẹn trả kết quả vào trước camera",
        "Hold the QR code on your receipt to the camera",
    ),
    "no_camera": ("Kiosk không có camera. Vui lòng nhập mã hồ sơ.", "No camera here. Please type the dossier code."),
    "or_type": ("Hoặc nhập mã hồ sơ và 4 số cuối điện thoại:", "Or type the dossier code and the last 4 phone digits:"),
    "dossier_code": ("Mã hồ sơ", "Dossier code"),
    "phone_last4": ("4 số cuối điện thoại", "Last 4 phone digits"),
    "look_up": ("Tra cứu", "Look up"),
    "looking_up": ("Đang tra cứu…", "Looking up…"),
    # Word for word the server's (queue_server/dossiers/lookup.py), whose own message the kiosk
    # shows when it has one (lookup_refusal): the visitor reads one sentence either way.
    "dossier_not_found": (
        "Không tìm thấy hồ sơ. Vui lòng kiểm tra lại mã hồ sơ và 4 số cuối số điện thoại đã đăng ký.",
        "Dossier not found. Please check the dossier code and the last 4 digits of the registered phone number.",
    ),
    "need_code_and_phone": (
        "Vui lòng nhập mã hồ sơ và đủ 4 số cuối điện thoại.",
        "Please type the dossier code and the last 4 phone digits.",
    ),
    "scan_receipt_not_ticket": (
        "Đây là mã phiếu số thứ tự. Vui lòng quét mã trên giấy hẹn trả kết quả.",
        "That is a queue ticket. Please scan the QR on your receipt.",
    ),
    "dossier_code_scanned": (
        "Đã đọc mã hồ sơ. Vui lòng nhập 4 số cuối điện thoại.",
        "Code read. Please type the last 4 phone digits.",
    ),
    "status_title": ("Kết quả tra cứu hồ sơ", "Dossier lookup result"),
    "lookup_unavailable": (
        "Chức năng tra cứu hồ sơ chưa sẵn sàng. Vui lòng hỏi cán bộ hướng dẫn.",
        "Dossier lookup is not available yet. Please ask staff.",
    ),
    "booked_visitor": ("Đã đặt lịch hẹn", "I have a booking"),
    "checkin_title": ("Xác nhận lịch hẹn", "Check in for a booking"),
    "checkin_scan_hint": (
        "Đưa mã QR lịch hẹn trên điện thoại vào trước camera",
        "Hold the booking's QR code on your phone to the camera",
    ),
    "checkin_no_camera": (
        "Kiosk không có camera. Vui lòng nhập mã lịch hẹn.",
        "No camera here. Please type the booking code.",
    ),
    "checkin_scanner_down": (
        "Camera quét mã tạm thời không dùng được. Vui lòng nhập mã lịch hẹn.",
        "The code scanner is not available for now. Please type the booking code.",
    ),
    "checkin_or_type": ("Hoặc nhập mã lịch hẹn (8 ký tự):", "Or type the booking code (8 characters):"),
    "booking_code": ("Mã lịch hẹn", "Booking code"),
    "check_in": ("Xác nhận", "Check in"),
    "checking_in": ("Đang xác nhận lịch hẹn…", "Checking your booking…"),
    "booking_code_wrong": (
        "Mã lịch hẹn gồm 8 chữ cái và chữ số, như trên trang đặt lịch. Vui lòng kiểm tra lại.",
        "A booking code has 8 letters and digits, as on the booking page. Please check it.",
    ),
    "booking_scan_ticket": (
        "Đây là mã phiếu số thứ tự. Vui lòng quét mã QR lịch hẹn trên điện thoại.",
        "That is a queue ticket. Please scan the booking's QR on your phone.",
    ),
    "booking_scan_other": (
        "Đây không phải mã QR lịch hẹn. Vui lòng quét mã QR trên trang đặt lịch hoặc nhập mã lịch hẹn.",
        "That is not a booking QR. Please scan the QR from the booking page or type the booking code.",
    ),
    "checkin_failed_offline": (
        "Chưa xác nhận được lịch hẹn vì mất kết nối máy chủ. Vui lòng thử lại sau ít phút hoặc liên hệ cán bộ hướng dẫn.",
        "Could not check you in: the server is unreachable. Please try again shortly or ask staff.",
    ),
    "booked_mark": ("Đặt hẹn", "Booked"),
    "checkin_ok": (
        "Đã xác nhận lịch hẹn. Số của bạn được ưu tiên gọi trước người không đặt lịch.",
        "Booking confirmed: your number is called before visitors without a booking.",
    ),
    "checkin_late": (
        "Bạn đến muộn so với giờ hẹn: số của bạn được xếp như người đến trực tiếp.",
        "You came after your booking's time: your number is queued as a walk-in.",
    ),
    "space": ("Dấu cách", "Space"),
    "clear": ("Xóa hết", "Clear"),
    "printer_alert": ("Máy in kiosk: {message}", "Kiosk printer: {message}"),
    "printer_back": ("Máy in kiosk đã hoạt động trở lại.", "The kiosk printer works again."),
    # Said before a visitor taps, while the printer cannot print (the ticket is then shown on screen only).
    "printer_paper_out": (
        "Máy in hết giấy: số thứ tự sẽ hiện trên màn hình, vui lòng chụp lại.",
        "The printer is out of paper: your number will be shown on screen, please take a photo.",
    ),
    "printer_cover_open": (
        "Nắp máy in đang mở: số thứ tự sẽ hiện trên màn hình, vui lòng chụp lại.",
        "The printer cover is open: your number will be shown on screen, please take a photo.",
    ),
    "printer_printer_offline": (
        "Máy in không hoạt động: số thứ tự sẽ hiện trên màn hình, vui lòng chụp lại.",
        "The printer is not working: your number will be shown on screen, please take a photo.",
    ),
    "no_paper_ticket": ("(không in phiếu — số hiện trên màn hình)", "(no printed ticket — number on screen)"),
    "scanner_down": (
        "Camera quét mã tạm thời không dùng được. Vui lòng nhập mã hồ sơ.",
        "The code scanner is not available for now. Please type the dossier code.",
    ),
}

# The regulation's lookup fields (domain.md §4; BP Đ.17, ĐN Đ.16, AG Đ.11), worded as the receipt
# lookup page words them, in the order they are shown.
DOSSIER_FIELDS: list[tuple[str, tuple[str, str]]] = [
    ("code", ("Mã hồ sơ", "Dossier code")),
    ("status_label", ("Tình trạng hồ sơ", "Status")),
    ("receiving_agency", ("Cơ quan tiếp nhận", "Receiving agency")),
    ("processing_department", ("Phòng, ban xử lý", "Processing department")),
    ("organisation_name", ("Tổ chức nộp hồ sơ", "Submitting organisation")),
    ("applicant_name", ("Người nộp hồ sơ", "Applicant")),
    ("received_at", ("Ngày nhận hồ sơ", "Received")),
    ("appointment_at", ("Ngày hẹn trả kết quả", "Appointment")),
    ("corrections", ("Nội dung cần bổ sung, sửa đổi", "To add or correct")),
]


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V… A…': the family name and initials, which the applicant recognises
    and whoever stands behind them at a public screen cannot use (domain.md §4; the phone page opened
    from the receipt's unforgeable token shows the full name)."""
    words = full_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "…"
    return " ".join([words[0], *(w[0] + "…" for w in words[1:])])


# The camera's advice to the visitor (hardware.scanners.Guidance codes): the scanner's own
# Vietnamese, and English for the kiosk's second language.
_GUIDANCE_EN = {
    Guidance.SHOW_CODE: "Hold the QR code on your paper to the camera",
    Guidance.CLOSER: "Bring the paper closer",
    Guidance.FURTHER: "Move the paper a little further away",
    Guidance.CENTRE: "Move the QR code to the middle of the picture",
    Guidance.HOLD_STILL: "Hold the paper still",
    Guidance.MORE_LIGHT: "Move the paper into better light",
    Guidance.GLARE: "Tilt the paper away from the glare",
}
TEXTS.update({f"guide_{code}": (GUIDANCE_VI[code], en) for code, en in _GUIDANCE_EN.items()})


def t(key: str, lang: str = "vi", **values) -> str:
    vi, en = TEXTS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


# The server words its check-in refusals in Vietnamese; the English screen says the same by code.
_CHECKIN_REFUSALS_EN = {
    "checkin_too_early": "It is too early to check in for your booking. Please come back from {opens}.",
    "checkin_wrong_day": "Your booking is for another day, not today.",
    "booking_cancelled": "This booking was cancelled. Please take a queue number as usual.",
    "booking_not_found": "Booking not found. Please check the code on the booking page.",
}


def checkin_refusal_en(exc) -> str:
    """A refused check-in (a `ServerError`) in English; the server's own words for anything else."""
    text = _CHECKIN_REFUSALS_EN.get(exc.code)
    if text is None:
        return exc.message
    opens = exc.extra.get("opens_at")
    try:
        opens = datetime.fromisoformat(str(opens)).astimezone(VN_TZ).strftime("%H:%M") if opens else "its opening time"
    except ValueError:
        opens = "its opening time"
    return text.format(opens=opens)


def lookup_refusal(exc, lang: str = "vi") -> str:
    """A lookup the server answered «not found» (a `ServerError`): its own sentence, the same for a
    wrong code, wrong digits and a forged receipt; in English, or with no words, the kiosk's."""
    if lang == "vi" and exc.message:
        return exc.message
    return t("dossier_not_found", lang)


def priority_label(code: str | None, lang: str = "vi") -> str | None:
    if not code:
        return None
    vi, en = PRIORITY_CLASSES.get(code, (code, code))
    return en if lang == "en" else vi


def clock_line(now: datetime, lang: str = "vi") -> str:
    """'Thứ Hai, 23/11/2026 — 09:41'."""
    return f"{WEEKDAYS[lang][now.weekday()]}, {now:%d/%m/%Y} — {now:%H:%M}"


def minutes(seconds: int | float | None) -> int:
    return max(1, round((seconds or 0) / 60))


def wait_line(service: dict, lang: str = "vi") -> str:
    """A service tile's estimate: one figure, or its range while the server is unsure."""
    lo, hi = wait_range_minutes(
        service.get("estimated_wait_s") or 0, service.get("estimated_wait_low_s"), service.get("estimated_wait_high_s")
    )
    if lo == hi:
        return t("estimated_wait", lang, m=minutes(service.get("estimated_wait_s")))
    return t("estimated_wait_range", lang, lo=max(1, lo), hi=hi)
