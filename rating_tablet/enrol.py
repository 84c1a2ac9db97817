"""First start without a token: read the device's enrolment QR with the tablet's camera, keep the
server URL and token in the configuration file, and carry on as that device (no restart)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from hardware.payloads import parse_payload
from hardware.scanners import ScannerError, open_scanner
from queue_server.client import save_enrolment

from .config import TabletConfig

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 0.2


async def enrol(config: TabletConfig, config_path, say) -> TabletConfig:
    """Read codes until one is an enrolment QR; `say(text_key)` puts the prompt or the refusal on screen."""
    say("enrol_prompt")
    while True:
        try:
            scanner = await asyncio.to_thread(open_scanner, config.camera_url)
        except ScannerError as exc:
            log.warning("camera not usable for enrolment: %s", exc)
            await asyncio.sleep(2.0)
            continue
        try:
            while True:
                for scan in await asyncio.to_thread(scanner.read, READ_TIMEOUT_S):
                    payload = parse_payload(scan.text)
                    if payload.kind != "enrolment":
                        say("enrol_wrong")
                        continue
                    if config_path:
                        save_enrolment(config_path, payload.server_url, payload.token)
                    log.info("enrolled with %s", payload.server_url)
                    return replace(config, server_url=payload.server_url, device_token=payload.token)
                await asyncio.sleep(0.1)
        except ScannerError as exc:
            log.warning("camera failed while enrolling: %s", exc)
            await asyncio.sleep(1.0)
        finally:
            await asyncio.to_thread(scanner.close)
