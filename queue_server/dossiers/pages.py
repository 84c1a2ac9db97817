"""The public lookup web page for phones: `/l/{token}` (the receipt QR) and `/l` (code + 4 digits).

Plain HTML with inline CSS, nothing fetched from elsewhere. The form posts, so the phone digits
never appear in a URL (or an access log).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from ..bounds import Token
from ..deps import DbSession, Public
from ..errors import DomainError
from ..timeutil import local
from .router import do_lookup

pages = APIRouter(include_in_schema=False)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;background:#f4f6f8;color:#1b1f23}
header{background:#b71c1c;color:#fff;padding:14px 16px;font-weight:600;font-size:1.1rem}
main{max-width:560px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:10px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:16px}
dl{margin:0}dt{color:#5f6b76;font-size:.9rem;margin-top:10px}dd{margin:2px 0 0;font-size:1.05rem;word-break:break-word}
.status{display:inline-block;padding:6px 10px;border-radius:6px;font-weight:600}
.tone-done{background:#e8f5e9;color:#1b5e20}.tone-progress{background:#e3f2fd;color:#0d47a1}
.tone-attention{background:#fff3e0;color:#b34700}.tone-stopped{background:#ffebee;color:#b71c1c}
.overdue{display:inline-block;margin-top:6px;padding:6px 10px;border-radius:6px;background:#b71c1c;color:#fff;font-weight:700}
.err{color:#b71c1c;font-weight:600}
label{display:block;margin-top:12px;font-weight:600}input{width:100%;box-sizing:border-box;font-size:1.1rem;padding:10px;margin-top:4px;border:1px solid #b0bec5;border-radius:6px}
button{margin-top:16px;width:100%;font-size:1.1rem;padding:12px;border:0;border-radius:6px;background:#b71c1c;color:#fff}
ul{margin:4px 0 0;padding-left:20px}
"""


def _page(body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Tra cứu tình trạng hồ sơ</title><style>{_CSS}</style></head>"
        f"<body><header>Tra cứu tình trạng hồ sơ thủ tục hành chính</header><main>{body}</main></body></html>"
    )
    return HTMLResponse(
        html, status_code=status_code, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


def _when(dt) -> str:
    return local(dt).strftime("%H:%M ngày %d/%m/%Y") if dt else "—"


def _result(view: dict) -> str:
    rows = [("Mã hồ sơ", view["code"]), ("Cơ quan tiếp nhận", view["receiving_agency"])]
    if view.get("processing_department"):
        rows.append(("Phòng, ban xử lý", view["processing_department"]))
    if view.get("organisation_name"):
        rows.append(("Tổ chức nộp hồ sơ", view["organisation_name"]))
    rows += [("Người nộp hồ sơ", view["applicant_name"]), ("Ngày nhận hồ sơ", _when(view["received_at"]))]
    if view.get("valid"):
        rows.append(("Ngày hẹn trả kết quả", _when(view.get("appointment_at"))))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    # Coloured by what the status means (done, in progress, waiting on the applicant, stopped), and a
    # result still owed after the appointment says so in red with the days late.
    badge = f'<span class="status tone-{view["status_tone"]}">{escape(view["status_label"])}</span>'
    status = f"<dt>Tình trạng hồ sơ</dt><dd>{badge}{_overdue(view.get('overdue_days'))}</dd>"
    corrections = ""
    if view["corrections"]:
        lis = "".join(f"<li>{escape(c)}</li>" for c in view["corrections"])
        corrections = f"<dt>Nội dung cần bổ sung, sửa đổi</dt><dd><ul>{lis}</ul></dd>"
    note = "" if view.get("valid") else '<p class="err">Hồ sơ nộp trực tuyến chưa hợp lệ, chưa được tiếp nhận.</p>'
    return f'<div class="card">{note}<dl>{items}{status}{corrections}</dl></div>'


def overdue_text(days: int | None) -> str:
    """'Quá hạn 12 ngày so với ngày hẹn trả kết quả', or '' when the result is not late."""
    if days is None:
        return ""
    if days == 0:
        return "Quá giờ hẹn trả kết quả hôm nay"
    return f"Quá hạn {days} ngày so với ngày hẹn trả kết quả"


def _overdue(days: int | None) -> str:
    text = overdue_text(days)
    return f'<br><span class="overdue">{escape(text)}</span>' if text else ""


def _form(message: str = "", code: str = "") -> str:
    err = f'<p class="err">{escape(message)}</p>' if message else ""
    return (
        f'<div class="card">{err}<form method="post" action="/l">'
        '<label for="code">Mã hồ sơ</label>'
        f'<input id="code" name="code" required maxlength="40" autocomplete="off" value="{escape(code)}" '
        'placeholder="VD: 000.00.14.H12-260105-0001">'
        '<label for="phone_last4">4 số cuối số điện thoại đã đăng ký</label>'
        '<input id="phone_last4" name="phone_last4" required inputmode="numeric" pattern="[0-9]{4}" maxlength="4" autocomplete="off">'
        '<button type="submit">Tra cứu</button></form>'
        "<p>Hoặc quét mã QR trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.</p></div>"
    )


def _error(request: Request, exc: DomainError, code: str = "") -> HTMLResponse:
    return _page(_form(exc.message, code), status_code=exc.status)


@pages.get("/l", response_class=HTMLResponse)
def lookup_form(_: Public):
    return _page(_form())


@pages.post("/l", response_class=HTMLResponse)
def lookup_submit(
    request: Request,
    session: DbSession,
    _: Public,
    code: str = Form(default="", max_length=40),
    phone_last4: str = Form(default="", max_length=10),
):
    try:
        view = do_lookup(request, session, code=code, phone_last4=phone_last4)
    except DomainError as exc:
        return _error(request, exc, code)
    return _page(_result(view) + _form())


@pages.get("/l/{token}", response_class=HTMLResponse)
def lookup_token_page(token: Token, request: Request, session: DbSession, _: Public):
    try:
        view = do_lookup(request, session, token=token)
    except DomainError as exc:
        return _error(request, exc)
    return _page(_result(view))
