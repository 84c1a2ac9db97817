"""`motcua-server`: run, demo, db upgrade, admin, procedures, dossiers, backup, restore.

Adding a command: write `cmd_…(args)` (in the area's `cli.py` for an area's commands, registered
by its `register(subparsers)`, imported here by name). A command that cannot do its work raises —
`commands.CommandError` with the Vietnamese line to show, or a `DomainError` from a service — and
`main` prints that one line on standard error with exit code 2 (see queue_server/commands.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from .backups import cli as backups_cli
from .commands import EXIT_FAILED, CommandError, load_settings, message_for, open_database, safe_url
from .config import Settings
from .dossiers import cli as dossiers_cli
from .procedures import cli as procedures_cli


def cmd_db_upgrade(args) -> int:
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    from .migrate import upgrade

    upgrade(settings.effective_database_url)
    print(f"database up to date: {safe_url(settings.effective_database_url)}")
    return 0


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    settings.check_secret()
    os.environ["MOTCUA_DEMO"] = "true" if settings.demo else os.environ.get("MOTCUA_DEMO", "false")
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    # Links printed on tickets and receipts point here unless the site sets its public address.
    os.environ.setdefault("MOTCUA_PUBLIC_BASE_URL", base)
    print(
        "\nMotcua QMS đang chạy / is running:\n"
        f"  API docs (OpenAPI): {base}/docs\n"
        f"  Hall board:         {base}/displays/hall{'?token=mdv_demo-hall-display' if settings.demo else ''}\n"
        f"  Counter board 1:    {base}/displays/counter/1{'?token=mdv_demo-counter-display-1' if settings.demo else ''}\n"
        f"  Clerk console:      {base}/console\n"
        f"  Manager dashboard:  {base}/dashboard\n"
        f"  Reports:            {base}/reports\n"
        f"  Dossier lookup:     {base}/l\n",
        flush=True,
    )
    from .security.serve import run

    # uvicorn as the tests and benches run it: request limits, WebSocket coalescing, log redaction
    run(settings, host, port, workers)
    return 0


def cmd_run(args) -> int:
    settings = load_settings()
    settings.check_secret()
    open_database(settings).dispose()
    return _serve(settings, args.host, args.port, args.workers)


def cmd_demo(args) -> int:
    os.environ.setdefault("MOTCUA_DEMO", "true")
    settings = load_settings()
    db = open_database(settings)
    from .demo import seed_demo

    try:
        info = seed_demo(db, settings)
    finally:
        db.dispose()
    print(
        f"Demo centre #{info['centre_id']} ready. Staff logins (password: {info['password']}): {', '.join(info['users'])}"
    )
    print("Device tokens:")
    for name, token in info["tokens"].items():
        print(f"  {name:24s} {token}")
    if args.seed_only:
        return 0
    return _serve(settings, args.host, args.port, args.workers)


def _in_transaction(work) -> int:
    """Run one administrative change in one transaction (nothing is written when it fails)."""
    db = open_database(load_settings())
    try:
        with db.unit_of_work() as s:
            return work(s) or 0
    finally:
        db.dispose()


def cmd_create_user(args) -> int:
    from sqlalchemy import select

    from .auth.schemas import UserCreate
    from .auth.service import create_user
    from .centres.models import Agency

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if not password:
        raise CommandError("Hãy nhập mật khẩu qua đầu vào chuẩn và dùng tùy chọn --password-stdin.")

    def work(s):
        agency_ids = []
        for ident in args.agency or []:
            agency = s.execute(select(Agency).where(Agency.identifier == ident)).scalars().first()
            if agency is None:
                raise CommandError(f"Không có cơ quan nào có mã định danh {ident}.")
            agency_ids.append(agency.id)
        data = UserCreate(
            username=args.name,
            full_name=args.full_name or args.name,
            role=args.role,
            centre_id=args.centre,
            agency_ids=agency_ids,
            password=password,
        )
        user = create_user(s, data)
        print(f"created user #{user.id} {user.username} ({user.role})")

    return _in_transaction(work)


def cmd_create_device(args) -> int:
    from .auth.schemas import DeviceCreate
    from .auth.service import create_device, enrolment

    data = DeviceCreate(kind=args.kind, centre_id=args.centre, counter_id=args.counter, name=args.name)

    settings = load_settings()

    def work(s):
        device, token = create_device(s, data)
        print(f"device #{device.id} ({device.kind}) token: {token}")
        payload = enrolment(settings.public_base_url, token)["enrolment_payload"]
        print(f"enrolment: {payload}")
        if args.qr:
            import qrcode

            qrcode.make(payload, error_correction=qrcode.constants.ERROR_CORRECT_M).save(args.qr)
            print(f"enrolment QR written to {args.qr} (scan it with the kiosk or tablet at first start)")

    return _in_transaction(work)


def cmd_revoke_device(args) -> int:
    from .auth.service import revoke_device

    def work(s):
        device = revoke_device(s, args.id)
        print(f"device #{device.id} revoked")

    return _in_transaction(work)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motcua-server", description="Motcua QMS queue server")
    parser.add_argument("--debug", action="store_true", help="on an unexpected error, print the traceback")
    sub = parser.add_subparsers(dest="command", required=True)

    def serve_args(p):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--workers", type=int, default=1)

    p = sub.add_parser("run", help="run the server")
    serve_args(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("demo", help="seed the demo centre (idempotent), then run")
    serve_args(p)
    p.add_argument("--seed-only", action="store_true")
    p.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="apply migrations")
    p.set_defaults(func=cmd_db_upgrade)

    admin = sub.add_parser("admin", help="administration").add_subparsers(dest="admin_command", required=True)
    p = admin.add_parser("create-user")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["admin", "manager", "clerk"])
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--agency", action="append", help="agency identifier (repeatable), for managers")
    p.add_argument("--centre", type=int)
    p.add_argument("--full-name")
    p.set_defaults(func=cmd_create_user)
    p = admin.add_parser("create-device")
    p.add_argument("--kind", required=True, choices=["kiosk", "display", "tablet", "console"])
    p.add_argument("--centre", type=int, required=True)
    p.add_argument("--counter", type=int)
    p.add_argument("--name")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--qr", metavar="PNG", help="also write the enrolment QR (server URL + token) to this PNG")
    p.set_defaults(func=cmd_create_device)
    p = admin.add_parser("revoke-device")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_revoke_device)

    procedures_cli.register(sub)
    dossiers_cli.register(sub)
    backups_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = message_for(exc)
        if message is None:  # a bug, not the operator's mistake: say so, without the details
            message = f"Lỗi không mong đợi ({type(exc).__name__}); chạy lại với --debug để xem chi tiết."
            if args.debug:
                traceback.print_exc()
        print(f"Lỗi: {message}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
