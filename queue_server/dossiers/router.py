"""Dossier endpoints. Lifecycle steps go through one endpoint, `POST /dossiers/{code}/transitions`
{to, reason?, data?}, so the allowed-transition table in `lifecycle.py` is the single rule book.

`POST /sync/dossiers` is declared public: the HMAC signature over the raw body (see `sync.py`) is
its authentication, checked before anything is parsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response, status

from ..auth.principal import Principal
from ..background import run_with_app
from ..bounds import INT32_MAX, Id, Token
from ..config import Settings
from ..deps import AppSettings, DbSession, Public, Staff, allow
from ..errors import DomainError
from ..security.ratelimit import client_address
from . import lookup as lookup_mod
from . import service, sync
from .apology import apology_pdf
from .control_slip import control_slip_pdf
from .receipt import receipt_pdf, receipt_print
from .schemas import (
    ApologyRequest,
    DossierCreate,
    DossierPage,
    DossierRead,
    DossierUpdate,
    LookupRequest,
    LookupResult,
    PrintRequest,
    SyncResponse,
    TransitionRequest,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["dossiers"])
Receiver = Annotated[Principal, allow("admin", "clerk")]

ERRORS = {
    401: {"description": "missing, unknown or revoked token"},
    403: {"description": "not allowed for this caller, centre or agency"},
    404: {"description": "unknown dossier, agency, procedure or ticket"},
    409: {"description": "illegal transition, sequence exhausted, code taken"},
    422: {"description": "invalid input (e.g. a refusal without a reason)"},
}


def _read(session, settings, dossier, **kw) -> dict:
    return service.dossier_view(session, settings, dossier, **kw)


@router.post(
    "/dossiers",
    response_model=DossierRead,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Receive a dossier at the desk (from the current ticket or directly)",
)
def create_dossier(data: DossierCreate, session: DbSession, settings: AppSettings, actor: Receiver):
    return _read(session, settings, service.create_dossier(session, settings, actor, data), history=True)


@router.get(
    "/dossiers", response_model=DossierPage, responses=ERRORS, summary="List and filter dossiers (staff, scoped)"
)
def list_dossiers(
    session: DbSession,
    settings: AppSettings,
    actor: Staff,
    centre_id: Id | None = None,
    agency_id: Id | None = None,
    status_: Annotated[str | None, Query(alias="status", max_length=40)] = None,
    procedure_code: str | None = Query(default=None, max_length=40),
    channel: str | None = Query(default=None, max_length=20),
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    code: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
):
    items, total = service.list_dossiers(
        session,
        actor,
        service.DossierFilter(
            centre_id=centre_id,
            agency_id=agency_id,
            status=status_,
            procedure_code=procedure_code,
            channel=channel,
            received_from=received_from,
            received_to=received_to,
            code_prefix=code,
            limit=limit,
            offset=offset,
        ),
    )
    return {"items": [_read(session, settings, d) for d in items], "total": total}


@router.get(
    "/dossiers/overdue",
    response_model=list[DossierRead],
    responses=ERRORS,
    summary="Open dossiers past their appointment (an apology is due)",
)
def overdue(session: DbSession, settings: AppSettings, actor: Staff):
    return [_read(session, settings, d) for d in service.overdue(session, actor)]


@router.get(
    "/dossiers/uncollected",
    response_model=list[DossierRead],
    responses=ERRORS,
    summary="Results waiting at the desk longer than 60 days",
)
def uncollected(session: DbSession, settings: AppSettings, actor: Staff):
    late = service.uncollected(session, actor, uncollected_after_days=settings.uncollected_after_days)
    return [_read(session, settings, d) for d in late]


@router.get(
    "/dossiers/acceptance-overdue",
    response_model=list[DossierRead],
    responses=ERRORS,
    summary="Online dossiers not accepted or sent back within 8 working hours",
)
def acceptance_overdue(session: DbSession, settings: AppSettings, actor: Staff):
    return [_read(session, settings, d) for d in service.acceptance_overdue(session, actor)]


@router.post(
    "/dossiers/sweep",
    responses=ERRORS,
    summary="Lapse supplement requests whose period ran out (admin; also runs in the background)",
)
def sweep(session: DbSession, settings: AppSettings, _: Annotated[Principal, allow("admin")]):
    return {"lapsed": service.sweep(session, settings)}


@router.get("/dossiers/{code}", response_model=DossierRead, responses=ERRORS, summary="A dossier with its full history")
def get_dossier(code: Token, session: DbSession, settings: AppSettings, actor: Staff):
    dossier = service.get_dossier(session, code)
    service.ensure_can_see(actor, dossier)
    return _read(session, settings, dossier, history=True)


@router.patch(
    "/dossiers/{code}",
    response_model=DossierRead,
    responses=ERRORS,
    summary="Amend a dossier's details (the code never changes; the diff is kept in the history)",
)
def amend(code: Token, data: DossierUpdate, session: DbSession, settings: AppSettings, actor: Staff):
    return _read(session, settings, service.amend(session, actor, code, data), history=True)


@router.post(
    "/dossiers/{code}/transitions",
    response_model=DossierRead,
    responses=ERRORS,
    summary="Move a dossier through its lifecycle: {to, reason?, data?}",
)
def transition(code: Token, data: TransitionRequest, session: DbSession, settings: AppSettings, actor: Staff):
    dossier = service.transition_by_code(session, settings, actor, code, data)
    return _read(session, settings, dossier, history=True)


@router.post(
    "/dossiers/{code}/apologies",
    response_model=DossierRead,
    responses=ERRORS,
    summary="Apology letter and new appointment: the late agency's (kind=late), or the desk's own receiving error",
)
def apologise(code: Token, data: ApologyRequest, session: DbSession, settings: AppSettings, actor: Staff):
    dossier = service.apologise(session, actor, code, data, notifications_on=bool(settings.notify_url))
    return _read(session, settings, dossier, history=True)


@router.get(
    "/dossiers/{code}/apology.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
    response_class=Response,
    summary="An apology letter (phiếu xin lỗi và hẹn lại ngày trả kết quả) as PDF: the latest, or ?number=",
)
def get_apology(
    code: Token,
    session: DbSession,
    settings: AppSettings,
    actor: Staff,
    number: int | None = Query(default=None, ge=1, le=1000, description="1-based; default the latest"),
):
    dossier = service.get_dossier(session, code)
    service.ensure_can_see(actor, dossier)
    event = service.apology_event(session, dossier, number)
    return _pdf(apology_pdf(session, settings, dossier, event), f"phieu-xin-loi-{dossier.code}.pdf")


@router.post(
    "/dossiers/{code}/lookup-token/revoke",
    response_model=DossierRead,
    responses=ERRORS,
    summary="Invalidate the receipt's QR and issue a new lookup link",
)
def revoke_token(code: Token, session: DbSession, settings: AppSettings, actor: Receiver):
    return _read(session, settings, service.revoke_lookup_token(session, settings, actor, code), history=True)


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get(
    "/dossiers/{code}/receipt.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
    response_class=Response,
    summary="The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả) as PDF",
)
def get_receipt(code: Token, session: DbSession, settings: AppSettings, actor: Staff):
    dossier = service.get_dossier(session, code)
    service.ensure_can_see(actor, dossier)
    return _pdf(receipt_pdf(session, settings, dossier), f"giay-tiep-nhan-{dossier.code}.pdf")


@router.get(
    "/dossiers/{code}/control-slip.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
    response_class=Response,
    summary="The control slip (phiếu kiểm soát, mẫu 05) as PDF",
)
def get_control_slip(code: Token, session: DbSession, actor: Staff):
    dossier = service.get_dossier(session, code)
    service.ensure_can_see(actor, dossier)
    return _pdf(
        control_slip_pdf(session, dossier, service.history_of(session, dossier)), f"phieu-kiem-soat-{dossier.code}.pdf"
    )


@router.post(
    "/dossiers/{code}/print-receipt",
    responses={503: {"description": "printer error (Vietnamese message)"}, **ERRORS},
    summary="Print the receipt on the desk's thermal printer (after the transaction ends)",
)
def print_receipt(
    code: Token, session: DbSession, settings: AppSettings, actor: Receiver, data: PrintRequest | None = None
):
    from hardware.printers import PrinterError, open_printer

    dossier = service.get_dossier(session, code)
    service.ensure_can_see(actor, dossier)
    if data is not None and data.printer_url and not actor.is_admin:
        # A printer URL can name a file or a network host: only an administrator may choose one.
        raise DomainError("printer_url_admin_only", "Chỉ quản trị viên được chọn máy in khác máy in đã cấu hình.", 403)
    job = receipt_print(session, settings, dossier)
    url = (data.printer_url if data else None) or printer_url(settings)
    session.commit()  # end the transaction (SQLite holds its write lock) before touching the device
    try:
        printer = open_printer(url)
        try:
            printer.print_receipt(job)
        finally:
            with contextlib.suppress(Exception):
                printer.close()
    except PrinterError as exc:
        raise DomainError(exc.code, exc.message, 503) from None
    return {"printed": True, "code": dossier.code}


def printer_url(settings: Settings) -> str:
    return settings.receipt_printer_url or f"emulator://{(settings.data_dir / 'receipts').resolve()}"


# -- public lookup ------------------------------------------------------------------------------


def do_lookup(request: Request, session, *, token=None, code=None, phone_last4=None) -> dict:
    app = request.app
    return lookup_mod.guarded_lookup(
        session,
        app.state.rate_limits,
        app.state.settings,
        client_address(request),
        token=token,
        code=code,
        phone_last4=phone_last4,
    )


LOOKUP_ERRORS = {
    404: {"description": "no such dossier — the same answer for a wrong code and wrong digits"},
    422: {"description": "neither token nor code given"},
    429: {"description": "too many lookups from this address, or too many wrong digits for this code"},
}


@router.get(
    "/lookup",
    response_model=LookupResult,
    responses=LOOKUP_ERRORS,
    summary="Public status lookup: ?token= (receipt QR) or ?code=&phone_last4=",
)
def lookup_get(
    request: Request,
    session: DbSession,
    _: Public,
    token: str | None = Query(default=None, max_length=200),
    code: str | None = Query(default=None, max_length=40),
    phone_last4: str | None = Query(default=None, max_length=10),
):
    return do_lookup(request, session, token=token, code=code, phone_last4=phone_last4)


@router.post(
    "/lookup",
    response_model=LookupResult,
    responses=LOOKUP_ERRORS,
    summary="The same lookup with the digits in the body (kept out of access logs)",
)
def lookup_post(data: LookupRequest, request: Request, session: DbSession, _: Public):
    return do_lookup(request, session, token=data.token, code=data.code, phone_last4=data.phone_last4)


# -- external sync ------------------------------------------------------------------------------


@router.post(
    "/sync/dossiers",
    response_model=SyncResponse,
    responses={
        403: {"description": "bad or missing signature, stale timestamp"},
        503: {"description": "sync not configured"},
        **ERRORS,
    },
    summary="Status updates from the one-stop system, signed with HMAC-SHA256 (X-Motcua-Signature, X-Motcua-Timestamp)",
)
async def sync_dossiers(request: Request, _: Public):
    body = await request.body()
    settings = request.app.state.settings
    sync.verify(
        settings.sync_hmac_secret,
        request.headers.get(sync.TIMESTAMP_HEADER),
        request.headers.get(sync.SIGNATURE_HEADER),
        body,
    )
    updates = sync.parse_json_updates(body)
    db = request.app.state.db

    # in chunks: a large batch never holds the write lock long enough to stall the desk
    outcomes = await asyncio.to_thread(sync.apply_in_chunks, db, settings, updates, source="http")
    return {"results": [o.__dict__ for o in outcomes]}


# -- wiring -------------------------------------------------------------------------------------


def setup(app: FastAPI) -> None:
    """The background jobs: the supplement sweep and the watched sync folder."""
    settings = app.state.settings
    jobs = [_sweep_loop]
    if settings.sync_watch_dir:
        adapter = sync.FolderAdapter(settings.sync_watch_dir)
        jobs.append(lambda app: _watch_loop(app, adapter))
    run_with_app(app, *jobs)


async def _watch_loop(app: FastAPI, adapter: sync.FolderAdapter) -> None:
    while True:
        try:
            await asyncio.to_thread(adapter.process, app.state.db, app.state.settings)
        except Exception:
            log.exception("sync folder pass failed")
        await asyncio.sleep(app.state.settings.sync_poll_interval_s)


async def _sweep_loop(app: FastAPI) -> None:
    db, settings = app.state.db, app.state.settings

    def run() -> None:
        with db.unit_of_work() as session:
            lapsed = service.sweep(session, settings)
        if lapsed:
            log.info("dossiers lapsed after the supplement period: %d", len(lapsed))

    while True:
        await asyncio.sleep(settings.sweep_interval_s)
        try:
            await asyncio.to_thread(run)
        except Exception:
            log.exception("dossier sweep failed")
