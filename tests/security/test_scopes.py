"""Who sees what (issue 15, finding 7): a manager sees the centres it is attached to — through its
centre, or through its agencies when it has no centre — and never every centre."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from queue_server.auth.models import User
from queue_server.auth.security import make_access_token
from queue_server.centres import schemas as cs
from queue_server.centres.models import Agency
from queue_server.centres.service import create_agency, create_centre, create_service
from tests.factories import password_hash


@pytest.fixture
def two_centres(client, db, centre):
    """The test centre, a second centre, and managers with no centre of their own."""
    with db.unit_of_work() as s:
        other = create_centre(s, cs.CentreCreate(name="Trung tâm huyện"))
        agency = create_agency(s, cs.AgencyCreate(centre_id=other.id, identifier="000.00.30.H12", name="UBND huyện"))
        create_service(s, cs.ServiceCreate(centre_id=other.id, code="HT2", name="Hộ tịch huyện", agency_id=agency.id))
        tokens = {}
        for username, agencies in [("m_agency", [centre.agency_ids[0]]), ("m_nothing", [])]:
            user = User(
                username=username, full_name=username, role="manager", centre_id=None, password_hash=password_hash()
            )
            user.agencies = [s.get(Agency, a) for a in agencies]
            s.add(user)
            s.flush()
            tokens[username] = {
                "Authorization": f"Bearer {make_access_token(client.app.state.settings.secret_key, user.id, 0, 60)}"
            }
        return other.id, tokens


def test_an_agency_manager_without_a_centre_sees_its_agencys_centre_only(client, centre, two_centres):
    other, tokens = two_centres
    m = tokens["m_agency"]
    assert [c["id"] for c in client.get("/api/v1/centres", headers=m).json()] == [centre.id]
    assert client.get(f"/api/v1/centres/{other}", headers=m).status_code == 403
    assert client.get(f"/api/v1/centres/{centre.id}", headers=m).status_code == 200
    assert client.get("/api/v1/dashboard/live", params={"centre": other}, headers=m).status_code == 403
    live = client.get("/api/v1/dashboard/live", params={"centre": centre.id}, headers=m)
    assert live.status_code == 200
    agencies = {s["agency_id"] for s in live.json()["services"]}
    assert agencies == {centre.agency_ids[0]}  # its agency's services, not the whole centre's
    token = m["Authorization"].split()[1]
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"/ws?centre={other}&token={token}") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403


def test_a_manager_attached_to_nothing_sees_nothing(client, centre, two_centres):
    other, tokens = two_centres
    m = tokens["m_nothing"]
    assert client.get("/api/v1/centres", headers=m).json() == []
    for centre_id in (centre.id, other):
        assert client.get(f"/api/v1/centres/{centre_id}", headers=m).status_code == 403
        assert client.get("/api/v1/dashboard/live", params={"centre": centre_id}, headers=m).status_code == 403


def test_a_clerk_cancels_only_tickets_of_the_services_it_serves(client, centre):
    from tests.factories import issue, open_counter

    hotich = issue(client, centre, "HOTICH")
    datdai = issue(client, centre, "DATDAI")
    open_counter(client, centre, 3, "clerk2")  # counter 3 serves DATDAI only
    r = client.post(f"/api/v1/tickets/{hotich['id']}/cancel", headers=centre.auth("clerk2"))
    assert r.status_code == 403 and "dịch vụ" in r.json()["error"]["message"]
    # a clerk on duty nowhere cancels nothing
    assert client.post(f"/api/v1/tickets/{datdai['id']}/cancel", headers=centre.auth("clerk3")).status_code == 403
    assert client.post(f"/api/v1/tickets/{datdai['id']}/cancel", headers=centre.auth("clerk2")).status_code == 200
    open_counter(client, centre, 1, "clerk1")  # counter 1 serves HOTICH
    assert client.post(f"/api/v1/tickets/{hotich['id']}/cancel", headers=centre.auth("clerk1")).status_code == 200
    other = issue(client, centre, "CHUNGTHUC")
    assert client.post(f"/api/v1/tickets/{other['id']}/cancel", headers=centre.auth("admin")).status_code == 200


def test_request_ids_are_scoped_to_the_calling_device(client, db, centre):
    from queue_server.auth.schemas import DeviceCreate
    from queue_server.auth.service import create_device

    with db.unit_of_work() as s:
        _, second_kiosk = create_device(s, DeviceCreate(kind="kiosk", centre_id=centre.id))
    body = {"service_id": centre.service_ids["HOTICH"], "client_request_id": "kiosk-req-0001"}
    a = client.post("/api/v1/tickets", json=body, headers=centre.auth("kiosk"))
    b = client.post("/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {second_kiosk}"})
    assert a.status_code == 201 and b.status_code == 201  # B's request is B's, not a replay of A's
    assert b.json()["id"] != a.json()["id"]
    again = client.post("/api/v1/tickets", json=body, headers=centre.auth("kiosk"))
    assert again.status_code == 200 and again.json()["id"] == a.json()["id"]  # A's retry: A's ticket
