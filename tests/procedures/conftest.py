from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "queue_server" / "procedures" / "data" / "tthc_sample.json"


@pytest.fixture
def upload(client, centre):
    """POST a file to the import endpoint as `who` (admin by default)."""

    def send(content: bytes, filename: str, who: str = "admin"):
        return client.post("/api/v1/procedures/import", files={"file": (filename, content)}, headers=centre.auth(who))

    return send


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def catalogue(upload, centre, sample_bytes):
    """The centre with the shipped sample imported through the API."""
    r = upload(sample_bytes, "tthc_sample.json")
    assert r.status_code == 200, r.text
    return centre
