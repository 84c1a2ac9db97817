"""Plain factory functions for tests: build data through the real services, log in through the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from queue_server.auth.models import User
from queue_server.auth.schemas import DeviceCreate
from queue_server.auth.security import hash_password, make_access_token
from queue_server.auth.service import create_device
from queue_server.centres import schemas as cs
from queue_server.centres.service import create_agency, create_centre, create_counter, create_service

PASSWORD = "correct-horse-42"


@lru_cache
def password_hash() -> str:
    """argon2 is slow on purpose; hash the shared test password once per run."""
    return hash_password(PASSWORD)


@dataclass
class CentreFixture:
    id: int
    agency_ids: list[int]
    service_ids: dict[str, int]
    counter_ids: dict[int, int]
    user_ids: dict[str, int]
    tokens: dict[str, str] = field(default_factory=dict)  # name → bearer token (staff JWT or device token)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def login(client, username: str, password: str = PASSWORD) -> str:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def build_centre(db, client=None, name: str = "Trung tâm thử nghiệm") -> CentreFixture:
    with db.unit_of_work() as s:
        centre = create_centre(s, cs.CentreCreate(name=name, notice="Thông báo thử"))
        a1 = create_agency(s, cs.AgencyCreate(centre_id=centre.id, identifier="000.00.14.H12", name="Sở Tư pháp"))
        a2 = create_agency(
            s, cs.AgencyCreate(centre_id=centre.id, identifier="000.00.17.H12", name="Sở Tài nguyên và Môi trường")
        )
        hotich = create_service(
            s, cs.ServiceCreate(centre_id=centre.id, code="HOTICH", name="Hộ tịch", prefix="A", agency_id=a1.id)
        )
        chungthuc = create_service(
            s, cs.ServiceCreate(centre_id=centre.id, code="CHUNGTHUC", name="Chứng thực", prefix="B", agency_id=a1.id)
        )
        datdai = create_service(
            s, cs.ServiceCreate(centre_id=centre.id, code="DATDAI", name="Đất đai", prefix="C", agency_id=a2.id)
        )
        c1 = create_counter(s, cs.CounterCreate(centre_id=centre.id, number=1, name="Quầy 1", service_ids=[hotich.id]))
        c2 = create_counter(
            s, cs.CounterCreate(centre_id=centre.id, number=2, name="Quầy 2", service_ids=[hotich.id, chungthuc.id])
        )
        c3 = create_counter(s, cs.CounterCreate(centre_id=centre.id, number=3, name="Quầy 3", service_ids=[datdai.id]))
        users = {}
        for username, role, agencies in [
            ("admin", "admin", []),
            ("manager", "manager", [a1.id]),
            ("clerk1", "clerk", []),
            ("clerk2", "clerk", []),
            ("clerk3", "clerk", []),
        ]:
            u = User(
                username=username,
                full_name=f"Cán bộ {username}",
                role=role,
                centre_id=centre.id,
                password_hash=password_hash(),
                title="Chuyên viên",
            )
            u.agencies = [a for a in (a1, a2) if a.id in agencies]
            s.add(u)
            s.flush()
            users[username] = u.id
        tokens = {}
        for kind, counter in [("kiosk", None), ("display", None), ("tablet", c1.id), ("console", c1.id)]:
            _, token = create_device(s, DeviceCreate(kind=kind, centre_id=centre.id, counter_id=counter))
            tokens[kind] = token
        _, tokens["tablet2"] = create_device(s, DeviceCreate(kind="tablet", centre_id=centre.id, counter_id=c2.id))
        fx = CentreFixture(
            id=centre.id,
            agency_ids=[a1.id, a2.id],
            service_ids={"HOTICH": hotich.id, "CHUNGTHUC": chungthuc.id, "DATDAI": datdai.id},
            counter_ids={1: c1.id, 2: c2.id, 3: c3.id},
            user_ids=users,
            tokens=tokens,
        )
    if client is not None:
        settings = client.app.state.settings
        for username, uid in users.items():
            fx.tokens[username] = make_access_token(
                settings.secret_key, uid, 0, settings.access_token_minutes
            )  # as a sign-in gives
    return fx


def open_counter(client, fx: CentreFixture, number: int, clerk: str) -> None:
    r = client.post(f"/api/v1/counters/{fx.counter_ids[number]}/open", headers=fx.auth(clerk))
    assert r.status_code == 200, r.text


def issue(client, fx: CentreFixture, service: str = "HOTICH", **extra) -> dict:
    r = client.post("/api/v1/tickets", json={"service_id": fx.service_ids[service], **extra}, headers=fx.auth("kiosk"))
    assert r.status_code in (200, 201), r.text
    return r.json()
