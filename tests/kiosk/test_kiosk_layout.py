"""The kiosk's layout holds long Vietnamese names, and its keyboard types Vietnamese by touch alone."""

from __future__ import annotations

import pytest

from tests.displays.browser import DemoApi
from tests.keyboard_taps import key_taps

pytestmark = pytest.mark.slow

# 120 characters, as long as real procedure-based queue names get.
LONG_NAME = (
    "Cấp, cấp lại, cấp đổi, điều chỉnh giấy chứng nhận quyền sử dụng đất, "
    "quyền sở hữu nhà ở và tài sản khác gắn liền với đất"
)


def _top(box):  # Kivy's y grows upwards
    return box[1] + box[3]


def _inside(inner, outer, slack=1.0):
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[0] + inner[2] <= outer[0] + outer[2] + slack
        and _top(inner) <= _top(outer) + slack
    )


def test_a_long_service_name_leaves_the_count_and_estimate_readable(server, kiosk_factory, artifacts_dir):
    assert len(LONG_NAME) == 120
    api = DemoApi(server.base_url)
    centre_id = next(iter(api.services.values()))["centre_id"]
    r = api.post(
        "/services", {"centre_id": centre_id, "code": "DATDAI2", "name": LONG_NAME, "prefix": "L", "sort_order": 1}
    )
    assert r.status_code == 201, r.text
    for _ in range(2):
        assert api.post("/tickets", {"service_id": r.json()["id"]}).status_code == 201
    kiosk = kiosk_factory(server.base_url)
    kiosk.tap("Lấy số thứ tự")
    kiosk.wait_for(LONG_NAME)  # the whole name, not cut short

    (name,) = kiosk.boxes(LONG_NAME)
    figures = [b for b in kiosk.boxes("Đang chờ:") + kiosk.boxes("Chờ khoảng") if b["widget"][0] == name["widget"][0]]
    count = next(b for b in figures if b["text"] == "Đang chờ: 2 người")
    estimate = next(b for b in figures if b["text"].startswith("Chờ khoảng"))
    # The name's text stays inside its own space, above the count, which stays above the estimate.
    assert _inside(name["ink"], name["widget"]), name
    assert name["ink"][1] >= _top(count["ink"]) - 1, (name, count)
    assert count["ink"][1] >= _top(estimate["ink"]) - 1, (count, estimate)
    for box in (count, estimate):
        assert _inside(box["ink"], box["widget"]), box
    kiosk.screenshot(artifacts_dir, "services-long-name", docs=True)


def test_vietnamese_is_typed_with_the_on_screen_keys_only(server, kiosk_factory, artifacts_dir):
    kiosk = kiosk_factory(server.base_url)
    kiosk.tap("Tra cứu thủ tục")
    for text in ("Đăng ký khai sinh", "hộ khẩu"):
        kiosk.tap("Xóa hết")
        for key in key_taps(text):
            kiosk.tap(key)
        kiosk.wait_for(text)
        assert text in kiosk.texts()  # the search box reads exactly that
        if text == "Đăng ký khai sinh":
            kiosk.wait_for(" thủ tục")  # and the search found procedures for it
            kiosk.screenshot(artifacts_dir, "keyboard", docs=True)
