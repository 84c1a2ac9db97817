"""The one error type and its JSON rendering: {"error": {"code", "message"}}.

A visitor's browser gets the same errors as a page in Vietnamese instead (`_wants_page`): the
address on a ticket or receipt QR that a camera or a finger garbled must not show JSON."""

from __future__ import annotations

import logging
from html import escape

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """An expected failure with a stable code, a Vietnamese message and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra


def not_found(what: str, code: str | None = None) -> DomainError:
    return DomainError(code or "not_found", f"Không tìm thấy {what}.", 404)


def forbidden(message: str = "Bạn không có quyền thực hiện thao tác này.") -> DomainError:
    return DomainError("forbidden", message, 403)


# Constraint names (see db.NAMING) mapped to meaningful codes, so a race that reaches the
# database's last line of defence still answers 409 with a clear message, never 500.
CONSTRAINT_ERRORS: dict[str, tuple[str, str]] = {
    "uq_tickets_service_day_number": ("ticket_number_taken", "Số thứ tự đã được cấp, vui lòng thử lại."),
    "uq_tickets_original_service_id_service_day_number": (
        "ticket_number_taken",
        "Số thứ tự đã được cấp, vui lòng thử lại.",
    ),
    "uq_tickets_client_request_id": ("duplicate_request", "Yêu cầu đã được xử lý."),
    "uq_procedures_ref": ("procedure_exists", "Thủ tục đang được cập nhật đồng thời, vui lòng nhập lại tệp."),
    "uq_procedures_code": ("procedure_exists", "Thủ tục đang được cập nhật đồng thời, vui lòng nhập lại tệp."),
    "uq_ratings_ticket_id": ("already_rated", "Số thứ tự này đã được đánh giá."),
    "uq_ratings_idempotency_key": ("duplicate_request", "Đánh giá này đã được ghi nhận."),
    "uq_counters_centre_id_number": ("counter_exists", "Số quầy đã tồn tại trong trung tâm."),
    "uq_services_centre_id_code": ("service_exists", "Mã dịch vụ đã tồn tại trong trung tâm."),
    "uq_agencies_centre_id_identifier": ("agency_exists", "Mã định danh cơ quan đã tồn tại."),
    "uq_users_username": ("user_exists", "Tên đăng nhập đã tồn tại."),
    # appointments: the database's last line behind the booking rules (appointments/service.py)
    "within_capacity": ("slot_full", "Khung giờ này vừa hết chỗ. Vui lòng chọn khung giờ khác."),
    "uq_appointments_active_phone": (
        "already_booked",
        "Số điện thoại này đã có lịch hẹn dịch vụ này trong ngày; hãy đổi giờ hoặc hủy lịch đã đặt.",
    ),
    "uq_appointments_service_id_day_phone": (
        "already_booked",
        "Số điện thoại này đã có lịch hẹn dịch vụ này trong ngày; hãy đổi giờ hoặc hủy lịch đã đặt.",
    ),
    "uq_remote_numbers_service_id_day_phone": (
        "remote_already_taken",
        "Số điện thoại này đã lấy số từ xa cho dịch vụ này hôm nay.",
    ),
    "uq_appointments_code": ("duplicate_request", "Vui lòng thử lại."),
    "uq_notification_templates_centre_id_kind": (
        "template_changed",
        "Mẫu tin nhắn vừa được người khác lưu; vui lòng tải lại trang rồi lưu lại.",
    ),
    "uq_search_terms_centre_id_phrase_key": (
        "search_term_exists",
        "Cụm từ này vừa được thêm vào từ điển tìm kiếm của trung tâm; vui lòng tải lại trang.",
    ),
    "uq_dossiers_code": ("dossier_code_taken", "Mã hồ sơ đã được cấp cho hồ sơ khác, vui lòng thử lại."),
}


MALFORMED_JSON = "Nội dung gửi lên không phải JSON hợp lệ."
_BODY_NOT_PARSED = "There was an error parsing the body"  # fastapi.routing's detail, in English


def _body(code: str, message: str, **extra) -> dict:
    err = {"code": code, "message": message}
    err.update(extra)
    return {"error": err}


def _sqlite_constraint_name(text: str) -> str | None:
    """SQLite names the columns, not the constraint: rebuild the conventional name from them."""
    marker = "UNIQUE constraint failed: "
    if marker not in text:
        return None
    cols = [c.strip() for c in text.split(marker, 1)[1].split(",")]
    table = cols[0].split(".")[0]
    return f"uq_{table}_" + "_".join(c.split(".", 1)[1] for c in cols)


def integrity_to_domain(exc: IntegrityError) -> DomainError:
    text = str(exc.orig)
    text += " " + (_sqlite_constraint_name(text) or "")
    for name, (code, message) in CONSTRAINT_ERRORS.items():
        if name in text:
            return DomainError(code, message, 409)
    return DomainError("conflict", "Dữ liệu bị trùng hoặc mâu thuẫn với dữ liệu đã có.", 409)


def unavailable(exc: Exception) -> DomainError:
    """The 503 for a database error that is not the request's fault: overload (SQLite busy,
    serialisation, pool exhausted) or the database unreachable. The client may retry (kiosks do,
    with the same request id)."""
    text = str(getattr(exc, "orig", None) or exc)
    if isinstance(exc, PoolTimeout) or "locked" in text or "could not serialize" in text:
        return DomainError("busy", "Hệ thống đang bận, vui lòng thử lại.", 503)
    return DomainError("database_unavailable", "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.", 503)


# Pydantic's error types in Vietnamese, so a form shows the server's own words beside the field.
_PROBLEMS_VI: dict[str, str] = {
    "missing": "bắt buộc nhập",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "string_too_long": "tối đa {max_length} ký tự",
    "string_pattern_mismatch": "không đúng định dạng",
    "string_type": "phải là chuỗi ký tự",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than": "phải nhỏ hơn {lt}",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "bool_parsing": "phải là có hoặc không",
    "bool_type": "phải là có hoặc không",
    "time_parsing": "giờ không hợp lệ (dạng 07:30)",
    "time_type": "giờ không hợp lệ (dạng 07:30)",
    "date_parsing": "ngày không hợp lệ (dạng 2026-01-31)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng 2026-01-31)",
    "date_type": "ngày không hợp lệ (dạng 2026-01-31)",
    "datetime_parsing": "thời điểm không hợp lệ",
    "too_long": "tối đa {max_length} mục",
    "too_short": "cần ít nhất {min_length} mục",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một bảng giá trị",
    "literal_error": "giá trị không được phép (chọn một trong: {expected})",
    "enum": "giá trị không được phép (chọn một trong: {expected})",
    "extra_forbidden": "trường này không được phép",
}


def problem_vi(error: dict) -> str:
    """One validation error in Vietnamese: our validators already speak it; pydantic's built-ins are translated."""
    kind = error.get("type", "")
    if kind in ("value_error", "assertion_error"):
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _PROBLEMS_VI.get(kind)
    if template is None:
        return "giá trị không hợp lệ"
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split(" {", 1)[0].split(" (", 1)[0]


def _method(request) -> str:
    return request.scope.get("method", "WEBSOCKET")


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _wants_page(request) -> bool:
    """A request to one of the pages (a route answering HTML), or a browser navigating (HTML
    asked for first) to an address that is no route. The API answers JSON to everyone."""
    route = request.scope.get("route")
    if route is not None:
        return getattr(route, "response_class", None) is HTMLResponse
    if request.scope["type"] != "http" or request.url.path.startswith("/api/"):
        return False
    return request.headers.get("accept", "").startswith("text/html")


_PAGE_MESSAGES = {
    404: "Không tìm thấy trang này.",
    405: "Không tìm thấy trang này.",
    422: "Địa chỉ không hợp lệ, hoặc thông tin gửi lên không hợp lệ.",
}


def error_page(status: int, message: str, headers=None) -> HTMLResponse:
    """The error as a page of its own: no script, style inline, nothing fetched."""
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>Thông báo</title>'
        "<style>body{font-family:sans-serif;margin:0;background:#f4f6f8;color:#1b2430}"
        "main{max-width:36rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:.5rem}"
        ".error{font-size:1.25rem;font-weight:bold;color:#a4161a}</style></head>"
        f'<body><main><p class="error" role="alert">{escape(message)}</p>'
        "<p>Hãy quét lại mã QR trên phiếu, hoặc hỏi cán bộ hướng dẫn tại sảnh.</p></main></body></html>"
    )
    return HTMLResponse(page, status_code=status, headers={**(headers or {}), "Cache-Control": "no-store"})


def _answer(request, status: int, code: str, message: str, headers=None, **extra):
    if _wants_page(request):
        return error_page(status, _PAGE_MESSAGES.get(status, message), headers)
    return JSONResponse(_body(code, message, **extra), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        if request.scope["type"] == "websocket":
            return await request.close(code=4000 + exc.status, reason=exc.code)
        return JSONResponse(_body(exc.code, exc.message, **exc.extra), status_code=exc.status)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError):
        err = integrity_to_domain(exc)
        return JSONResponse(_body(err.code, err.message), status_code=err.status)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _operational(request: Request, exc: Exception):
        err = unavailable(exc)
        if err.code == "database_unavailable":
            # One line, no traceback: the cause is outside the server, and it recovers by itself.
            log.error("database unavailable on %s %s: %s", _method(request), request.url.path, _first_line(exc))
        if request.scope["type"] == "websocket":
            return await request.close(code=1013, reason=err.code)  # "try again later"
        return _answer(request, 503, err.code, err.message, headers={"Retry-After": "1"})

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception):
        # The last line behind the schemas' bounds (queue_server/bounds.py): a value the database
        # cannot hold (an integer beyond its column, NUL in text) is the request's fault, not ours.
        if isinstance(exc, OverflowError) and "SQLite INTEGER" not in str(exc):
            return await _unexpected(request, exc)
        log.warning("value out of range for the database on %s %s", _method(request), request.url.path)
        if request.scope["type"] == "websocket":
            return await request.close(code=4422, reason="invalid_input")
        return _answer(request, 422, "invalid_input", "Dữ liệu gửi lên không hợp lệ (giá trị vượt giới hạn).")

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _answer(request, 400, "malformed_json", MALFORMED_JSON)
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "problem": problem_vi(e)}
            for e in errors
        ]
        return _answer(request, 422, "invalid_input", "Dữ liệu gửi lên không hợp lệ.", fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        messages = {
            401: ("unauthorized", "Cần đăng nhập hoặc mã thiết bị hợp lệ."),
            403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
            404: ("not_found", "Không tìm thấy địa chỉ yêu cầu."),
            405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
            413: ("body_too_large", "Nội dung gửi lên quá lớn."),
        }
        code, message = messages.get(exc.status_code, ("http_error", str(exc.detail)))
        if isinstance(exc.detail, str) and exc.status_code not in messages:
            message = exc.detail
        if exc.status_code == 400 and exc.detail == _BODY_NOT_PARSED:
            # FastAPI's own answer when its parser gives up (nesting past the recursion limit, an
            # integer past Python's digit limit, bytes that are not UTF-8): said as for bad JSON.
            if "json" in request.headers.get("content-type", ""):
                code, message = "malformed_json", MALFORMED_JSON
            else:
                code, message = "malformed_body", "Nội dung gửi lên không đọc được."
        return _answer(request, exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", _method(request), request.url.path)
        if request.scope["type"] == "websocket":
            return await request.close(code=1011, reason="internal_error")
        return _answer(request, 500, "internal_error", "Lỗi hệ thống, vui lòng thử lại sau.")
