"""Input bounds (issue 15, finding 9): every integer a request carries is bounded to its column,
every string has a length limit and no NUL, and a PATCH tells an absent field from a null one.

The first test reads the OpenAPI schema, so an endpoint added later without the bounded types of
`queue_server.bounds` fails here, with its name; the others show the answers a client gets."""

from __future__ import annotations

import pytest

from queue_server.app import create_app


def _unbounded(spec: dict) -> list[str]:
    components = spec.get("components", {}).get("schemas", {})
    problems: list[str] = []

    def walk(schema, where):
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                walk(components[name], name)
            return
        kind = schema.get("type")
        if kind == "integer" and ("maximum" not in schema or "minimum" not in schema):
            problems.append(f"{where}: integer without minimum and maximum")
        if (
            kind == "string"
            and not ({"maxLength", "enum", "const", "contentMediaType"} & set(schema))
            and schema.get("format")
            not in (
                "date",
                "date-time",
                "time",
                "binary",
            )
        ):
            problems.append(f"{where}: string without maxLength")
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub, where)
        if "items" in schema:
            walk(schema["items"], where + "[]")
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}")
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], where + "{}")

    seen: set[str] = set()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                walk(param["schema"], f"{method.upper()} {path} ({param['in']} {param['name']})")
            for media in op.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{method.upper()} {path} (body)")
    return sorted(set(problems))


def test_every_integer_and_string_a_request_carries_is_bounded(settings):
    problems = _unbounded(create_app(settings.model_copy(update={"database_url": None})).openapi())
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("big", [2**31, 2**63, -(2**63) - 1, 10**30])
def test_integers_beyond_their_column_are_refused_with_422(client, centre, big):
    auth = centre.auth("admin")
    assert client.post("/api/v1/tickets", json={"service_id": big}, headers=centre.auth("kiosk")).status_code == 422
    assert client.get(f"/api/v1/tickets/{big}", headers=auth).status_code == 422
    assert client.get("/api/v1/services", params={"centre_id": big}, headers=auth).status_code == 422
    r = client.post("/api/v1/services", json={"centre_id": big, "code": "X", "name": "X"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


def test_nul_bytes_are_refused_with_422(client, centre):
    auth = centre.auth("admin")
    r = client.patch(f"/api/v1/centres/{centre.id}", json={"name": "Trung tâm\x00"}, headers=auth)
    assert r.status_code == 422
    r = client.patch("/api/v1/devices/1", json={"settings": {"note": "a\x00b"}}, headers=auth)
    assert r.status_code == 422
    assert client.get("/api/v1/lookup", params={"code": "a\x00b", "phone_last4": "1234"}).status_code == 422
    r = client.post("/api/v1/auth/token", data={"username": "admin\x00", "password": "x"})
    assert r.status_code == 422


def test_patch_tells_an_absent_field_from_null(client, centre):
    auth = centre.auth("admin")
    sid = centre.service_ids["HOTICH"]
    assert client.patch(f"/api/v1/services/{sid}", json={"name": None}, headers=auth).status_code == 422
    assert client.patch(f"/api/v1/centres/{centre.id}", json={"name": None}, headers=auth).status_code == 422
    r = client.patch(f"/api/v1/services/{sid}", json={"sort_order": 3}, headers=auth)  # name absent: unchanged
    assert r.status_code == 200 and r.json()["name"] == "Hộ tịch"
    r = client.patch(f"/api/v1/centres/{centre.id}", json={"notice": None}, headers=auth)  # nullable: cleared
    assert r.status_code == 200 and r.json()["notice"] is None
