"""ASGI entry point for uvicorn workers: settings from the environment, app built at start-up."""

from .app import create_app

app = create_app()
