"""What the boards show fits the screen: every counter and every service's count, landscape and portrait.

The demo centre with all ten counters open and serving, then with twelve services: each counter's
row and each service's waiting count must be on screen whole (inside the board, above the notice
bar, not cut, not on top of another), in a 1920×1080 and a 1080×1920 Chromium window.
"""

import pytest

from tests.displays.browser import HALL_TOKEN, DemoApi, screenshot, wait_text

pytestmark = pytest.mark.slow

LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}

# The box of every element a visitor must read, and whether its text is cut (wider or taller than its box).
_LAYOUT = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const items = (sel) => [...document.querySelectorAll(sel)].map((el) => ({
    key: el.dataset.counter || el.dataset.service || el.id, text: el.innerText, box: box(el),
    lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)),
    cut: [el, ...el.querySelectorAll('*')].some((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1),
  }));
  return {
    viewport: {w: innerWidth, h: innerHeight},
    side: box(document.getElementById('side')),
    notice: box(document.querySelector('.notice')),
    header: box(document.querySelector('header')),
    headerItems: items('header .centre, header .clock'),
    counters: items('#counters [data-counter]'),
    services: items('#waiting [data-service]'),
  };
}"""


def _inside(inner, outer, slack=1):
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def _overlap(a, b):
    return (
        a["x"] < b["x"] + b["w"] - 1
        and b["x"] < a["x"] + a["w"] - 1
        and a["y"] < b["y"] + b["h"] - 1
        and b["y"] < a["y"] + a["h"] - 1
    )


def _assert_everything_shows(layout, counters: int, services: int):
    assert len(layout["counters"]) == counters and len(layout["services"]) == services
    visible = {"x": 0, "y": 0, "w": layout["viewport"]["w"], "h": layout["notice"]["y"]}
    for item in layout["counters"] + layout["services"]:
        assert _inside(item["box"], layout["side"]) and _inside(item["box"], visible), item
        assert not item["cut"], item
    for group in (layout["counters"], layout["services"]):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                assert not _overlap(a["box"], b["box"]), (a, b)
    for item in layout["headerItems"]:  # the centre's name and the clock stay inside the header band
        assert _inside(item["box"], layout["header"]) and not item["cut"], item
    clock = next(i for i in layout["headerItems"] if i["key"] == "clock")
    assert clock["lines"] == 1, clock
    centre = next(i for i in layout["headerItems"] if i["key"] == "centre-name")
    assert centre["lines"] <= 2, centre  # the demo centre's name, on a landscape or a portrait TV


@pytest.fixture(scope="module")
def busy_centre(demo_server):
    """All ten demo counters open, each serving a ticket, and people waiting for every service."""
    api = DemoApi(demo_server.base_url)
    for code in api.services:
        api.issue(code, 3)
    for number, counter in sorted(api.counters.items()):
        assert api.post(f"/counters/{counter['id']}/open").status_code == 200
        api.call_next(number)
    return api


def _hall(browser, base_url, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(f"{base_url}/displays/hall?token={HALL_TOKEN}")
    page.wait_for_function("window.__board && document.body.dataset.online === '1'", timeout=30000)
    page.wait_for_function("document.querySelectorAll('#waiting [data-service]').length > 0")
    page.evaluate("document.fonts.ready")
    return page


@pytest.mark.parametrize("viewport,name", [(LANDSCAPE, "hall-board.png"), (PORTRAIT, "hall-board-portrait.png")])
def test_hall_board_shows_every_counter_and_every_service(
    demo_server, busy_centre, chromium, artifacts_dir, viewport, name
):
    page = _hall(chromium, demo_server.base_url, viewport)
    page.wait_for_function("document.querySelectorAll('#counters [data-counter]').length === 10")
    _assert_everything_shows(page.evaluate(_LAYOUT), counters=10, services=8)
    screenshot(page, artifacts_dir, name, publish=True)
    page.close()


def test_hall_board_fits_twelve_services(demo_server, busy_centre, chromium, artifacts_dir):
    api = busy_centre
    centre_id = next(iter(api.services.values()))["centre_id"]
    extra = [
        ("TAICHINH", "Tài chính - Kế hoạch", "L"),
        ("GIAOTHONG", "Giao thông vận tải - Cấp đổi giấy phép lái xe", "M"),
        ("NONGNGHIEP", "Nông nghiệp và Phát triển nông thôn", "N"),
        ("TUPHAP", "Tư pháp - Quốc tịch, nuôi con nuôi có yếu tố nước ngoài", "P"),
    ]
    for i, (code, name, prefix) in enumerate(extra):
        r = api.post(
            "/services", {"centre_id": centre_id, "code": code, "name": name, "prefix": prefix, "sort_order": 20 + i}
        )
        assert r.status_code == 201, r.text
    for viewport, shot in (
        (LANDSCAPE, "hall-board-12-services.png"),
        (PORTRAIT, "hall-board-12-services-portrait.png"),
    ):
        page = _hall(chromium, demo_server.base_url, viewport)
        page.wait_for_function("document.querySelectorAll('#waiting [data-service]').length === 12")
        _assert_everything_shows(page.evaluate(_LAYOUT), counters=10, services=12)
        screenshot(page, artifacts_dir, shot)
        page.close()


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_counter_board_names_the_counter_once(demo_server, busy_centre, chromium, artifacts_dir, viewport):
    page = chromium.new_page(viewport=viewport)
    page.goto(f"{demo_server.base_url}/displays/counter/1?token=mdv_demo-counter-display-1")
    page.wait_for_function("window.__board && document.body.dataset.online === '1'", timeout=30000)
    wait_text(page, "#counter-name", "Hộ tịch")
    assert page.inner_text("#counter-number") == "QUẦY 1"
    assert page.inner_text("#counter-name") == "Hộ tịch"  # not "Quầy 1 - Hộ tịch" under "QUẦY 1"
    assert page.inner_text("main").upper().count("QUẦY 1") == 1
    serving = page.evaluate(
        "(() => { const e = document.getElementById('serving'); const r = e.getBoundingClientRect();"
        " return {cut: e.scrollWidth > e.clientWidth + 1, left: r.left, right: r.right, w: innerWidth}; })()"
    )
    assert not serving["cut"] and serving["left"] >= 0 and serving["right"] <= serving["w"], serving
    if viewport is LANDSCAPE:
        screenshot(page, artifacts_dir, "counter-board.png", publish=True)
    else:
        screenshot(page, artifacts_dir, "counter-board-portrait.png", publish=True)
    page.close()
