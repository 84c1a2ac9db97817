import pytest

from tests.dossiers import helpers

APPLICANT = {
    "full_name": "Nguyễn Văn Ánh",
    "phone": "0912 345 678",
    "address": "Số 5, đường Lê Lợi, phường Phú Cường",
    "email": "anh.nguyen@example.vn",
    "id_number": "074201000123",
}


@pytest.fixture
def catalogue(db):
    helpers.add_catalogue(db)


@pytest.fixture
def new_dossier(client, centre, catalogue):
    """POST a dossier as clerk1 and return the response body."""

    def make(**extra):
        body = {
            "agency_id": centre.agency_ids[0],
            "procedure_code": "1.001193",
            "applicant": dict(APPLICANT),
            "documents": [{"name": "Tờ khai đăng ký khai sinh", "copies": 1}, {"name": "Giấy chứng sinh", "copies": 1}],
            "content": "Đăng ký khai sinh cho con",
            "fee_text": "Miễn lệ phí",
            "department": "Phòng Hành chính tư pháp",
        }
        body.update(extra)
        r = client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1"))
        assert r.status_code == 201, r.text
        return r.json()

    return make
