"""The landing page at / and the API documentation at /docs, whole without the Internet."""

import re

import pytest

from tests.displays.browser import screenshot

PAGES = ["/console", "/dashboard", "/reports", "/admin", "/displays/hall", "/displays/counter/1", "/l", "/docs"]


def test_landing_page_links_every_page(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    links = re.findall(r'href="(/[^"]*)"', r.text)
    for path in PAGES:
        assert path in links, path
        assert client.get(path).status_code == 200, path


def test_docs_need_nothing_from_outside(client):
    html = client.get("/docs").text
    assert "SwaggerUIBundle" in html
    assert re.findall(r"https?://", html) == []
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html) + re.findall(r"url: '(/[^']+)'", html):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404  # it would load from a CDN: not offered


@pytest.mark.slow
def test_docs_render_in_a_browser_cut_off_from_the_internet(demo_server, chromium, artifacts_dir):
    base = demo_server.base_url
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{base}/")
    page.click("#link-docs")
    page.wait_for_selector('[data-path="/api/v1/tickets"]', timeout=30000)
    assert page.locator(".opblock").count() > 50
    screenshot(page, artifacts_dir, "api-docs.png")
    assert outside == []
    page.close()
