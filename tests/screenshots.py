"""The README's screenshots are taken by the end-to-end tests.

Every run keeps its screenshots under tests/artifacts; they are copied into docs/screenshots only
when asked (`MOTCUA_UPDATE_SCREENSHOTS=1 make test`), so that running the suite leaves the
working tree as it found it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def publish(path: Path, name: str) -> None:
    """Copy a screenshot taken by a test to docs/screenshots/`name`, when screenshots are being updated."""
    if os.environ.get("MOTCUA_UPDATE_SCREENSHOTS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_SCREENSHOTS / name)
