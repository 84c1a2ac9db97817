"""`motcua-server dossiers …`: apply a folder of external updates, lapse expired supplement requests."""

from __future__ import annotations

import json
from pathlib import Path


def cmd_sync_folder(args) -> int:
    from ..commands import CommandError, load_settings, open_database
    from .sync import FolderAdapter

    if not Path(args.directory).is_dir():
        raise CommandError(f"Không tìm thấy thư mục {args.directory}.")
    settings = load_settings()
    db = open_database(settings)
    try:
        report = FolderAdapter(Path(args.directory)).process(db, settings)
    finally:
        db.dispose()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if any(r["result"] == "rejected" for r in report) and args.strict else 0


def cmd_sweep(args) -> int:
    from ..commands import load_settings, open_database
    from .service import sweep

    settings = load_settings()
    db = open_database(settings)
    try:
        with db.unit_of_work() as session:
            lapsed = sweep(session, settings)
    finally:
        db.dispose()
    print(json.dumps({"lapsed": lapsed}))
    return 0


def register(sub) -> None:
    dossiers = sub.add_parser("dossiers", help="one-stop dossiers").add_subparsers(
        dest="dossiers_command", required=True
    )
    p = dossiers.add_parser(
        "sync-folder", help="apply the JSON/CSV status updates in DIR (moved to done/ or rejected/)"
    )
    p.add_argument("directory")
    p.add_argument("--strict", action="store_true", help="exit 1 if any file was rejected")
    p.set_defaults(func=cmd_sync_folder)
    p = dossiers.add_parser("sweep", help="lapse supplement requests whose period has run out")
    p.set_defaults(func=cmd_sweep)
