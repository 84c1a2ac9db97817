"""The daily backup the running server takes by itself, and the retention of old ones.

Once a day, at `backup_time` (centre-local) or at the first check after it — a box that was off at
that hour catches up when it starts —, `motcua-YYYYMMDD.sqlite3` (or `.pgdump`) and its manifest
are written to `backup_dir`; backups of that name older than `backup_retention_days` are deleted.
With several workers (or hosts sharing the folder) one takes it: the claim is a lock file created
exclusively; a claim older than CLAIM_STALE_S is taken to be left by a crash.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from ..background import run_with_app
from ..config import Settings
from ..timeutil import local, utcnow
from . import service

log = logging.getLogger(__name__)
NAME = re.compile(r"^motcua-(\d{8})\.(sqlite3|pgdump)(\.manifest\.json)?$")
CHECK_S = 60.0
CLAIM_STALE_S = 6 * 3600


def backup_file(settings: Settings, day: date) -> Path:
    ext = "sqlite3" if service.is_sqlite(settings.effective_database_url) else "pgdump"
    return settings.effective_backup_dir / f"motcua-{day:%Y%m%d}.{ext}"


def due(settings: Settings, now: datetime) -> date | None:
    """The day whose backup should be taken now, or None (not yet time, already taken, or off)."""
    if settings.backup_time == "off":
        return None
    at = local(now)
    hour, minute = (int(x) for x in settings.backup_time.split(":"))
    if (at.hour, at.minute) < (hour, minute):
        return None
    day = at.date()
    return None if backup_file(settings, day).exists() else day


def prune(settings: Settings, today: date) -> list[Path]:
    """Delete our daily backups (and manifests) older than the retention; anything else is left."""
    oldest = today - timedelta(days=settings.backup_retention_days - 1)
    removed = []
    folder = settings.effective_backup_dir
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        m = NAME.match(path.name)
        if m and datetime.strptime(m.group(1), "%Y%m%d").date() < oldest:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def run_once(settings: Settings, now: datetime | None = None) -> Path | None:
    """Take today's backup if it is due and nobody else is taking it; prune. The backup's path, or None."""
    now = now or utcnow()
    day = due(settings, now)
    return None if day is None else take(settings, day, now)


def take_daily(settings: Settings, now: datetime | None = None) -> Path | None:
    """Today's backup, whatever `backup_time` says, unless it exists or is being taken; prune.
    For a timer outside the servers (`motcua-server backup --daily`, deploy/systemd/motcua-backup.timer)
    when several hosts serve and none of them takes it (`backup_time` off)."""
    now = now or utcnow()
    day = local(now).date()
    return None if backup_file(settings, day).exists() else take(settings, day, now)


def take(settings: Settings, day: date, now: datetime) -> Path | None:
    """Write `day`'s backup unless another process is writing it (the claim file); prune."""
    file = backup_file(settings, day)
    file.parent.mkdir(parents=True, exist_ok=True)
    claim = file.with_name(file.name + ".lock")
    try:
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if time.time() - claim.stat().st_mtime < CLAIM_STALE_S:
            return None  # another worker is on it
        claim.unlink(missing_ok=True)
        return None  # taken again at the next check
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        manifest = service.backup(settings.effective_database_url, file, now=now)
        log.info("daily backup written: %s (%d rows)", file, sum(manifest.counts.values()))
        for old in prune(settings, day):
            log.info("old backup removed: %s", old.name)
        return file
    finally:
        claim.unlink(missing_ok=True)


async def _loop(app: FastAPI) -> None:
    settings = app.state.settings
    while True:
        try:
            await asyncio.to_thread(run_once, settings)
        except Exception:
            log.exception("daily backup failed; it is tried again at the next check")
        await asyncio.sleep(CHECK_S)


def setup(app: FastAPI) -> None:
    if app.state.settings.backup_time != "off":
        run_with_app(app, _loop)
