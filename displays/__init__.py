"""Hall and counter display boards (pages and scripts the server mounts) and the voice announcer."""
