"""Helpers for the browser tests of boards and console: Debian's Chromium driven by Playwright,
a real server from tests/server_process.py, and the demo centre's logins."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.screenshots import publish as publish_screenshot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
DEMO_PASSWORD = "motcua-demo"
HALL_TOKEN = "mdv_demo-hall-display"


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class DemoApi:
    """The demo centre through its HTTP API, as the test's own hands."""

    def __init__(self, base_url: str, username: str = "admin"):
        self.base = base_url
        r = httpx.post(f"{base_url}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
        r.raise_for_status()
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        self.counters = {c["number"]: c for c in self.get("/counters")}
        self.services = {s["code"]: s for s in self.get("/services")}

    def get(self, path: str):
        r = httpx.get(self.base + "/api/v1" + path, headers=self.headers)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, json=None) -> httpx.Response:
        return httpx.post(self.base + "/api/v1" + path, headers=self.headers, json=json)

    def patch(self, path: str, json) -> httpx.Response:
        return httpx.patch(self.base + "/api/v1" + path, headers=self.headers, json=json)

    def put(self, path: str, json) -> httpx.Response:
        return httpx.put(self.base + "/api/v1" + path, headers=self.headers, json=json)

    def issue(self, code: str = "HOTICH", n: int = 1) -> list[dict]:
        out = []
        for _ in range(n):
            r = self.post("/tickets", {"service_id": self.services[code]["id"]})
            assert r.status_code == 201, r.text
            out.append(r.json())
        return out

    def call_next(self, counter_number: int) -> dict:
        r = self.post(f"/counters/{self.counters[counter_number]['id']}/call-next")
        assert r.status_code == 200, r.text
        return r.json()


def open_board(browser, base_url: str, path: str, token: str):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{base_url}{path}?token={token}")
    page.wait_for_function("window.__board && document.body.dataset.online === '1'", timeout=30000)
    return page


def open_console(browser, base_url: str, username: str, counter_number: int):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base_url}/console")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_selector("#counter-input")
    page.fill("#counter-input", str(counter_number))
    page.press("#counter-input", "Enter")
    page.wait_for_selector("#desk-screen:not([hidden])")
    page.wait_for_function(
        "document.getElementById('offline').hidden && window.__console.stream && window.__console.stream.online"
    )
    return page


def screenshot(page, artifacts_dir: Path, name: str, publish: bool = False) -> Path:
    path = artifacts_dir / name
    page.screenshot(path=str(path))
    if publish:
        publish_screenshot(path, name)
    return path


def wait_text(page, selector: str, text: str, timeout: float = 20.0) -> None:
    """Wait until the element's text contains `text` (clearer failure than a bare timeout)."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        seen = page.inner_text(selector)
        if text in seen:
            return
        time.sleep(0.05)
    raise AssertionError(f"{selector}: expected {text!r}, saw {seen!r}")


# -- fixtures (registered for every test by `pytest_plugins` in tests/conftest.py) --
import pytest  # noqa: E402


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from tests.server_process import running_server

    with running_server(tmp_path_factory.mktemp("server")) as server:
        yield server


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()
