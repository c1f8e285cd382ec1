"""Steps every browser journey takes: signing a demo persona in and out through the pages."""

DEMO_PASSWORD = "portal-demo"  # the demo personas' published password (api.md)


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def sign_out(page) -> None:
    page.locator("header form button[type=submit]").click()
    page.wait_for_load_state()
