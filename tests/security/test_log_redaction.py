"""The logs of a real server carry no token, no phone digits and no CCCD number (issue 15).

A server runs with its access log on; the test signs in, issues tickets (one with a CCCD), looks
dossiers up by QR token and by code + phone digits (GET and POST, API and page), opens the ticket
page and a board with its token in the URL and on the event stream, then greps the log.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.server_process import running_server

pytestmark = pytest.mark.slow

HALL = "mdv_demo-hall-display"
KIOSK = "mdv_demo-kiosk-1"
CCCD = "079203001234"


def test_the_access_and_application_logs_carry_no_secret(tmp_path):
    with running_server(tmp_path / "srv", log_level="info") as srv:
        base = srv.base_url
        secrets: list[str] = [HALL, KIOSK, CCCD, "motcua-demo"]
        with httpx.Client(base_url=base, timeout=30) as http:
            login = http.post("/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"})
            staff = login.json()["access_token"]
            secrets.append(staff)
            kiosk = {"Authorization": f"Bearer {KIOSK}"}
            t = http.post("/api/v1/tickets", json={"service_id": 1, "citizen_id": CCCD}, headers=kiosk).json()
            track = t["track_url"].rsplit("/", 1)[1]
            secrets.append(track)
            assert http.get(f"/api/v1/tickets/track/{track}").status_code == 200
            http.get(f"/t/{track}")
            http.get(f"/displays/hall?token={HALL}")
            http.get(f"/api/v1/centres/1/queue?token={KIOSK}&access_token={staff}")
            dossiers = http.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {staff}"}).json()["items"]
            assert dossiers
            for d in dossiers[:3]:
                token = d["lookup_url"].rsplit("/", 1)[1]
                secrets.append(token)
                assert http.get("/api/v1/lookup", params={"token": token}).status_code == 200
                assert http.get(f"/l/{token}").status_code == 200
            code = dossiers[0]["code"]
            digits = "0111" if code.endswith("0900") else None
            for last4 in ("0111", "4321", "8765"):
                http.get("/api/v1/lookup", params={"code": code, "phone_last4": last4})
                http.post("/api/v1/lookup", json={"code": code, "phone_last4": last4})
            secrets += ["4321", "8765"] + ([digits] if digits else [])
            # a request that fails inside the application, with a phone number in it
            http.post(
                "/api/v1/dossiers",
                json={"applicant": {"phone": "0987654321", "full_name": "x"}},
                headers={"Authorization": f"Bearer {staff}"},
            )
            secrets.append("0987654321")

        async def board():
            url = base.replace("http", "ws") + f"/ws?centre=1&token={HALL}"
            async with websockets.connect(url) as ws:
                assert json.loads(await ws.recv())["type"] == "snapshot"
            bad = base.replace("http", "ws") + "/ws?centre=1&token=mdv_not-a-real-token-123456"
            async with websockets.connect(bad) as ws:
                with pytest.raises(websockets.ConnectionClosed):
                    await ws.recv()

        asyncio.run(board())
        secrets.append("mdv_not-a-real-token-123456")

    log = srv.log_path.read_text(encoding="utf-8", errors="replace")
    assert "/api/v1/lookup" in log and "/ws" in log and "/displays/hall" in log  # the access log was on
    found = sorted({s for s in secrets if s in log})
    assert found == [], f"secrets in the log: {found}"
