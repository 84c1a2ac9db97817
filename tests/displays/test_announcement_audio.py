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


def _seconds(wav_bytes: bytes) -> float:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_boards_speak_the_call_the_centre_wrote(client, centre, settings):
    """/admin's «Câu mời khi gọi số»: the next call is spoken with the centre's own sentence."""
    ticket = _called(client, centre)
    default = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("display"))
    own = "Xin trân trọng kính mời công dân có số thứ tự {number} vui lòng đến ngay quầy số {counter} để được phục vụ"
    r = client.patch(f"/api/v1/centres/{centre.id}", json={"call_template": own}, headers=centre.auth("admin"))
    assert r.status_code == 200 and r.json()["call_template"] == own
    spoken = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("display"))
    assert spoken.status_code == 200
    assert spoken.content != default.content
    assert _seconds(spoken.content) > _seconds(default.content) + 1.0  # the longer sentence is what is heard
    # cleared: back to the server's sentence (MOTCUA_ANNOUNCEMENT_TEMPLATE), from the cache
    client.patch(f"/api/v1/centres/{centre.id}", json={"call_template": ""}, headers=centre.auth("admin"))
    again = client.get(f"/api/v1/announcements/{ticket['id']}.wav", headers=centre.auth("display"))
    assert again.content == default.content


def test_a_call_without_the_number_is_refused_beside_its_field(client, centre):
    before = client.get(f"/api/v1/centres/{centre.id}", headers=centre.auth("admin")).json()
    for bad in ("Mời công dân đến quầy số {counter}", "Mời số {number} đến {quay}", "Mời số {number:>5}"):
        r = client.patch(
            f"/api/v1/centres/{centre.id}",
            json={"call_template": bad, "ticket_note": "Giữ phiếu cẩn thận."},
            headers=centre.auth("admin"),
        )
        assert r.status_code == 422, bad
        [field] = r.json()["error"]["fields"]
        assert field["field"] == "call_template"
        assert field["problem"].startswith("câu mời phải có {number} (số thứ tự)")
    after = client.get(f"/api/v1/centres/{centre.id}", headers=centre.auth("admin")).json()
    assert after == before  # nothing half-written: the valid note was not saved either
    r = client.patch(f"/api/v1/centres/{centre.id}", json={"call_template": "x" * 201}, headers=centre.auth("admin"))
    assert r.status_code == 422
    r = client.patch(f"/api/v1/centres/{centre.id}", json={"ticket_note": "Giữ phiếu"}, headers=centre.auth("manager"))
    assert r.status_code == 403


def test_the_ticket_note_reaches_kiosks_in_their_snapshot(client, centre):
    note = "Vui lòng giữ phiếu và theo dõi màn hình gọi số. Xin cảm ơn!"
    r = client.patch(f"/api/v1/centres/{centre.id}", json={"ticket_note": note}, headers=centre.auth("admin"))
    assert r.status_code == 200
    snap = client.get(f"/api/v1/centres/{centre.id}/snapshot", headers=centre.auth("kiosk")).json()
    assert snap["centre"]["ticket_note"] == note
