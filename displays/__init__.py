"""Hall and counter display boards: the pages and scripts in `static/` (served by the server's
`queue_server.boards` router), and the voice announcer. Nothing here imports the server."""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
