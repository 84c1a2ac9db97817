"""The lean WebSocket client of the fan-out benches: tests/lean_ws.py (the restart test holds its
boards with it too)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lean_ws import LeanWebSocket, connect, match_called

__all__ = ["LeanWebSocket", "connect", "match_called"]
