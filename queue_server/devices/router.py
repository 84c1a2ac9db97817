"""The device fleet: heartbeats from the devices, the fleet list for admins and managers."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query

from ..background import run_with_app
from ..bounds import Id
from ..deps import AdminOrManager, AnyDevice, AppSettings, DbSession
from . import schemas, service

log = logging.getLogger(__name__)
router = APIRouter(tags=["devices"])
ERRORS = {
    401: {"description": "no valid token (device_revoked: the device was revoked)"},
    403: {"description": "not allowed"},
    422: {"description": "invalid input"},
}


@router.post(
    "/devices/me/heartbeat",
    response_model=schemas.HeartbeatAnswer,
    responses=ERRORS,
    summary="A device says it is alive, with its app version and hardware state (every 30 s)",
)
def heartbeat(beat: schemas.Heartbeat, session: DbSession, settings: AppSettings, actor: AnyDevice):
    service.heartbeat(session, actor.device, beat)
    return {"accepted": True, "next_in_s": settings.device_offline_s}


@router.get(
    "/fleet",
    response_model=list[schemas.FleetDevice],
    responses=ERRORS,
    summary="Every device with online/offline, last seen, version and hardware state (admins; managers: their centres)",
)
def fleet(
    session: DbSession,
    settings: AppSettings,
    actor: AdminOrManager,
    centre_id: Annotated[Id | None, Query(description="one centre only")] = None,
):
    return service.fleet(session, actor, centre_id, settings.device_offline_s)


# -- wiring -------------------------------------------------------------------------------------


def setup(app: FastAPI) -> None:
    """The sweep that reports devices falling silent (and coming back) on the event stream."""
    run_with_app(app, _sweep_loop)


async def _sweep_loop(app: FastAPI) -> None:
    db, settings = app.state.db, app.state.settings

    def run() -> None:
        with db.unit_of_work() as session:
            service.sweep(session, settings.device_offline_s)

    while True:
        await asyncio.sleep(settings.device_check_interval_s)
        try:
            await asyncio.to_thread(run)
        except Exception:
            log.exception("device sweep failed")
