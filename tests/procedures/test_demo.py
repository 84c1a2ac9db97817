"""The demo seed loads the shipped sample once; a second seed changes nothing."""

from queue_server.procedures import demo
from queue_server.procedures.service import list_fields, search_procedures


def test_demo_seed_is_idempotent_and_maps_queues(db, centre):
    demo.seed(db)
    demo.seed(db)
    with db.reading() as s:
        assert list_fields(s)["total"] == 134
        item = search_procedures(s, "1.001193", centre_id=centre.id)["items"][0]
        assert item["service_code"] == "HOTICH" and item["service_id"] == centre.service_ids["HOTICH"]
        gplx = search_procedures(s, "GPLX", centre_id=centre.id)["items"][0]
        assert gplx["service_code"] is None and gplx["service_id"] is None  # no queue takes driving licences
