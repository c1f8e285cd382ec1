"""The shell of the site: sign-in, each role's home and navigation, errors, language."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLE_ENTRIES = {
    # persona: (entries the role must see, entries it must not)
    "clerk": (["Log a purchase", "Import from Excel", "Procurement ledger"], ["Dashboard"]),
    "approver": (["Procurement ledger", "Declarations and quarters"], ["Log a purchase"]),
    "district_officer": (["Dashboard", "Outlet registry", "Quota compliance"], ["Log a purchase"]),
    "city_officer": (["Dashboard", "Applications", "Quarterly reports"], ["Import from Excel"]),
    "supplier": (["My products and bases", "Applications"], ["Procurement ledger", "Dashboard"]),
    "reviewer": (["Applications", "Certificates"], ["Procurement ledger", "Outlet registry"]),
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_login_page_is_chinese_by_default(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="zh-hans"' in body
    assert "登录" in body
    assert "消费帮扶" in body


def test_sign_in_leads_to_the_role_home(client, clerk):
    response = client.post(
        reverse("login"), {"username": "unit_clerk", "password": "portal-demo"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reporting:home")
    assert "深圳市福田区教育局" in response.content.decode()


def test_wrong_password_is_refused_with_a_message(client, clerk):
    response = client.post(reverse("login"), {"username": "unit_clerk", "password": "nope"})
    assert response.status_code == 200
    assert "Check the username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("persona", sorted(ROLE_ENTRIES))
def test_each_role_sees_its_own_navigation(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    body = client.get(reverse("reporting:home")).content.decode()
    expected, forbidden = ROLE_ENTRIES[persona]
    nav = body[
        body.index('class="side-nav"') : body.index("</nav>", body.index('class="side-nav"'))
    ]
    for label in expected:
        assert label in nav, label
    for label in forbidden:
        assert label not in nav, label


def test_unit_home_shows_its_year_figures(client, clerk, unit_a, unit_b):
    import datetime
    from decimal import Decimal

    from portal.periods import today
    from procurement.models import QuotaPolicy
    from tests import factories as f

    year = today().year
    QuotaPolicy.objects.create(year=year, ratio=Decimal("0.350"))
    f.DeclarationFactory(budget_unit=unit_a, year=year, quarter=1, agri_total=Decimal("200000"))
    f.RecordFactory(
        budget_unit=unit_a, purchased_on=today().replace(month=1, day=5), amount=Decimal("65000")
    )
    f.RecordFactory(
        budget_unit=unit_b, purchased_on=today().replace(month=1, day=5), amount=Decimal("99999")
    )
    f.RecordFactory(  # rejected: not counted
        budget_unit=unit_a,
        purchased_on=today().replace(month=1, day=6),
        amount=Decimal("11100"),
        status="rejected",
    )
    f.RecordFactory(  # last year's: not this year's
        budget_unit=unit_a, purchased_on=datetime.date(year - 1, 12, 31), amount=Decimal("22200")
    )
    client.force_login(clerk)
    body = client.get(reverse("reporting:home")).content.decode()
    assert "6.50 万元" in body
    assert "20.00 万元" in body
    assert "32.5%" in body
    assert "Required: at least 35.0% of farm-products procurement" in body
    assert "10.00 万元" not in body  # unit B's purchase is not unit A's business
    assert "7.61 万元" not in body and "8.72 万元" not in body


@pytest.mark.parametrize("persona", sorted(ROLE_ENTRIES))
def test_home_runs_a_bounded_number_of_queries(
    client, request, persona, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("reporting:home")).status_code == 200


def test_anonymous_home_is_the_public_landing(client):
    response = client.get(reverse("reporting:home"))
    assert response.status_code == 200
    assert reverse("products:catalogue") in response.content.decode()


def test_member_pages_send_anonymous_users_to_sign_in(client):
    response = client.get(reverse("procurement:ledger"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_page_of_another_role_is_forbidden_with_the_error_page(client, supplier):
    client.force_login(supplier)
    response = client.get(reverse("procurement:record_create"))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_public_pages_need_no_sign_in(client):
    assert client.get(reverse("products:catalogue")).status_code == 200
    assert client.get(reverse("outlets:finder")).status_code == 200


def test_unknown_page_shows_the_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_language_switch_is_remembered(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("login")).content.decode().count("Sign in") >= 1
    assert 'lang="en"' in client.get(reverse("login")).content.decode()


def test_traditional_chinese_is_offered_on_every_page_and_remembered(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(reverse("login")).content.decode()
    assert '<option value="zh-hant">繁體中文</option>' in page  # the switch, in its own script
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    for url in (reverse("login"), reverse("products:catalogue"), reverse("outlets:finder")):
        body = client.get(url).content.decode()
        assert 'lang="zh-hant"' in body
        assert "消費幫扶" in body and "消费帮扶" not in body


def test_a_hong_kong_browser_gets_traditional_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-HK,zh;q=0.8").content.decode()
    assert 'lang="zh-hant"' in body


def test_sign_out_needs_a_post_and_ends_the_session(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_healthz(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_server_error_page_renders_standalone():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "500" in html
    assert "系统" in html


def test_city_home_shows_progress_against_the_annual_target(client, city_officer, unit_a):
    from decimal import Decimal

    from portal.periods import today
    from procurement.models import AnnualTarget
    from tests import factories as f

    AnnualTarget.objects.create(year=today().year, amount=Decimal("1000000"))
    f.RecordFactory(
        budget_unit=unit_a, purchased_on=today().replace(month=1, day=5), amount=Decimal("250000")
    )
    client.force_login(city_officer)
    body = client.get(reverse("reporting:home")).content.decode()
    assert "100.00 万元" in body
    assert "25.0% reached" in body
