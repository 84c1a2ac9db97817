"""The call audio boards play: a real WAV rendered by the hardware voice, for display devices only."""

import io
import re
import wave
from pathlib import Path

from tests.factories import issue, open_counter


def _called(client, centre):
    ticket = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert r.status_code == 200, r.text
    return ticket


def test_a_called_ticket_has_a_playable_wav(client, centre, settings):
    ticket = _called(client, centre)
    r = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("display"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
    assert 2.0 < seconds < 20.0  # chime plus a whole sentence, not an empty file
    cached = list((settings.data_dir / "voice").glob("*.wav"))
    assert len(cached) == 1
    again = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("display"))
    assert again.content == r.content and len(list((settings.data_dir / "voice").glob("*.wav"))) == 1


def test_a_waiting_ticket_has_no_announcement(client, centre):
    ticket = issue(client, centre)
    r = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("display"))
    assert r.status_code == 409
    assert r.json()["error"]["message"] == f"Số {ticket['display_number']} chưa được gọi tới quầy nào."
    r = client.get("/api/v1/announcements/999999.wav", headers=centre.auth("display"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "ticket_not_found"


def test_only_boards_fetch_call_audio(client, centre):
    ticket = _called(client, centre)
    assert client.get(f"/api/v1/announcements/{ticket['id']}.wav").status_code == 401
    r = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("kiosk"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"


def test_board_pages_and_assets_are_served_locally(client):
    for path in ("/displays/hall", "/displays/counter/3", "/console"):
        r = client.get(path)
        assert r.status_code == 200 and "<html" in r.text
    static = [Path("displays/static"), Path("queue_server/web/static")]
    for folder in static:
        for f in folder.glob("*.*"):
            text = f.read_text(encoding="utf-8")
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), f"{f} refers to an outside address"
    for path in (
        "/web/fonts/DejaVuSans.ttf",
        "/web/fonts/DejaVuSans-Bold.ttf",
        "/web/sounds/chime.wav",
        "/displays/static/board.js",
        "/web/static/motcua-ws.js",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/web/fonts/other.ttf").status_code == 404
