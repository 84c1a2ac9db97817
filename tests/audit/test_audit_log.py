"""The audit log: each administrative change appends who, when, what and before → after, in the
change's own transaction; secrets never appear; managers read their agencies' entries; the
database itself refuses to change or remove an entry."""

import csv
import io
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def _audit(client, centre, who="admin", **params):
    r = client.get("/api/v1/audit", params=params, headers=centre.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_service_change_is_logged_with_who_and_before_after(client, centre):
    sid = centre.service_ids["HOTICH"]
    r = client.patch(
        f"/api/v1/services/{sid}",
        json={"daily_cap": 150, "hours": [{"weekday": 0, "start": "07:30", "end": "11:30"}]},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 200, r.text
    [entry] = _audit(client, centre, entity="service", entity_id=str(sid), action="update")
    assert entry["actor_name"] == "admin" and entry["actor_role"] == "admin"
    assert entry["centre_id"] == centre.id and entry["agency_id"] == centre.agency_ids[0]
    assert entry["summary"] == "HOTICH Hộ tịch"
    # only what changed, before → after
    assert entry["before"] == {"daily_cap": None, "hours": []}
    assert entry["after"] == {
        "daily_cap": 150,
        "hours": [{"weekday": 0, "start": "07:30:00", "end": "11:30:00", "effective_from": "2000-01-01"}],
    }
    # the same values again change nothing and log nothing
    client.patch(f"/api/v1/services/{sid}", json={"daily_cap": 150}, headers=centre.auth("admin"))
    assert len(_audit(client, centre, entity="service", entity_id=str(sid), action="update")) == 1


def test_a_refused_change_leaves_no_entry(client, centre):
    r = client.post(
        "/api/v1/services",
        json={"centre_id": centre.id, "code": "HOTICH", "name": "Trùng mã", "prefix": "Z"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 409
    assert _audit(client, centre, entity="service", action="create", actor_name="admin") == []


def test_counters_users_and_devices_are_logged_without_secrets(client, centre):
    admin = centre.auth("admin")
    r = client.post(
        "/api/v1/counters",
        json={"centre_id": centre.id, "number": 9, "name": "Quầy 9", "service_ids": [centre.service_ids["DATDAI"]]},
        headers=admin,
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/users",
        json={
            "username": "canbo9",
            "full_name": "Lê Văn Chín",
            "role": "clerk",
            "centre_id": centre.id,
            "password": "mat-khau-ban-dau-9",
        },
        headers=admin,
    )
    uid = r.json()["id"]
    client.patch(f"/api/v1/users/{uid}", json={"password": "mat-khau-moi-99"}, headers=admin)
    client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=admin)
    r = client.post(
        "/api/v1/devices", json={"kind": "display", "centre_id": centre.id, "name": "Bảng sảnh"}, headers=admin
    )
    device_token, device_id = r.json()["token"], r.json()["id"]
    client.post(f"/api/v1/devices/{device_id}/revoke", headers=admin)

    entries = _audit(client, centre)
    actions = [(e["entity"], e["action"]) for e in reversed(entries) if e["actor_name"] == "admin"]
    assert actions == [
        ("counter", "create"),
        ("user", "create"),
        ("user", "reset_password"),
        ("user", "deactivate"),
        ("device", "create"),
        ("device", "revoke"),
    ]
    reset = next(e for e in entries if e["action"] == "reset_password")
    assert reset["before"] == {"password_hash": "[đã đổi]"} and reset["after"] == {"password_hash": "[đã đổi]"}
    everything = json.dumps(entries, ensure_ascii=False)
    for secret in ("mat-khau-ban-dau-9", "mat-khau-moi-99", device_token, "argon2"):
        assert secret not in everything
    created = next(e for e in entries if e["entity"] == "counter")
    assert created["after"]["services"] == [{"service_id": centre.service_ids["DATDAI"], "weight": 1.0}]


def test_managers_read_their_agencies_and_clerks_nothing(client, centre):
    admin = centre.auth("admin")
    for code in ("HOTICH", "DATDAI"):  # agency 1 (the manager's) and agency 2
        client.patch(f"/api/v1/services/{centre.service_ids[code]}", json={"daily_cap": 77}, headers=admin)
    seen = _audit(client, centre, who="manager", action="update")
    assert [e["summary"] for e in seen] == ["HOTICH Hộ tịch"]
    assert client.get("/api/v1/audit", headers=centre.auth("clerk1")).status_code == 403
    assert client.get("/api/v1/audit.csv", headers=centre.auth("kiosk")).status_code == 403


def test_csv_export_follows_the_filters(client, centre):
    client.patch(
        f"/api/v1/agencies/{centre.agency_ids[0]}", json={"phone": "0274 3822 000"}, headers=centre.auth("admin")
    )
    r = client.get("/api/v1/audit.csv", params={"entity": "agency", "action": "update"}, headers=centre.auth("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Thời điểm", "Người thực hiện"]
    assert len(rows) == 2
    assert rows[1][2] == "admin" and rows[1][6] == "agency" and rows[1][8] == "update"
    assert json.loads(rows[1][11]) == {"phone": "0274 3822 000"}


def test_there_is_no_way_to_edit_the_log(client, centre, db):
    client.patch(f"/api/v1/centres/{centre.id}", json={"notice": "Nghỉ Tết"}, headers=centre.auth("admin"))
    [entry] = _audit(client, centre, entity="centre", action="update")
    for method in ("PATCH", "PUT", "DELETE"):
        r = client.request(method, f"/api/v1/audit/{entry['id']}", headers=centre.auth("admin"), json={})
        assert r.status_code in (404, 405)
    for statement in ("UPDATE audit_log SET actor_name = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert _audit(client, centre, entity="centre", action="update") == [entry]
