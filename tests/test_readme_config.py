"""README § Configuration lists every key of the kiosk's and the tablet's JSON file with its real default."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from rating_tablet.config import TabletConfig

README = Path(__file__).resolve().parents[1] / "README.md"


def _table_after(heading: str) -> dict[str, str]:
    """key → default cell of the table that follows the line ``heading``."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip() and rows:
            break
        if m := re.match(r"\| `(\w+)` \| ([^|]+) \|", line):
            rows[m.group(1)] = m.group(2).strip()
    return rows


def _shown(default) -> str | float:
    if default is None:
        return "none"
    if default == "":
        return "required"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, (int, float)):
        return float(default)
    return f"`{default}`"


@pytest.mark.parametrize(
    "config, heading",
    [
        (KioskConfig, "The kiosk (`kiosk/config.py`):"),
        (TabletConfig, "The rating tablet (`rating_tablet/config.py`):"),
    ],
)
def test_every_app_setting_is_in_the_readme_with_its_default(config, heading):
    rows = _table_after(heading)
    assert set(rows) == {f.name for f in fields(config)}
    for f in fields(config):
        expected = _shown(f.default)
        cell = float(rows[f.name]) if isinstance(expected, float) else rows[f.name]
        assert cell == expected, f"{f.name}: README says {rows[f.name]!r}, the code {f.default!r}"
