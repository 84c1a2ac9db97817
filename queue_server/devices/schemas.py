from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..bounds import text

PrinterState = Literal["ok", "paper_near_end", "paper_out", "cover_open", "offline"]
ScannerState = Literal["ok", "missing"]
AudioState = Literal["ok", "muted", "missing"]


class Hardware(BaseModel):
    """What a device's own hardware reports; a part the device does not have is left out (null)."""

    model_config = ConfigDict(extra="forbid")
    printer: PrinterState | None = Field(None, description="from the printer's ESC/POS real-time status")
    scanner: ScannerState | None = None
    audio: AudioState | None = Field(None, description="muted: the browser blocks sound until a touch")


class Heartbeat(BaseModel):
    app_version: text(60, 1) = Field(examples=["kiosk 0.1.0"])
    hardware: Hardware = Field(default_factory=Hardware)


class HeartbeatAnswer(BaseModel):
    accepted: bool = True
    next_in_s: int = Field(description="when the server expects the next heartbeat at the latest")


class FleetDevice(BaseModel):
    id: int
    kind: str
    name: str | None
    centre_id: int
    counter_id: int | None
    revoked: bool
    online: bool = Field(description="seen within the offline threshold (MOTCUA_DEVICE_OFFLINE_S)")
    last_seen_at: str | None
    silent_s: int | None = Field(description="seconds since it was last seen; null if never")
    app_version: str | None
    hardware: Hardware
    problems: list[str] = Field(description="what staff must look at: offline, printer.paper_out, scanner.missing …")
