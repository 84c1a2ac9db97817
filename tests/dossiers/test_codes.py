"""Dossier codes: both layouts, the per-agency day sequence, overflow and uniqueness."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from queue_server.db import next_value
from queue_server.dossiers import codes
from queue_server.dossiers.models import Dossier
from queue_server.timeutil import VN_TZ
from tests.dossiers.helpers import create_at


def test_format_and_parse_both_layouts():
    bp = codes.format_code("bp", "000.00.14.H12", date(2026, 1, 5), 7)
    ag = codes.format_code("ag", "000.00.14.H12", date(2026, 1, 5), 7)
    assert bp == "000.00.14.H12-260105-0007" and len(bp) == 25
    assert ag == "000.00.14.H12050126007" and len(ag) == 22
    assert ag[17:19] == "26"  # chars 18–19 are the year (AG Đ.7 k.3)
    assert codes.parse_code(bp) == codes.ParsedCode("bp", "000.00.14.H12", date(2026, 1, 5), 7)
    assert codes.parse_code(ag) == codes.ParsedCode("ag", "000.00.14.H12", date(2026, 1, 5), 7)
    assert codes.parse_code("000.00.14.H12-261332-0001") is None  # no 32 December
    assert codes.parse_code("hello") is None


def test_overflow_is_a_clear_conflict():
    with pytest.raises(Exception) as bp:
        codes.format_code("bp", "000.00.14.H12", date(2026, 1, 5), 10000)
    with pytest.raises(Exception) as ag:
        codes.format_code("ag", "000.00.14.H12", date(2026, 1, 5), 1000)
    assert bp.value.status == ag.value.status == 409 and bp.value.code == "dossier_sequence_exhausted"


def test_bp_codes_over_http(new_dossier, centre, clock):
    first, second = new_dossier(), new_dossier()
    for d in (first, second):
        assert re.fullmatch(r"000\.00\.14\.H12-\d{6}-\d{4}", d["code"]) and len(d["code"]) == 25
    assert first["code"][14:20] == clock.today().strftime("%y%m%d") == "260310"  # the suite's ordinary Tuesday
    assert int(second["code"][-4:]) == int(first["code"][-4:]) + 1
    other_agency = new_dossier(agency_id=centre.agency_ids[1])
    assert other_agency["code"].startswith("000.00.17.H12-") and other_agency["code"].endswith("-0001")


def test_ag_layout_over_http(app, new_dossier, clock):
    app.state.settings.dossier_code_layout = "ag"
    d = new_dossier()
    assert re.fullmatch(r"000\.00\.14\.H12\d{6}\d{3}", d["code"]) and len(d["code"]) == 22
    assert d["code"][13:19] == clock.today().strftime("%d%m%y") == "100326"
    assert d["code"].endswith("001")


def test_day_sequence_restarts_next_day(db, settings, centre, catalogue):
    day1 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)
    day2 = datetime(2026, 3, 11, 9, 0, tzinfo=VN_TZ)
    a = [create_at(db, settings, day1, agency_id=centre.agency_ids[0]) for _ in range(3)]
    b = create_at(db, settings, day2, agency_id=centre.agency_ids[0])
    assert [c[-4:] for c in a] == ["0001", "0002", "0003"]
    assert b == "000.00.14.H12-260311-0001"
    # The date part is the Vietnam-local receipt day, even when UTC is still the day before.
    early_morning = datetime(2026, 3, 12, 6, 30, tzinfo=VN_TZ)  # 23:30 UTC on the 11th
    assert (
        create_at(db, settings, early_morning.astimezone(UTC), agency_id=centre.agency_ids[0])
        == "000.00.14.H12-260312-0001"
    )


def test_sequence_exhausted_answers_409_and_writes_nothing(client, db, centre, catalogue, clock):
    day = clock.today()
    from queue_server.db import Sequence

    with db.unit_of_work() as s:
        name = codes.sequence_name("000.00.14.H12", day)
        next_value(s, name)
        s.get(Sequence, name).value = 9999
    body = {
        "agency_id": centre.agency_ids[0],
        "procedure_code": "1.001193",
        "applicant": {"full_name": "Lê Văn C", "phone": "0901234567"},
    }
    r = client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "dossier_sequence_exhausted"
    assert "9999" in r.json()["error"]["message"]
    with db.reading() as s:
        assert s.execute(select(func.count()).select_from(Dossier)).scalar_one() == 0


def test_centres_sharing_an_agency_identifier_never_repeat_a_code(db, settings, client, centre, catalogue):
    """A province runs two commune desks on one server with the same agency identifier: registering
    it at the second centre is accepted (201, never a 500) and the day sequence belongs to the
    identifier, so the two desks' codes interleave and never repeat."""
    r = client.post("/api/v1/centres", json={"name": "Bộ phận Một cửa xã Tân Lập"}, headers=centre.auth("admin"))
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/agencies",
        json={"centre_id": r.json()["id"], "identifier": "000.00.14.H12", "name": "Sở Tư pháp (điểm xã)"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 201, r.text
    second = r.json()["id"]
    when = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)
    made = [
        create_at(db, settings, when, agency_id=a) for a in (centre.agency_ids[0], second, second, centre.agency_ids[0])
    ]
    assert made == [f"000.00.14.H12-260310-000{n}" for n in (1, 2, 3, 4)]
    # The same identifier twice in one centre stays refused with a clear message.
    r = client.post(
        "/api/v1/agencies",
        json={"centre_id": centre.id, "identifier": "000.00.14.H12", "name": "Trùng"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "agency_exists"


def test_a_server_upgraded_mid_day_continues_after_the_old_per_agency_counter(db, settings, centre, catalogue):
    day = date(2026, 3, 10)
    with db.unit_of_work() as s:
        next_value(s, codes.legacy_sequence_name(centre.agency_ids[0], day), start=5)  # 5 codes given before
    code = create_at(db, settings, datetime(2026, 3, 10, 14, 0, tzinfo=VN_TZ), agency_id=centre.agency_ids[0])
    assert code == "000.00.14.H12-260310-0006"
