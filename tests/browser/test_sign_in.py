import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unit_clerk_signs_in_and_sees_its_home(live_server, page, clerk):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "unit_clerk")
    page.fill("#id_password", "portal-demo")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "深圳市福田区教育局" in page.get_by_test_id("home-title").inner_text()
    assert "unit_clerk" in page.get_by_test_id("who").inner_text()
    # The clerk's own entries are in the left navigation, an office's are not.
    nav = page.locator("nav.side-nav")
    assert nav.locator("a[href='/procurement/records/new/']").count() == 1
    assert nav.locator("a[href='/statistics/dashboard/']").count() == 0


def test_wrong_password_stays_on_the_sign_in_page(live_server, page, clerk):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "unit_clerk")
    page.fill("#id_password", "wrong-password")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("#login-error")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
