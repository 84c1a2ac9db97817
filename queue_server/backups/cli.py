"""`motcua-server backup FILE|--daily [--verify]` and `motcua-server restore FILE [--force] [--verify]`."""

from __future__ import annotations

from pathlib import Path

from ..commands import CommandError, load_settings, safe_url
from . import schedule, service


def cmd_backup(args) -> int:
    settings = load_settings()
    url = settings.effective_database_url
    if args.daily == bool(args.file):
        raise CommandError("Hãy chỉ ra tệp sao lưu, hoặc dùng --daily (bản sao lưu hằng ngày), không dùng cả hai.")
    if args.daily:
        file = schedule.take_daily(settings)
        if file is None:
            print(f"today's backup is already in {settings.effective_backup_dir} (or being written)")
            return 0
        args.file = str(file)
        manifest = service.check(file)  # the file as written, against its manifest
    else:
        manifest = service.backup(url, Path(args.file))
    rows = sum(manifest.counts.values())
    print(
        f"backup of {safe_url(url)} written to {args.file} ({manifest.format}, revision {manifest.revision}, {rows} rows)"
    )
    print(f"manifest: {service.manifest_path(Path(args.file))} (sha256 {manifest.sha256[:16]}…)")
    if args.verify:
        _report(service.verify(Path(args.file), url))
    return 0


def cmd_restore(args) -> int:
    settings = load_settings()
    url = settings.effective_database_url
    if args.verify:  # restores into a scratch database only; the server's own database is not touched
        _report(service.verify(Path(args.file), url))
        return 0
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    manifest = service.restore(Path(args.file), url, force=args.force)
    print(f"restored {args.file} (taken {manifest.taken_at or '?'}) into {safe_url(url)}")
    return 0


def _report(result: service.Verification) -> None:
    print(
        f"verified: restored into a scratch database, {len(result.counts)} tables, {sum(result.counts.values())} rows — every count matches the manifest"
    )


def register(sub) -> None:
    p = sub.add_parser("backup", help="back up the database while the server runs (SQLite online backup, pg_dump)")
    p.add_argument("file", nargs="?", help="the backup file to write (its manifest is written beside it)")
    p.add_argument(
        "--daily",
        action="store_true",
        help="today's backup into MOTCUA_BACKUP_DIR (motcua-YYYYMMDD.*), once a day, keeping MOTCUA_BACKUP_RETENTION_DAYS",
    )
    p.add_argument(
        "--verify", action="store_true", help="then restore it into a scratch database and compare row counts"
    )
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into the configured database (stop the server first)")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="overwrite a database that holds data")
    p.add_argument(
        "--verify",
        action="store_true",
        help="only check: restore into a scratch database and compare row counts with the manifest",
    )
    p.set_defaults(func=cmd_restore)
