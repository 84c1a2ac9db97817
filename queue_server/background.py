"""Background jobs of the server (sweeps, watched folders, scheduled backups): started with the
app, cancelled when it stops. Each job is a coroutine function taking the app, looping by itself."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

Job = Callable[[FastAPI], Awaitable[None]]


def run_with_app(app: FastAPI, *jobs: Job) -> None:
    """Start `jobs` once the app has started (after the hub), cancel and await them on shutdown."""
    tasks: list[asyncio.Task] = []

    async def start(app: FastAPI) -> None:
        tasks.extend(asyncio.create_task(job(app)) for job in jobs)

    async def stop(app: FastAPI) -> None:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        tasks.clear()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
