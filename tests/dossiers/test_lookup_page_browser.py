"""The phone lookup page in a real Chromium: a status is coloured by what it means, and a late result says so.

Dossiers are put in each kind of state at fixed past dates; the lookup runs at a fixed "now" twelve
days after the appointment. What Chromium paints is read back: green for a result, blue for work in
progress, amber for waiting on the applicant, red for a dossier stopped without a result, and a red
"Quá hạn 12 ngày" mark on the one still being processed.
"""

from datetime import datetime

import pytest

from queue_server.timeutil import VN_TZ
from tests.dossiers import helpers
from tests.screenshots import publish

pytestmark = pytest.mark.slow

RECEIVED = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)  # a Monday; 1.001193 takes 3 working days
NOW = datetime(2026, 3, 17, 10, 0, tzinfo=VN_TZ)
# Chromium's computed background of the status badge for each meaning.
GREEN, BLUE, AMBER, RED = "rgb(232, 245, 233)", "rgb(227, 242, 253)", "rgb(255, 243, 224)", "rgb(255, 235, 238)"


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=VN_TZ)


@pytest.fixture
def dossiers(db, settings, catalogue, centre):
    """name → code of a dossier in that state."""
    made = {}

    def make(name, *steps):
        code = helpers.create_at(db, settings, RECEIVED, agency_id=centre.agency_ids[0])
        for to, when, reason, data in steps:
            helpers.step(db, settings, code, to, when, reason=reason, data=data)
        made[name] = code

    make("late", ("in_processing", _at(3), None, None))
    make(
        "returned",
        ("in_processing", _at(3), None, None),
        ("result_ready", _at(4), None, None),
        ("returned", _at(5), None, None),
    )
    make("ready", ("in_processing", _at(3), None, None), ("result_ready", _at(4), None, None))
    supplement = ("supplement_requested", _at(3), "Thiếu giấy tờ", {"items": ["Bản sao giấy chứng sinh"]})
    make("supplement", supplement)
    make("lapsed", supplement, ("lapsed", _at(16), "Quá thời hạn bổ sung hồ sơ", None))
    make("refused", ("refused", _at(3), "Không đủ điều kiện", None))
    return made


def _lookup_url(client, centre, code: str) -> str:
    r = client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    return r.json()["lookup_url"]


def _page_html(client, url: str) -> str:
    r = client.get("/l/" + url.rsplit("/", 1)[1])
    assert r.status_code == 200
    return r.text


def test_lookup_colours_follow_the_meaning_and_a_late_result_is_marked(
    client, centre, dossiers, chromium, artifacts_dir, clock
):
    # The receipt's link is printed at the desk on the day; the visitor opens it twelve days late
    # (by then the clerk's sign-in of that day has long expired).
    urls = {name: _lookup_url(client, centre, code) for name, code in dossiers.items()}
    clock.set(NOW)
    expected = {
        "late": (BLUE, "Đang xử lý", "Quá hạn 12 ngày so với ngày hẹn trả kết quả"),
        "returned": (GREEN, "Đã trả kết quả (hoàn thành)", None),
        "ready": (GREEN, "Đã có kết quả, chờ trả", None),
        # Asked for papers before its appointment: the clock stopped then (BP Đ.9 k.3 đ.b,
        # docs/dossier-clocks.md), so waiting on the citizen is never shown as the agency's delay.
        "supplement": (AMBER, "Chờ bổ sung, hoàn thiện hồ sơ", None),
        "lapsed": (RED, "Quá hạn bổ sung, hồ sơ không còn hiệu lực", None),
        "refused": (RED, "Từ chối giải quyết", None),
    }
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    for name, (colour, label, overdue) in expected.items():
        page.set_content(_page_html(client, urls[name]))
        badge = page.locator(".status")
        assert badge.inner_text() == label
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == colour, name
        marks = page.locator(".overdue")
        if overdue is None:
            assert marks.count() == 0, name
        else:
            assert marks.inner_text() == overdue
            assert marks.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(183, 28, 28)"
        if name in ("late", "lapsed"):
            path = artifacts_dir / f"lookup-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            publish(path, f"lookup-{name}.png")
    page.close()
