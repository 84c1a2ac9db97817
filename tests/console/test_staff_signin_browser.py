"""One staff sign-in per browser: the dashboard's Báo cáo opened in a new tab, and the console in
another tab, do not ask for the login again; Đăng xuất in one tab signs every tab out."""

import pytest

from tests.displays.browser import DEMO_PASSWORD

pytestmark = pytest.mark.slow


def test_reports_in_a_new_tab_and_the_console_share_the_dashboards_sign_in(demo_server, chromium):
    base = demo_server.base_url
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    dashboard = context.new_page()
    dashboard.goto(f"{base}/dashboard")
    dashboard.wait_for_selector("#username")
    dashboard.fill("#username", "admin")
    dashboard.fill("#password", DEMO_PASSWORD)
    dashboard.press("#password", "Enter")
    dashboard.wait_for_selector("#app:not([hidden])")

    # Ctrl+click: a new tab, which (unlike a same-tab link) gets no copy of the tab's sessionStorage.
    with context.expect_page() as opened:
        dashboard.click('a[href="/reports"]', modifiers=["Control"])
    reports = opened.value
    reports.wait_for_load_state()
    reports.wait_for_selector("#app:not([hidden])", timeout=20000)
    assert reports.is_hidden("#login-screen")

    console = context.new_page()
    console.goto(f"{base}/console")
    console.wait_for_selector("#choose-screen:not([hidden])", timeout=20000)  # straight to the counter choice
    assert console.is_hidden("#login-screen")

    # Signing out in one tab signs the browser out everywhere.
    reports.click("#logout")
    reports.wait_for_selector("#login-screen:not([hidden])")
    dashboard.wait_for_selector("#login-screen:not([hidden])", timeout=20000)
    console.wait_for_selector("#login-screen:not([hidden])", timeout=20000)
    context.close()
