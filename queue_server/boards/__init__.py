"""The display boards as the server serves them: pages, their static assets (from `displays/`) and
the call audio."""
