"""The rating tablet against a real server: prompt, taps on the faces, screenshots, offline outbox."""

from __future__ import annotations

import httpx
import pytest

from tests.keyboard_taps import key_taps
from tests.screenshots import publish
from tests.server_process import running_server

pytestmark = pytest.mark.slow
TABLET = "mdv_demo-tablet-1"
KIOSK = "mdv_demo-kiosk-1"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def staff(base: str, username: str) -> dict:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": "motcua-demo"})
    r.raise_for_status()
    return bearer(r.json()["access_token"])


def serve_one(base: str, clerk: dict, counter_id: int) -> dict:
    """A visitor takes a ticket at the kiosk and is served to completion at the counter."""
    me = httpx.get(f"{base}/api/v1/counters/{counter_id}", headers=clerk).json()
    service_id = me["services"][0]["service_id"]
    ticket = httpx.post(f"{base}/api/v1/tickets", json={"service_id": service_id}, headers=bearer(KIOSK)).json()
    r = httpx.post(
        f"{base}/api/v1/counters/{counter_id}/call", json={"display_number": ticket["display_number"]}, headers=clerk
    )
    assert r.status_code == 200, r.text
    r = httpx.post(f"{base}/api/v1/tickets/{ticket['id']}/complete", headers=clerk)
    assert r.status_code == 200, r.text
    return ticket


def summary(base: str, group_by: str) -> dict:
    r = httpx.get(f"{base}/api/v1/ratings/summary", params={"group_by": group_by}, headers=staff(base, "admin"))
    r.raise_for_status()
    return r.json()


def test_rating_on_the_tablet_counts_for_officer_and_agency(tmp_path, start_tablet, artifacts_dir):
    with running_server(tmp_path / "server") as server:
        base = server.base_url
        counter_id = httpx.get(f"{base}/api/v1/devices/me", headers=bearer(TABLET)).json()["counter_id"]
        tablet = start_tablet(base, TABLET, idle_timeout_s=6)
        tablet.wait_until(
            lambda s: "Quầy chưa có cán bộ trực" in s["texts"] and s["counter_number"] == 1, what="no officer"
        )

        clerk = staff(base, "canbo01")
        assert httpx.post(f"{base}/api/v1/counters/{counter_id}/open", headers=clerk).status_code == 200
        state = tablet.wait_until(lambda s: s["officer"] == "Nguyễn Thị Lan", what="officer on duty")
        assert "Quầy số 1" in state["texts"] and "Nguyễn Thị Lan" in state["texts"]
        tablet.send("screenshot", path=str(artifacts_dir / "tablet-welcome.png"))

        ticket = serve_one(base, clerk, counter_id)
        state = tablet.wait_until(lambda s: s["screen"] == "overall", what="the rating prompt")
        assert {"Rất hài lòng", "Hài lòng", "Chưa hài lòng"} <= set(state["texts"])
        assert f"Số {ticket['display_number']} — Nguyễn Thị Lan" in state["texts"]
        tablet.send("screenshot", path=str(artifacts_dir / "tablet-overall.png"))

        tablet.tap("Rất hài lòng")
        state = tablet.wait_until(lambda s: s["screen"] == "criteria", what="criteria")
        assert "Thái độ hỗ trợ, nhiệt tình của cán bộ" in state["texts"]
        tablet.tap("Hài lòng", nth=2)  # the third row's "Hài lòng": officer attitude
        tablet.send("screenshot", path=str(artifacts_dir / "tablet-criteria.png"))
        tablet.tap("Tiếp tục")
        tablet.wait_until(lambda s: s["screen"] == "comment", what="comment")
        # The comment box has the on-screen keyboard: typed with its keys alone, tones and all.
        for key in key_taps("Cán bộ hướng dẫn tận tình"):
            tablet.tap(key)
        assert "Cán bộ hướng dẫn tận tình" in tablet.texts()
        tablet.send("screenshot", path=str(artifacts_dir / "tablet-comment.png"))
        tablet.tap("Gửi đánh giá")
        state = tablet.wait_until(lambda s: s["screen"] == "thanks", what="thanks")
        assert "Cảm ơn Quý khách!" in state["texts"]
        tablet.send("screenshot", path=str(artifacts_dir / "tablet-thanks.png"))

        tablet.wait_until(lambda s: s["outbox"]["sent"] == 1, what="the rating sent")
        by_officer = summary(base, "officer")
        assert [(g["label"], g["total"], g["counts"]["rat_hai_long"]) for g in by_officer["groups"]] == [
            ("Nguyễn Thị Lan", 1, 1)
        ]
        assert by_officer["groups"][0]["criteria"]["thai_do"]["counts"]["hai_long"] == 1
        by_agency = summary(base, "agency")
        assert [(g["label"], g["total"]) for g in by_agency["groups"]] == [("UBND phường Phú Cường", 1)]
        tablet.wait_until(lambda s: s["screen"] == "welcome", timeout=15, what="back to welcome")

        # The next visitor taps a face and walks away: the rating still counts once the tablet gives up.
        serve_one(base, clerk, counter_id)
        tablet.wait_until(lambda s: s["screen"] == "overall", what="the next prompt")
        tablet.tap("Chưa hài lòng")
        tablet.wait_until(lambda s: s["screen"] == "welcome", timeout=15, what="idle return to welcome")
        tablet.wait_until(lambda s: s["outbox"]["sent"] == 2, what="the walked-away rating sent")
        assert summary(base, "officer")["overall"]["counts"] == {"rat_hai_long": 1, "hai_long": 0, "chua_hai_long": 1}

    for name in ("tablet-welcome.png", "tablet-overall.png", "tablet-comment.png"):
        publish(artifacts_dir / name, name)


def test_offline_ratings_are_kept_and_sent_once(tmp_path, start_tablet):
    with running_server(tmp_path / "server") as server:
        base = server.base_url
        counter_id = httpx.get(f"{base}/api/v1/devices/me", headers=bearer(TABLET)).json()["counter_id"]
        clerk = staff(base, "canbo01")
        assert httpx.post(f"{base}/api/v1/counters/{counter_id}/open", headers=clerk).status_code == 200
        tablet = start_tablet(base, TABLET)
        tablet.wait_until(lambda s: s["officer"] == "Nguyễn Thị Lan" and s["connected"], what="online")
        tickets = [serve_one(base, clerk, counter_id) for _ in range(3)]
        tablet.wait_until(lambda s: s["screen"] == "overall", what="a prompt")

        server.stop()
        tablet.wait_until(lambda s: not s["connected"], what="offline")
        for ticket, level in zip(tickets, ("Rất hài lòng", "Hài lòng", "Chưa hài lòng")):
            assert tablet.send(
                "prompt",
                data={"ticket_id": ticket["id"], "display_number": ticket["display_number"], "counter_id": counter_id},
            )["ok"]
            tablet.wait_until(lambda s: s["screen"] == "overall", what="the prompt")
            tablet.tap(level)
            tablet.wait_until(lambda s: s["screen"] == "criteria", what="criteria")
            tablet.tap("Bỏ qua")
            tablet.wait_until(lambda s: s["screen"] == "comment", what="comment")
            tablet.tap("Gửi đánh giá")
            tablet.wait_until(lambda s: s["screen"] == "thanks", what="thanks")
        state = tablet.wait_until(lambda s: s["outbox"]["pending"] == 3, what="three waiting in the outbox")
        assert "3 đánh giá chờ gửi" in " ".join(state["texts"]) or state["screen"] == "thanks"

        server.start()
        tablet.wait_until(
            lambda s: s["outbox"] == {"pending": 0, "sent": 3, "rejected": 0}, timeout=30, what="all sent"
        )
        data = summary(base, "officer")
        assert data["overall"]["total"] == 3
        assert data["overall"]["counts"] == {"rat_hai_long": 1, "hai_long": 1, "chua_hai_long": 1}
