"""Annual targets: the city office sets the year's city, district and paired-county targets in
one form; amounts parse as offices type them; the districts' sum is checked (a warning); the
district offices are told and read their own."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import DistrictPairing, Notification
from procurement.models import AnnualTarget
from reporting.forms_bulletins import TargetAmountField
from reporting.targets import annual_targets_set, target_for_user, target_sheet
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = reverse("reporting:targets")
FUTIAN_COUNTIES = ["451022", "653101"]  # 百色市田东县, 喀什市 (portal/data/pairings.csv)


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    import datetime

    monkeypatch.setattr("reporting.views.bulletins.today", lambda: datetime.date(2026, 11, 23))


def target(year=2026, amount="1000000", **scope):
    return AnnualTarget.objects.create(year=year, amount=D(amount), **scope)


# Parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("1,234.5", D("1234.5")),
        ("1234.50", D("1234.50")),
        ("¥1 234.50元", D("1234.50")),
        ("110亿", D("11000000000")),
        ("1.1 亿元", D("110000000")),
        ("12,000万", D("120000000")),
        ("3.5万元", D("35000")),
        ("", None),
    ],
)
def test_amounts_are_read_in_yuan_or_with_wan_or_yi(typed, yuan):
    assert TargetAmountField(required=False).clean(typed) == yuan


@pytest.mark.parametrize("typed", ["abc", "-5", "1.2.3", "5千", "亿"])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(ValidationError):
        TargetAmountField(required=False).clean(typed)


# The service ----------------------------------------------------------------------------------


def test_the_city_office_sets_the_year_and_district_offices_are_told(
    city_officer, district_officer
):
    saved = annual_targets_set(
        actor=city_officer,
        year=2026,
        city=D("11000000000"),
        districts={"440304": D("1500000000"), "440305": D("1200000000")},
        regions={"451022": D("200000000")},
    )
    assert len(saved.changes) == 4
    assert AnnualTarget.objects.get(
        year=2026, district__isnull=True, region__isnull=True
    ).amount == D("11000000000")
    assert AnnualTarget.objects.get(year=2026, region_id="451022").amount == D("200000000")
    # The districts do not add up to the city: saved, with a warning.
    assert saved.warnings and "¥2,700,000,000.00" in saved.warnings[0]
    # 福田's office hears of its own target and its paired county's; nobody else is told.
    (note,) = Notification.objects.all()
    assert note.recipient == district_officer
    assert "¥1,500,000,000.00" in note.body and "¥200,000,000.00" in note.body


def test_unchanged_amounts_change_nothing_and_a_blank_removes(city_officer, district_officer):
    target(district=f.region("440304"), amount="500")
    target(amount="500")
    saved = annual_targets_set(
        actor=city_officer,
        year=2026,
        city=D("500"),
        districts={"440304": None},
        regions={},
    )
    assert [c.label for c in saved.changes] == ["福田区"]
    assert not AnnualTarget.objects.filter(district_id="440304").exists()
    assert saved.warnings == []
    assert "removed" in Notification.objects.get().body


def test_targets_add_up_without_a_warning(city_officer):
    saved = annual_targets_set(
        actor=city_officer,
        year=2026,
        city=D("300"),
        districts={"440304": D("100"), "440305": D("200")},
        regions={},
    )
    assert saved.warnings == []


@pytest.mark.parametrize("amount", [D("0"), D("-1"), D("0.001"), D("1000000000000")])
def test_a_target_must_be_a_positive_amount_in_fen(city_officer, amount):
    with pytest.raises(ValidationError) as refusal:
        annual_targets_set(
            actor=city_officer, year=2026, city=None, districts={"440304": amount}, regions={}
        )
    assert "district_440304" in refusal.value.message_dict
    assert not AnnualTarget.objects.exists()


def test_unknown_districts_and_unpaired_counties_are_refused(city_officer):
    with pytest.raises(ValidationError) as refusal:
        annual_targets_set(
            actor=city_officer,
            year=2026,
            city=None,
            districts={"110101": D("1")},
            regions={"440304": D("1")},
        )
    assert set(refusal.value.message_dict) == {"district_110101", "region_440304"}


@pytest.mark.parametrize("persona", ["district_officer", "clerk", "reviewer"])
def test_only_the_city_office_sets_targets(request, persona):
    with pytest.raises(PermissionDenied):
        annual_targets_set(
            actor=request.getfixturevalue(persona),
            year=2026,
            city=D("1"),
            districts={},
            regions={},
        )


def test_a_district_office_reads_its_own_targets_and_its_counties(
    city_officer, district_officer, clerk
):
    own = target(district=f.region("440304"))
    target(district=f.region("440305"))
    county = target(region=f.region(FUTIAN_COUNTIES[0]))
    target(region=f.region("451003"))  # 南山's county
    target()  # the city's
    assert set(target_for_user(district_officer)) == {own, county}
    assert target_for_user(city_officer).count() == 5
    assert not target_for_user(clerk).exists()
    sheet = target_sheet(user=district_officer, year=2026)
    assert [line.code for line in sheet.districts] == ["440304"]
    assert [line.code for line in sheet.regions] == FUTIAN_COUNTIES


# The page -------------------------------------------------------------------------------------


def test_the_city_office_saves_the_form_with_units_and_sees_the_sum_warning(
    client, city_officer, district_officer
):
    client.force_login(city_officer)
    page = client.get(PAGE, {"year": 2026})
    assert page.status_code == 200
    form = page.context["form"]
    regions = DistrictPairing.objects.values("region_id").distinct().count()
    assert len(form.fields) == 1 + 9 + regions
    response = client.post(
        PAGE,
        {"year": "2026", "city": "110亿", "district_440304": "15亿", "district_440305": "12,000万"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{PAGE}?year=2026"
    assert AnnualTarget.objects.get(district_id="440305").amount == D("120000000")
    body = response.content.decode()
    assert 'data-testid="sum-warning"' in body
    assert "110.00 亿元" in body


def test_the_form_shows_what_does_not_parse_and_saves_nothing(client, city_officer):
    client.force_login(city_officer)
    response = client.post(PAGE, {"year": "2026", "city": "十亿", "district_440304": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["city"]
    assert not AnnualTarget.objects.exists()
    response = client.post(PAGE, {"year": "2026", "district_440304": "0"})
    assert "positive" in response.context["form"].errors["district_440304"][0]
    assert 'data-testid="error-summary"' in response.content.decode()


def test_a_district_office_reads_the_page_but_cannot_post(client, district_officer):
    target(district=f.region("440304"), amount="150000000")
    client.force_login(district_officer)
    page = client.get(PAGE, {"year": 2026})
    assert page.status_code == 200 and page.context["form"] is None
    assert "1.50 亿元" in page.content.decode()
    assert client.post(PAGE, {"year": "2026", "district_440304": "1"}).status_code == 403
    assert AnnualTarget.objects.get().amount == D("150000000")


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_others_may_not_open_the_targets(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403


def test_the_page_costs_the_same_queries_with_every_target_set(
    client, city_officer, django_assert_max_num_queries
):
    client.force_login(city_officer)
    with django_assert_max_num_queries(9):
        client.get(PAGE, {"year": 2026})
    for year in (2025, 2026):
        target(year=year)
        for district in f.region("440300").children.all():
            target(year=year, district=district)
        for pairing in DistrictPairing.objects.all():
            target(year=year, region=pairing.region)
    with django_assert_max_num_queries(9):
        response = client.get(PAGE, {"year": 2026})
    assert response.context["sheet"].mismatch is not None
