"""A centre's own search lexicon (/centres/{id}/search-terms): an administrator adds an everyday
name or a synonym with its source, and the next search from the centre's kiosk finds the
procedure by it; deleting it takes it back; refusals (unknown procedure, duplicate phrase,
missing source, managers writing) come with Vietnamese messages; other centres are unaffected;
every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from queue_server.audit.models import AuditEntry
from queue_server.auth.schemas import DeviceCreate
from queue_server.auth.service import create_device
from queue_server.centres import schemas as cs
from queue_server.centres.service import create_centre

MARRIAGE_STATUS = "1.004873"  # Thủ tục cấp Giấy xác nhận tình trạng hôn nhân
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh


def _url(centre, term_id: int | None = None) -> str:
    return f"/api/v1/centres/{centre.id}/search-terms" + (f"/{term_id}" if term_id else "")


def _top3(client, headers, q):
    r = client.get("/api/v1/procedures", params={"q": q, "limit": 3}, headers=headers)
    assert r.status_code == 200, r.text
    return [i["code"] for i in r.json()["items"]]


def _add(client, centre, who="admin", **body):
    return client.post(_url(centre), json=body, headers=centre.auth(who))


def test_an_everyday_name_is_found_after_it_is_added_and_not_after_it_is_deleted(client, catalogue, db):
    kiosk = catalogue.auth("kiosk")
    assert MARRIAGE_STATUS not in _top3(client, kiosk, "phiếu xanh")
    r = _add(
        client,
        catalogue,
        kind="name",
        phrase="  Phiếu  XANH ",
        target=MARRIAGE_STATUS,
        source="Quầy Hộ tịch: người dân gọi giấy xác nhận tình trạng hôn nhân như vậy (03/2026)",
    )
    assert r.status_code == 201, r.text
    term = r.json()
    assert term["phrase"] == "Phiếu XANH" and term["target"] == MARRIAGE_STATUS
    assert term["target_name"] == "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân"
    assert term["created_by"] == "admin (admin)" and term["source"].startswith("Quầy Hộ tịch")
    for q in ("phiếu xanh", "phieu xanh", "xin phiếu xanh ở đâu"):
        assert _top3(client, kiosk, q)[:1] == [MARRIAGE_STATUS], q
    # a code still finds its procedure; other searches are not disturbed
    assert _top3(client, kiosk, BIRTH)[:1] == [BIRTH]
    listed = client.get(_url(catalogue), headers=catalogue.auth("manager"))
    assert listed.status_code == 200 and [t["id"] for t in listed.json()] == [term["id"]]

    r = client.delete(_url(catalogue, term["id"]), headers=catalogue.auth("admin"))
    assert r.status_code == 204, r.text
    assert MARRIAGE_STATUS not in _top3(client, kiosk, "phiếu xanh")
    assert client.get(_url(catalogue), headers=catalogue.auth("admin")).json() == []
    with db.unit_of_work() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "search_term").order_by(AuditEntry.id)))
        assert [(e.action, e.entity_id, e.centre_id) for e in entries] == [
            ("create", str(term["id"]), catalogue.id),
            ("delete", str(term["id"]), catalogue.id),
        ]
        assert entries[0].after["target"] == MARRIAGE_STATUS and entries[1].before["phrase"] == "Phiếu XANH"


def test_a_synonym_is_read_as_the_words_it_means_only_at_its_centre(client, catalogue, db):
    kiosk = catalogue.auth("kiosk")
    assert BIRTH not in _top3(client, kiosk, "giấy chào đời cho con")
    r = _add(client, catalogue, kind="synonym", phrase="giấy chào đời", target="khai sinh", source="Góp ý của công dân")
    assert r.status_code == 201, r.text
    assert r.json()["target_name"] is None
    assert BIRTH in _top3(client, kiosk, "giấy chào đời cho con")
    assert BIRTH in _top3(client, kiosk, "giay chao doi")
    # typed with other diacritics, the words are not the entry's
    assert BIRTH not in _top3(client, kiosk, "giấy chạo đói")
    # another centre's kiosk does not read this centre's entries
    with db.unit_of_work() as s:
        other = create_centre(s, cs.CentreCreate(name="Trung tâm khác"))
        _, token = create_device(s, DeviceCreate(kind="kiosk", centre_id=other.id))
    assert BIRTH not in _top3(client, {"Authorization": f"Bearer {token}"}, "giấy chào đời cho con")


def test_refusals(client, catalogue):
    ok = {"kind": "synonym", "phrase": "giấy chào đời", "target": "khai sinh", "source": "Quầy 1"}
    r = _add(client, catalogue, kind="name", phrase="phiếu xanh", target="9.999999", source="Quầy 1")
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_procedure"
    assert "9.999999" in r.json()["error"]["message"] and r.json()["error"]["fields"][0]["field"] == "target"
    r = _add(client, catalogue, **(ok | {"source": "   "}))
    assert r.status_code == 422 and "nguồn" in r.json()["error"]["message"]
    r = _add(client, catalogue, **(ok | {"phrase": "?!"}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_phrase"
    r = _add(client, catalogue, **(ok | {"target": "Giấy chào đời"}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_target"
    r = _add(client, catalogue, **(ok | {"phrase": "x" * 101}))
    assert r.status_code == 422
    assert _add(client, catalogue, **ok).status_code == 201
    # the same phrase however it is typed: a conflict
    r = _add(client, catalogue, **(ok | {"phrase": "GIAY CHAO DOI", "target": "khai tử"}))
    assert r.status_code == 409 and r.json()["error"]["code"] == "search_term_exists"
    assert "đã có trong từ điển" in r.json()["error"]["message"]
    # managers read, do not write; a clerk reads nothing
    assert _add(client, catalogue, who="manager", **(ok | {"phrase": "khác"})).status_code == 403
    assert client.get(_url(catalogue), headers=catalogue.auth("clerk1")).status_code == 403
    term_id = client.get(_url(catalogue), headers=catalogue.auth("admin")).json()[0]["id"]
    assert client.delete(_url(catalogue, term_id), headers=catalogue.auth("manager")).status_code == 403
    assert client.delete(_url(catalogue, term_id + 1000), headers=catalogue.auth("admin")).status_code == 404


def test_a_centre_holds_at_most_1000_entries(client, catalogue, db, clock):
    from queue_server.procedures.models import SearchTerm
    from queue_server.procedures.terms import MAX_TERMS

    with db.unit_of_work() as session:
        session.add_all(
            SearchTerm(
                centre_id=catalogue.id,
                kind="synonym",
                phrase=f"cụm {i}",
                phrase_key=f"cum {i}",
                target="khai sinh",
                source="Quầy 1",
                created_by="admin",
                created_at=clock.now(),
            )
            for i in range(MAX_TERMS - 1)
        )
    ok = {"kind": "synonym", "target": "khai sinh", "source": "Quầy 1"}
    assert _add(client, catalogue, phrase="giấy chào đời", **ok).status_code == 201  # the 1000th
    r = _add(client, catalogue, phrase="giấy mới sinh", **ok)
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_many_terms"
    assert r.json()["error"]["message"] == "Từ điển của trung tâm đã đủ 1000 mục."
    term_id = client.get(_url(catalogue), headers=catalogue.auth("admin")).json()[0]["id"]
    assert client.delete(_url(catalogue, term_id), headers=catalogue.auth("admin")).status_code == 204
    assert _add(client, catalogue, phrase="giấy mới sinh", **ok).status_code == 201


def test_phrases_differing_only_in_tone_marks_are_two_entries_each_read_as_written(client, catalogue):
    """«mất» (lost) and «mật» are different words: each entry keeps its own spelling and meaning; a
    query typed without diacritics may be either, and the same phrase however typed is still one."""
    kiosk = catalogue.auth("kiosk")
    lost = _add(client, catalogue, kind="synonym", phrase="giấy mất", target="khai tử", source="Quầy 1")
    assert lost.status_code == 201, lost.text
    other = _add(client, catalogue, kind="synonym", phrase="Giấy Mật", target="khai sinh", source="Quầy 2")
    assert other.status_code == 201, other.text
    listed = client.get(_url(catalogue), headers=catalogue.auth("admin")).json()
    assert [(t["phrase"], t["target"]) for t in listed] == [("giấy mất", "khai tử"), ("Giấy Mật", "khai sinh")]
    assert BIRTH in _top3(client, kiosk, "giấy mật")
    assert BIRTH not in _top3(client, kiosk, "giấy mất")
    assert _top3(client, kiosk, "giay mat"), "typed without diacritics it is read as one of them"
    for same in ("GIẤY MẬT", "giay mat", "giấy mật"):
        r = _add(client, catalogue, kind="synonym", phrase=same, target="kết hôn", source="Quầy 3")
        assert r.status_code == 409 and r.json()["error"]["code"] == "search_term_exists", same


def test_the_migration_keys_existing_entries_by_their_spelling(db_url, tmp_path):
    """An installation upgraded past 0020 keeps its entries, now keyed with their diacritics, so a
    phrase differing from one of them only in tone marks can be added."""
    from alembic import command

    from queue_server.db import Database
    from queue_server.migrate import alembic_config, upgrade
    from queue_server.procedures.models import SearchTerm
    from tests.factories import build_centre

    db = Database(db_url)
    try:
        fx = build_centre(db)
        command.downgrade(alembic_config(db_url), "0019_search_terms")
        with db.engine.begin() as c:  # as the old server wrote it: keyed without diacritics
            c.exec_driver_sql(
                "INSERT INTO search_terms (centre_id, kind, phrase, phrase_key, target, source, created_by, created_at)"
                f" VALUES ({fx.id}, 'synonym', 'Giấy  Mất', 'giay mat', 'khai tử', 'Quầy 1', 'admin',"
                " '2026-01-05 01:00:00')"
            )
        upgrade(db_url)
        with db.reading() as s:
            assert [(t.phrase, t.phrase_key) for t in s.scalars(select(SearchTerm))] == [("Giấy  Mất", "giấy mất")]
    finally:
        upgrade(db_url)
        db.dispose()
