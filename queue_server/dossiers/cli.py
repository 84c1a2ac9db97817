"""`motcua-server dossiers …`: apply a folder of external updates, lapse expired supplement requests."""

from __future__ import annotations

import json
from pathlib import Path


def cmd_sync_folder(args) -> int:
    from ..cli import _db, _settings
    from .sync import FolderAdapter

    settings = _settings()
    db = _db(settings)
    try:
        report = FolderAdapter(Path(args.directory)).process(db)
    finally:
        db.dispose()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if any(r["result"] == "rejected" for r in report) and args.strict else 0


def cmd_sweep(args) -> int:
    from ..cli import _db, _settings
    from .service import sweep

    db = _db(_settings())
    try:
        with db.unit_of_work() as session:
            lapsed = sweep(session)
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
