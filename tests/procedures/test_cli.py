"""`motcua-server procedures import` in a real process against a temporary SQLite file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.db import Database
from queue_server.procedures.service import search_procedures

SAMPLE = Path(__file__).resolve().parents[2] / "queue_server" / "procedures" / "data" / "tthc_sample.json"


def _run(tmp_path, *args):
    env = os.environ | {
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MOTCUA_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "procedures", "import", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _total(tmp_path) -> int:
    db = Database(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        with db.reading() as s:
            return search_procedures(s, "")["total"]
    finally:
        db.dispose()


@pytest.mark.slow
def test_cli_import_is_idempotent_and_reports_rejections(tmp_path):
    first = _run(tmp_path, SAMPLE)
    assert first.returncode == 0, first.stderr
    assert "thêm mới 134" in first.stdout
    again = _run(tmp_path, SAMPLE)
    assert again.returncode == 0 and "không đổi 134" in again.stdout
    assert _total(tmp_path) == 134

    bad_rows = tmp_path / "rows.csv"
    bad_rows.write_text(
        "code,name,level\n7.000001,Thủ tục tốt,xa\n7.000002,,xa\n7.000003,Cấp sai,quan\n", encoding="utf-8"
    )
    partial = _run(tmp_path, bad_rows)
    assert partial.returncode == 1
    assert "thêm mới 1" in partial.stdout and "dòng 3:" in partial.stdout and "dòng 4:" in partial.stdout
    assert _total(tmp_path) == 135


@pytest.mark.slow
def test_cli_malformed_file_writes_nothing(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"name": "not a list"}), encoding="utf-8")
    r = _run(tmp_path, broken)
    assert r.returncode == 2
    assert "danh sách" in r.stderr and "Không có thủ tục nào được ghi" in r.stderr
    assert _total(tmp_path) == 0
    missing = _run(tmp_path, tmp_path / "nope.json")
    assert missing.returncode == 2 and "không đọc được tệp" in missing.stderr
