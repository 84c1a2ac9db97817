"""A counter board's token opens that counter's board only (the API the board page asks first)."""

from queue_server.auth.schemas import DeviceCreate
from queue_server.auth.service import create_device


def _counter_display(db, centre, number: int) -> dict:
    with db.unit_of_work() as s:
        _, token = create_device(
            s, DeviceCreate(kind="display", centre_id=centre.id, counter_id=centre.counter_ids[number])
        )
    return {"Authorization": f"Bearer {token}"}


def test_a_counter_display_opens_its_own_board_only(client, db, centre):
    one = _counter_display(db, centre, 1)
    r = client.get("/api/v1/displays/counters/1", headers=one)
    assert r.status_code == 200 and r.json()["id"] == centre.counter_ids[1]
    r = client.get("/api/v1/displays/counters/2", headers=one)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "board_not_for_counter"
    assert r.json()["error"]["message"] == (
        "Mã thiết bị này là của bảng quầy số 1, không dùng được cho bảng quầy số 2."
    )


def test_a_hall_display_may_show_any_counter_of_its_centre_and_no_other(client, db, centre):
    hall = centre.auth("display")  # bound to no counter
    assert client.get("/api/v1/displays/counters/2", headers=hall).status_code == 200
    r = client.get("/api/v1/displays/counters/9", headers=hall)
    assert r.status_code == 404 and "quầy số 9" in r.json()["error"]["message"]
    assert client.get("/api/v1/displays/counters/1", headers=centre.auth("kiosk")).status_code == 403
