"""Body limits per route (issue 15): the catalogue import takes an administrator's file of up to
20 MB while every other route keeps the 1 MB bound, and nobody without a staff token can make the
server read more than that 1 MB on the import route either."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "queue_server" / "procedures" / "data" / "tthc_sample.json"
IMPORT = "/api/v1/procedures/import"
MB = 1024 * 1024
TOO_LARGE = "Tệp quá lớn (tối đa 20 MB)."


def _catalogue_of(size: int) -> bytes:
    """A real catalogue file of at least `size` bytes: the shipped sample's procedures, repeated
    under codes and names of their own."""
    records = json.loads(SAMPLE.read_bytes())
    out, n = [], 0
    while len(json.dumps(out, ensure_ascii=False).encode()) < size:
        for record in records:
            n += 1
            out.append(record | {"code": f"9.{n:06d}", "name": f"{record['name']} (bản {n})"})
    return json.dumps(out, ensure_ascii=False).encode()


def test_an_administrator_imports_a_5_mb_catalogue(client, centre):
    content = _catalogue_of(5 * MB)
    assert 5 * MB <= len(content) < 7 * MB
    added = len(json.loads(content))
    r = client.post(IMPORT, files={"file": ("catalogue.json", content)}, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text[:300]
    assert r.json()["added"] == added and r.json()["rejected"] == []
    total = client.get("/api/v1/procedures/fields", headers=centre.auth("admin")).json()["total"]
    assert total == added


def test_a_21_mb_file_is_refused_with_413_and_says_the_limit(client, centre):
    content = b"[" + b" " * (21 * MB) + b"]"
    r = client.post(IMPORT, files={"file": ("big.json", content)}, headers=centre.auth("admin"))
    assert r.status_code == 413
    assert r.json()["error"] == {"code": "file_too_large", "message": TOO_LARGE}

    def chunks():  # the same sent without a declared length
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n\r\n['
        for _ in range(21 * 16):
            yield b" " * (64 * 1024)
        yield b"]\r\n--b--\r\n"

    r = client.post(
        IMPORT, content=chunks(), headers={**centre.auth("admin"), "content-type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 413 and r.json()["error"]["message"] == TOO_LARGE
    assert client.get("/api/v1/procedures/fields", headers=centre.auth("admin")).json()["total"] == 0


def test_other_routes_keep_the_1_mb_limit_even_for_an_administrator(client, centre):
    big = b'{"name": "' + b"x" * (2 * MB) + b'"}'
    r = client.post(
        "/api/v1/centres", content=big, headers={**centre.auth("admin"), "content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


class _Sender:
    """A client feeding the app 5 MB in 64 kB pieces and counting what the server asked for."""

    def __init__(self, declared: bool):
        self.declared, self.read, self.answer = declared, 0, []

    def scope(self, token: str | None) -> dict:
        headers = [(b"content-type", b"multipart/form-data; boundary=b"), (b"host", b"testserver")]
        if self.declared:
            headers.append((b"content-length", str(5 * MB).encode()))
        if token:
            headers.append((b"authorization", b"Bearer " + token.encode()))
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": IMPORT,
            "raw_path": IMPORT.encode(),
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }

    async def receive(self):
        piece = 64 * 1024
        if self.read >= 5 * MB:
            return {"type": "http.disconnect"}
        self.read += piece
        return {"type": "http.request", "body": b" " * piece, "more_body": self.read < 5 * MB}

    async def send(self, message):
        self.answer.append(message)

    def status(self) -> int:
        return next(m["status"] for m in self.answer if m["type"] == "http.response.start")


@pytest.mark.parametrize("token", [None, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged", "mdv_demo-kiosk-1"])
def test_without_a_staff_token_the_import_route_reads_no_more_than_1_mb(app, client, centre, token):
    declared = _Sender(declared=True)
    asyncio.run(app(declared.scope(token), declared.receive, declared.send))
    assert declared.status() == 413 and declared.read == 0  # refused on its declared length, unread

    streamed = _Sender(declared=False)
    asyncio.run(app(streamed.scope(token), streamed.receive, streamed.send))
    assert streamed.status() == 413 and streamed.read <= MB + 64 * 1024  # cut off at the ordinary bound
