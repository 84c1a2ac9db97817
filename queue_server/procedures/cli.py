"""`motcua-server procedures import FILE`: load a catalogue file (JSON, CSV, XLSX).

Exit status: 0 all rows imported; 1 the file was imported but some rows were rejected
(listed); 2 nothing was written (unreadable or malformed file, database error).
"""

from __future__ import annotations

from pathlib import Path

from .importer import FORMATS


def register(subparsers) -> None:
    procedures = subparsers.add_parser("procedures", help="the procedure catalogue").add_subparsers(
        dest="procedures_command", required=True
    )
    p = procedures.add_parser(
        "import", help="import a catalogue file (idempotent: re-import updates, never duplicates)"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=FORMATS, help="default: from the file name, else sniffed")
    p.set_defaults(func=cmd_import)


def cmd_import(args) -> int:
    from ..commands import CommandError, load_settings, open_database
    from ..errors import DomainError
    from .service import import_file

    try:
        content = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"không đọc được tệp {args.file}: {exc.strerror or exc}") from None
    db = open_database(load_settings())
    try:
        with db.unit_of_work() as s:
            result = import_file(s, content, filename=args.file.name, fmt=args.format)
    except DomainError as exc:
        raise CommandError(f"{exc.message} Không có thủ tục nào được ghi.") from None
    finally:
        db.dispose()
    print(result.message())
    for r in result.rejected:
        label = " – ".join(x for x in (r.code, r.name) if x)
        print(f"  dòng {r.row}: {r.reason}" + (f" ({label})" if label else ""))
    return 1 if result.rejected else 0
