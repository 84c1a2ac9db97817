"""Heartbeats, the fleet list and the sweep that notices silent devices.

A device is *online* while it has been seen (a heartbeat, any request, a board's open stream)
within `device_offline_s`. The dashboard's device alerts are computed from these rows; what
changes them is published as a `device.state` event so open dashboards refresh at once:
a heartbeat whose hardware state or version differs from the last one, a device coming back,
and — found by `sweep`, which every worker runs every `device_check_interval_s` — a device
that fell silent. The sweep's conditional update makes exactly one worker report each change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..auth.models import Device
from ..auth.principal import Principal
from ..auth.service import device_read
from ..errors import DomainError
from ..realtime.service import record_event
from ..timeutil import utcnow
from .schemas import Heartbeat

log = logging.getLogger(__name__)

WATCHED_KINDS = ("kiosk", "display", "tablet")  # silent for too long: an alert (consoles speak when used)
KIND_VI = {"kiosk": "Kiosk", "display": "Bảng hiển thị", "tablet": "Máy đánh giá", "console": "Bàn phím quầy"}
PRINTER_PROBLEMS = ("paper_near_end", "paper_out", "cover_open", "offline")
PRINTER_ALERT_CODES = {
    "printer.paper_out": "paper_out",
    "printer.cover_open": "cover_open",
    "printer.offline": "offline",
}


def label(device: Device) -> str:
    return device.name or KIND_VI.get(device.kind, device.kind)


def is_online(device: Device, now: datetime, offline_s: int) -> bool:
    return device.last_seen_at is not None and (now - device.last_seen_at).total_seconds() <= offline_s


def problems(device: Device, now: datetime, offline_s: int) -> list[str]:
    """What staff must look at, as codes: offline, printer.<state>, scanner.missing, audio.<state>."""
    found = []
    if device.revoked_at is None and device.last_seen_at is not None and not is_online(device, now, offline_s):
        found.append("offline")
    hardware = device.hardware or {}
    if hardware.get("printer") in PRINTER_PROBLEMS:
        found.append(f"printer.{hardware['printer']}")
    if hardware.get("scanner") == "missing":
        found.append("scanner.missing")
    if hardware.get("audio") in ("muted", "missing"):
        found.append(f"audio.{hardware['audio']}")
    return found


def fleet_view(device: Device, now: datetime, offline_s: int) -> dict:
    view = device_read(device)
    del view["settings"]
    seen = device.last_seen_at
    return {
        **view,
        "online": device.revoked_at is None and is_online(device, now, offline_s),
        "silent_s": max(0, int((now - seen).total_seconds())) if seen else None,
        "app_version": device.app_version,
        "hardware": dict(device.hardware or {}),
        "problems": problems(device, now, offline_s),
    }


def _publish(session: Session, device: Device, *, online: bool) -> None:
    record_event(
        session,
        device.centre_id,
        "device.state",
        {
            "device_id": device.id,
            "kind": device.kind,
            "name": device.name,
            "counter_id": device.counter_id,
            "online": online,
            "app_version": device.app_version,
            "hardware": dict(device.hardware or {}),
        },
    )


def heartbeat(session: Session, device: Device, beat: Heartbeat, *, now: datetime | None = None) -> None:
    """Note the device as seen with its version and hardware; publish what changed (not every beat)."""
    now = now or utcnow()
    hardware = beat.hardware.model_dump(exclude_none=True)
    changed = hardware != (device.hardware or {}) or beat.app_version != device.app_version
    came_back = device.offline_reported_at is not None
    device.last_seen_at = now
    device.app_version = beat.app_version
    device.hardware = hardware
    device.offline_reported_at = None
    if changed or came_back:
        _publish(session, device, online=True)


def printer_alert(session: Session, device: Device, code: str, cleared: bool) -> None:
    """A kiosk's printer alert (`POST /devices/me/alerts`) is also its printer's state."""
    state = "ok" if cleared else PRINTER_ALERT_CODES.get(code)
    if state is None or not code.startswith("printer."):
        return
    hardware = dict(device.hardware or {})
    if hardware.get("printer") != state:
        hardware["printer"] = state
        device.hardware = hardware
        device.last_seen_at = utcnow()
        _publish(session, device, online=True)


def sweep(session: Session, offline_s: int, *, now: datetime | None = None) -> list[tuple[int, bool]]:
    """Report devices that fell silent and those seen again since: [(device id, online now)]."""
    now = now or utcnow()
    stale = now - timedelta(seconds=offline_s)
    changes = []
    went_silent = select(Device).where(
        Device.kind.in_(WATCHED_KINDS),
        Device.revoked_at.is_(None),
        Device.last_seen_at.is_not(None),
        Device.last_seen_at < stale,
        Device.offline_reported_at.is_(None),
    )
    for device in session.execute(went_silent).scalars().all():
        won = session.execute(
            update(Device)
            .where(Device.id == device.id, Device.offline_reported_at.is_(None))
            .values(offline_reported_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            log.warning("device #%d (%s) silent since %s", device.id, device.kind, device.last_seen_at.isoformat())
            _publish(session, device, online=False)
            changes.append((device.id, False))
    came_back = select(Device).where(
        Device.offline_reported_at.is_not(None),
        Device.last_seen_at >= stale,
    )
    for device in session.execute(came_back).scalars().all():
        reported = device.offline_reported_at
        won = session.execute(
            update(Device)
            .where(Device.id == device.id, Device.offline_reported_at == reported)
            .values(offline_reported_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            log.info("device #%d (%s) back", device.id, device.kind)
            _publish(session, device, online=True)
            changes.append((device.id, True))
    return changes


def fleet(session: Session, actor: Principal, centre_id: int | None, offline_s: int, *, now=None) -> list[dict]:
    """Every device the caller may see (admins: all, or one centre; managers: their centres)."""
    now = now or utcnow()
    if centre_id is not None and not actor.can_see_centre(centre_id):
        raise DomainError("role_not_allowed", "Bạn không có quyền xem thiết bị của trung tâm này.", 403)
    query = select(Device).order_by(Device.centre_id, Device.kind, Device.id)
    if centre_id is not None:
        query = query.where(Device.centre_id == centre_id)
    return [
        fleet_view(d, now, offline_s)
        for d in session.execute(query).scalars()
        if centre_id is not None or actor.can_see_centre(d.centre_id)
    ]


def alerts(session: Session, centre_id: int, now: datetime, offline_s: int) -> list[dict]:
    """The dashboard's device alerts for one centre (revoked devices and devices never seen: none)."""
    found = []
    for d in session.execute(
        select(Device).where(Device.centre_id == centre_id, Device.revoked_at.is_(None)).order_by(Device.id)
    ).scalars():
        name = label(d)
        printer = (d.hardware or {}).get("printer")
        if printer == "paper_out":
            found.append({"kind": "paper_out", "device_id": d.id, "message": f"{name}: máy in hết giấy."})
        elif printer == "paper_near_end":
            found.append({"kind": "paper_near_end", "device_id": d.id, "message": f"{name}: máy in sắp hết giấy."})
        elif printer == "cover_open":
            found.append({"kind": "printer_fault", "device_id": d.id, "message": f"{name}: nắp máy in đang mở."})
        elif printer == "offline":
            found.append({"kind": "printer_fault", "device_id": d.id, "message": f"{name}: máy in không hoạt động."})
        if d.kind in WATCHED_KINDS and d.last_seen_at is not None and not is_online(d, now, offline_s):
            silent = int((now - d.last_seen_at).total_seconds())
            found.append(
                {
                    "kind": "device_offline",
                    "device_id": d.id,
                    "seconds": silent,
                    "message": f"{name} mất kết nối {silent // 60} phút.",
                }
            )
    return found
