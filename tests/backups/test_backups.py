"""Backup, check, verify and restore on both databases; the refusals; the daily schedule and its retention."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from queue_server.backups import schedule
from queue_server.backups.service import backup, check, manifest_path, restore, verify
from queue_server.commands import CommandError
from queue_server.db import Database
from queue_server.tickets.models import Ticket
from queue_server.timeutil import VN_TZ
from tests.backups.helpers import empty_database_like
from tests.factories import issue


def _tickets(url: str) -> list[tuple[int, str]]:
    db = Database(url)
    try:
        with db.reading() as s:
            return [tuple(r) for r in s.execute(select(Ticket.id, Ticket.display_number).order_by(Ticket.id))]
    finally:
        db.dispose()


def test_backup_verify_and_restore_into_an_empty_database(db_url, client, centre, tmp_path):
    issued = [issue(client, centre)["display_number"] for _ in range(5)]
    file = tmp_path / ("b.sqlite3" if db_url.startswith("sqlite") else "b.pgdump")
    manifest = backup(db_url, file)
    assert manifest.counts["tickets"] == 5 and manifest.revision and len(manifest.sha256) == 64
    assert manifest_path(file).exists()
    result = verify(file, db_url)  # into a scratch database: every table's count as in the manifest
    assert result.counts == manifest.counts and result.counts["tickets"] == 5

    issue(client, centre)  # after the backup: not in it
    with empty_database_like(db_url, tmp_path) as target:
        restore(file, target)
        assert [n for _, n in _tickets(target)] == issued
        assert _tickets(target) == _tickets(db_url)[:5]
        # A second restore over it must be forced.
        with pytest.raises(CommandError, match="đang có dữ liệu; dùng --force"):
            restore(file, target)
        restore(file, target, force=True)
        assert len(_tickets(target)) == 5


def test_a_damaged_backup_is_refused_before_anything_is_touched(db_url, client, centre, tmp_path):
    issue(client, centre)
    file = tmp_path / "b.bin"
    backup(db_url, file)
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(bytes(data))
    manifest_path(damaged).write_text(manifest_path(file).read_text())
    with pytest.raises(CommandError, match="SHA-256"):
        check(damaged)
    with pytest.raises(CommandError, match="SHA-256"):
        restore(damaged, db_url, force=True)
    assert len(_tickets(db_url)) == 1  # untouched

    other = tmp_path / "notes.txt"
    other.write_text("không phải bản sao lưu")
    with pytest.raises(CommandError, match="không phải bản sao lưu"):
        restore(other, db_url, force=True)
    with pytest.raises(CommandError, match="Không tìm thấy tệp sao lưu"):
        check(tmp_path / "missing.bin")


def _settings(settings, tmp_path, **kw):
    return settings.model_copy(update={"backup_dir": tmp_path / "backups", "backup_time": "02:00", **kw})


def test_daily_backup_once_a_day_after_its_time_with_retention(settings, client, centre, tmp_path):
    s = _settings(settings, tmp_path, backup_retention_days=3)
    folder = s.effective_backup_dir
    folder.mkdir(parents=True)
    for day in range(1, 10):  # older backups, and a file that is not ours
        (folder / f"motcua-202612{day:02d}.sqlite3").write_bytes(b"old")
        (folder / f"motcua-202612{day:02d}.sqlite3.manifest.json").write_text("{}")
    (folder / "notes.txt").write_text("giữ lại")

    def at(day, hh, mm):
        return datetime(2026, 12, day, hh, mm, tzinfo=VN_TZ)

    assert schedule.run_once(s, at(10, 1, 59)) is None  # not yet
    taken = schedule.run_once(s, at(10, 2, 0))
    ext = "sqlite3" if s.effective_database_url.startswith("sqlite") else "pgdump"
    assert taken == folder / f"motcua-20261210.{ext}"
    assert check(taken).counts["tickets"] == 0
    assert schedule.run_once(s, at(10, 23, 0)) is None  # once a day
    names = sorted(p.name for p in folder.iterdir())
    # kept: the last three days (8, 9 and today), with their manifests, and what is not ours
    assert [n for n in names if n.startswith("motcua-") and not n.endswith(".json")] == [
        "motcua-20261208.sqlite3",
        "motcua-20261209.sqlite3",
        f"motcua-20261210.{ext}",
    ]
    assert "notes.txt" in names and not any(n.endswith((".lock", ".partial")) for n in names)

    # A box switched off at 02:00 catches up at its first check that day.
    assert schedule.run_once(s, at(11, 9, 30)) == folder / f"motcua-20261211.{ext}"
    assert schedule.due(s.model_copy(update={"backup_time": "off"}), at(12, 9, 0)) is None


def test_backup_settings_are_checked(settings):
    from pydantic import ValidationError

    for bad in ("25:00", "2h", ""):
        with pytest.raises(ValidationError):
            settings.model_validate({**settings.model_dump(), "backup_time": bad})
    with pytest.raises(ValidationError):
        settings.model_validate({**settings.model_dump(), "backup_retention_days": 0})


def test_counts_come_from_the_same_snapshot(db_url, client, centre, tmp_path):
    for _ in range(3):
        issue(client, centre)
    manifest = backup(db_url, tmp_path / "b.bin")
    db = Database(db_url)
    try:
        with db.reading() as s:
            assert manifest.counts["tickets"] == s.execute(select(func.count()).select_from(Ticket)).scalar_one()
    finally:
        db.dispose()


def test_daily_backup_from_a_timer_while_the_servers_take_none(db_url, client, centre, tmp_path, clock):
    """Several hosts serve with MOTCUA_BACKUP_TIME=off; one host's timer (deploy/systemd/motcua-backup.timer)
    runs `motcua-server backup --daily`: today's backup once, whatever the hour, old ones pruned."""
    import os
    import subprocess
    import sys

    issue(client, centre)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "motcua-20200101.sqlite3").write_bytes(b"old")  # past the retention
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": db_url,
        "MOTCUA_DATA_DIR": str(tmp_path / "data"),
        "MOTCUA_DEMO": "true",
        "MOTCUA_BACKUP_TIME": "off",
        "MOTCUA_BACKUP_DIR": str(folder),
    }

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "queue_server.cli", "backup", *args], env=env, capture_output=True, text=True
        )

    first = cli("--daily")
    assert first.returncode == 0, first.stderr
    ext = "sqlite3" if db_url.startswith("sqlite") else "pgdump"
    taken = folder / f"motcua-{clock.today():%Y%m%d}.{ext}"
    assert str(taken) in first.stdout and check(taken).counts["tickets"] == 1
    again = cli("--daily")  # the timer fired twice (a catch-up after a reboot): nothing more
    assert again.returncode == 0 and "already" in again.stdout
    assert sorted(p.name for p in folder.iterdir()) == [taken.name, taken.name + ".manifest.json"]
    refused = cli()  # neither a file nor --daily
    assert refused.returncode == 2 and "--daily" in refused.stderr
