"""External sync: HMAC endpoint (valid, bad signature, stale, replay) and the watched folder (good, malformed)."""

import json

import pytest
from sqlalchemy import func, select

from queue_server.dossiers import sync
from queue_server.dossiers.models import Dossier, DossierEvent
from queue_server.dossiers.sync import FolderAdapter, sign

SECRET = "sync-secret-for-tests-0123456789"


@pytest.fixture
def signed(app, client, clock):
    app.state.settings.sync_hmac_secret = SECRET

    def post(payload, *, secret=SECRET, ts=None, body=None):
        raw = body if body is not None else json.dumps(payload).encode()
        ts = str(int(clock.now().timestamp()) if ts is None else ts)
        return client.post(
            "/api/v1/sync/dossiers",
            content=raw,
            headers={
                "Content-Type": "application/json",
                sync.TIMESTAMP_HEADER: ts,
                sync.SIGNATURE_HEADER: sign(secret, ts, raw),
            },
        )

    return post


def _external(update_id, code="000.00.17.H12-260310-0042", **extra):
    return {
        "update_id": update_id,
        "code": code,
        "procedure_code": "1.004227",
        "procedure_name": "Đăng ký biến động quyền sử dụng đất",
        "processing_days": 10,
        "applicant": {"full_name": "Hoàng Văn Hải", "phone": "0977111222"},
        "received_at": "2026-03-10T08:15:00+07:00",
        **extra,
    }


def _count(db, model=Dossier):
    with db.reading() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_signed_update_creates_then_moves_a_dossier_made_elsewhere(signed, client, centre, db):
    r = signed({"updates": [_external("u-1")]})
    assert r.status_code == 200, r.text
    assert r.json()["results"] == [{"update_id": "u-1", "code": "000.00.17.H12-260310-0042", "outcome": "created"}]
    r = signed({"update_id": "u-2", "code": "000.00.17.H12-260310-0042", "status": "in_processing"})
    assert r.json()["results"][0]["outcome"] == "updated"
    d = client.get("/api/v1/dossiers/000.00.17.H12-260310-0042", headers=centre.auth("admin")).json()
    assert (
        d["status"] == "in_processing" and d["source"] == "http" and d["agency_name"] == "Sở Tài nguyên và Môi trường"
    )
    # Visible to the public lookup with the applicant's phone digits; the AG layout is accepted too.
    v = client.get("/api/v1/lookup", params={"code": d["code"], "phone_last4": "1222"})
    assert v.status_code == 200 and v.json()["status_label"] == "Đang xử lý"
    assert signed(_external("u-3", code="000.00.17.H12100326007")).json()["results"][0]["outcome"] == "created"


def test_replayed_update_changes_nothing(signed, client, centre, db):
    signed(_external("u-1"))
    signed({"update_id": "u-2", "code": "000.00.17.H12-260310-0042", "status": "in_processing"})
    events = _count(db, DossierEvent)
    r = signed({"update_id": "u-2", "code": "000.00.17.H12-260310-0042", "status": "in_processing"})
    assert r.json()["results"][0]["outcome"] == "duplicate"
    r = signed(_external("u-1", status="refused"))  # same id, different content: still the first one wins
    assert r.json()["results"][0]["outcome"] == "duplicate"
    assert _count(db, DossierEvent) == events
    assert (
        client.get("/api/v1/dossiers/000.00.17.H12-260310-0042", headers=centre.auth("admin")).json()["status"]
        == "in_processing"
    )


def test_bad_signature_and_stale_timestamp_are_refused(signed, db, centre, clock):
    r = signed(_external("u-1"), secret="wrong-secret-wrong-secret")
    assert r.status_code == 403 and r.json()["error"]["code"] == "signature_invalid"
    r = signed(_external("u-1"), ts=int(clock.now().timestamp()) - 3600)
    assert r.status_code == 403 and r.json()["error"]["code"] == "timestamp_stale"
    assert _count(db) == 0


def test_illegal_external_step_rolls_back_the_whole_batch(signed, db, centre):
    r = signed(
        {
            "updates": [
                _external("u-1", status="returned"),
                _external("u-2", code="000.00.17.H12-260310-0043"),
                {"update_id": "u-3", "code": "000.00.17.H12-260310-0042", "status": "received"},
            ]
        }
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert _count(db) == 0


def test_folder_good_file_and_malformed_file(db, centre, tmp_path, settings):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "01-good.json").write_text(json.dumps([_external("f-1")]), encoding="utf-8")
    (inbox / "02-good.csv").write_text(
        "update_id,code,status,reason\nf-2,000.00.17.H12-260310-0042,in_processing,\n", encoding="utf-8"
    )
    (inbox / "03-bad.json").write_text('{"update_id": "f-3", "code": ', encoding="utf-8")
    (inbox / "04-bad.csv").write_text(
        "update_id,code,status\nf-4,000.00.17.H12-260310-0042,result_ready\nf-5,000.00.17.H12-260310-0042,flying\n",
        encoding="utf-8",
    )
    report = FolderAdapter(inbox).process(db, settings)
    assert [(r["file"], r["result"]) for r in report] == [
        ("01-good.json", "done"),
        ("02-good.csv", "done"),
        ("03-bad.json", "rejected"),
        ("04-bad.csv", "rejected"),
    ]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["01-good.json", "02-good.csv"]
    rejected = sorted(p.name for p in (inbox / "rejected").iterdir())
    assert rejected == ["03-bad.json", "03-bad.json.reason.txt", "04-bad.csv", "04-bad.csv.reason.txt"]
    assert "JSON" in (inbox / "rejected" / "03-bad.json.reason.txt").read_text(encoding="utf-8")
    assert "unknown_status" in (inbox / "rejected" / "04-bad.csv.reason.txt").read_text(encoding="utf-8")
    with db.reading() as s:
        d = s.execute(select(Dossier)).scalar_one()
        assert d.status == "in_processing"  # f-4's result_ready was in the rejected file: nothing of it was written
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []


def test_folder_command(db, centre, tmp_path, settings, monkeypatch, capsys):
    from queue_server.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.json").write_text(json.dumps(_external("c-1")), encoding="utf-8")
    monkeypatch.setenv("MOTCUA_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("MOTCUA_DATA_DIR", str(tmp_path / "data"))
    assert main(["dossiers", "sync-folder", str(inbox)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["result"] == "done" and _count(db) == 1
