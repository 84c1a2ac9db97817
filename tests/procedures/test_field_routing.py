"""Routing a whole field (lĩnh vực) of the catalogue to a queue, from /admin: the kiosk's procedure
pages then send visitors to that service; the change is in the audit log; a re-import applies the
file's own routing again."""


def test_a_field_is_routed_to_another_queue(client, catalogue, upload, sample_bytes):
    centre = catalogue
    admin = centre.auth("admin")
    fields = client.get("/api/v1/procedures/fields", headers=admin).json()["items"]
    field = next(f for f in fields if f["service_code"] == "HOTICH")
    procedures = client.get("/api/v1/procedures", params={"field": field["field"], "limit": 5}, headers=admin).json()
    ref = procedures["items"][0]["ref"]
    kiosk = centre.auth("kiosk")
    assert client.get(f"/api/v1/procedures/{ref}", headers=kiosk).json()["service_id"] == centre.service_ids["HOTICH"]

    r = client.put(
        "/api/v1/procedures/field-service", json={"field": field["field"], "service_code": "CHUNGTHUC"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["updated"] == field["count"]
    assert (
        client.get(f"/api/v1/procedures/{ref}", headers=kiosk).json()["service_id"] == centre.service_ids["CHUNGTHUC"]
    )
    found = client.get("/api/v1/procedures", params={"q": procedures["items"][0]["name"][:40]}, headers=kiosk).json()
    assert any(i["ref"] == ref and i["service_code"] == "CHUNGTHUC" for i in found["items"])  # the search index too
    [entry] = client.get("/api/v1/audit", params={"entity": "procedure_field"}, headers=admin).json()
    assert entry["before"] == {"service_code": "HOTICH"} and entry["after"] == {"service_code": "CHUNGTHUC"}
    assert entry["summary"] == f"{field['field']} → CHUNGTHUC ({field['count']} thủ tục)"

    r = client.put(
        "/api/v1/procedures/field-service", json={"field": "Không có lĩnh vực này", "service_code": "X"}, headers=admin
    )
    assert r.status_code == 404 and "Không có thủ tục nào thuộc lĩnh vực" in r.json()["error"]["message"]
    assert (
        client.put(
            "/api/v1/procedures/field-service",
            json={"field": field["field"], "service_code": None},
            headers=centre.auth("manager"),
        ).status_code
        == 403
    )

    assert upload(sample_bytes, "tthc_sample.json").status_code == 200  # the file's routing again
    assert client.get(f"/api/v1/procedures/{ref}", headers=kiosk).json()["service_id"] == centre.service_ids["HOTICH"]
