"""The offices' registry pages: the list with its counts and export, register and edit,
the outlet's page with photos and inspections, and the status confirmation."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from outlets.models import Inspection, Outlet, OutletPhoto, OutletSalesReport, OutletStatusChange
from outlets.services.registry import CHECKLIST_CODES, outlet_photo_add
from portal.periods import today
from products.models import Product
from tests import factories as f

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n% a leaflet\n"
MANAGE = reverse("outlets:manage")
EXPORT = reverse("outlets:manage_export")
CREATE = reverse("outlets:outlet_create")


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def browser(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def detail(outlet) -> str:
    return reverse("outlets:outlet_detail", args=[outlet.pk])


def outlet_form(**changes) -> dict:
    values = {
        "kind": "zone",
        "name": "华润万家（福田店）消费帮扶专区",
        "district": f.FUTIAN,
        "address": "深圳市福田区福华路1号",
        "venue": "supermarket",
        "opened_on": "2026-01-05",
        "floor_area": "1,200.5",
        "latitude": "22.543096",
        "longitude": "114.057865",
    }
    values.update(changes)
    return values


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_the_registry_is_the_offices(browser, request, persona):
    client = browser(request.getfixturevalue(persona))
    assert client.get(MANAGE).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_another_districts_outlet_is_not_found_by_a_district_office(browser, district_officer):
    theirs = f.OutletFactory(district=f.region(f.NANSHAN))
    client = browser(district_officer)
    for url in (
        detail(theirs),
        reverse("outlets:outlet_edit", args=[theirs.pk]),
        reverse("outlets:inspection_create", args=[theirs.pk]),
        reverse("outlets:outlet_status", args=[theirs.pk, "suspended"]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("outlets:outlet_status", args=[theirs.pk, "suspended"]), {"reason": "price"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == Outlet.Status.ACTIVE


def test_the_district_office_lists_only_its_district(browser, district_officer):
    mine = f.OutletFactory(name="福田的专柜", district=f.region(f.FUTIAN))
    f.OutletFactory(name="南山的专柜", district=f.region(f.NANSHAN))
    page = browser(district_officer).get(MANAGE)
    body = page.content.decode()
    assert mine.name in body and "南山的专柜" not in body
    assert 'name="district"' not in body  # no district filter for a district office
    assert body.count('data-testid="outlet-row"') == 1


# --- the list -------------------------------------------------------------------------------


def test_filters_counts_totals_and_empty_state(browser, city_officer):
    this_year = today().year
    f.OutletFactory(name="福田专柜", kind="counter", opened_on=datetime.date(this_year, 1, 2))
    f.OutletFactory(
        name="南山专区",
        kind="zone",
        district=f.region(f.NANSHAN),
        venue="supermarket",
        opened_on=datetime.date(2020, 1, 1),
    )
    f.OutletFactory(
        name="旧专站",
        kind="station",
        status="exited",
        opened_on=datetime.date(2019, 1, 1),
        exited_on=datetime.date(2021, 1, 1),
    )
    client = browser(city_officer)
    page = client.get(MANAGE)
    body = page.content.decode()
    assert body.count('data-testid="outlet-row"') == 3
    counts = page.context["counts"]
    assert counts.total == 2  # the station exited in 2021
    assert page.context["totals"] == {"total": 3, "active": 2, "suspended": 0, "exited": 1}
    assert page.context["counts"].by_district == {f.FUTIAN: 1, f.NANSHAN: 1}
    page = client.get(MANAGE, {"year": 2020})
    assert page.context["counts"].total == 2  # the station was open in 2020; 福田专柜 was not
    page = client.get(MANAGE, {"district": f.NANSHAN})
    assert [o.name for o in page.context["page"].object_list] == ["南山专区"]
    page = client.get(MANAGE, {"venue": "supermarket", "kind": "zone"})
    assert [o.name for o in page.context["page"].object_list] == ["南山专区"]
    page = client.get(MANAGE, {"status": "exited"})
    assert [o.name for o in page.context["page"].object_list] == ["旧专站"]
    page = client.get(MANAGE, {"q": "不存在"})
    assert 'data-testid="empty-state"' in page.content.decode()
    assert "No outlet matches these filters." in page.content.decode()


def test_search_covers_name_address_and_operator(browser, city_officer, supplier_org):
    f.OutletFactory(name="甲", address="深圳市福田区华强北路8号")
    f.OutletFactory(name="乙", operator=supplier_org)
    f.OutletFactory(name="丙")
    client = browser(city_officer)
    assert [o.name for o in client.get(MANAGE, {"q": "华强北"}).context["page"].object_list] == [
        "甲"
    ]
    found = client.get(MANAGE, {"q": supplier_org.name[:6]}).context["page"].object_list
    assert [o.name for o in found] == ["乙"]


def test_empty_registry_says_what_to_do(browser, district_officer):
    body = browser(district_officer).get(MANAGE).content.decode()
    assert "No outlet is registered yet" in body
    assert 'data-testid="outlet-create"' in body


def test_the_export_holds_exactly_the_filtered_rows(browser, city_officer, supplier_org):
    f.OutletFactory(name="福田专柜", kind="counter", operator=supplier_org)
    f.OutletFactory(name="福田专区", kind="zone")
    f.OutletFactory(name="南山专柜", kind="counter", district=f.region(f.NANSHAN))
    f.OutletFactory(
        name="别处专柜", kind="counter", status="exited", exited_on=datetime.date(2025, 1, 1)
    )
    response = browser(city_officer).get(EXPORT, {"kind": "counter", "status": "active"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:4] == ("序号", "名称", "类型", "所在区")
    names = [row[1] for row in rows[2:]]
    assert names == ["福田专柜", "南山专柜"]
    assert rows[2][2] == "专柜" and rows[2][6] == supplier_org.name and rows[2][12] == "在营"


def test_a_district_office_exports_only_its_district(browser, district_officer):
    f.OutletFactory(name="福田专柜")
    f.OutletFactory(name="南山专柜", district=f.region(f.NANSHAN))
    response = browser(district_officer).get(EXPORT)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [row[1] for row in list(book.active.iter_rows(values_only=True))[2:]] == ["福田专柜"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_bounded_number_of_queries(
    browser, city_officer, supplier_org, size, django_assert_max_num_queries
):
    product = f.ProductFactory()
    for n in range(size):
        outlet = f.OutletFactory(name=f"专柜{n}", operator=supplier_org if n % 2 else None)
        outlet.products.add(product)
    client = browser(city_officer)
    with django_assert_max_num_queries(9):
        page = client.get(MANAGE)
    assert page.status_code == 200
    assert page.context["page"].paginator.count == size


# --- register and edit ----------------------------------------------------------------------


def test_district_office_registers_an_outlet(browser, district_officer, supplier_org):
    product = f.ProductFactory(supplier=supplier_org)
    client = browser(district_officer)
    form = client.get(CREATE)
    body = form.content.decode()
    assert 'data-testid="save-outlet"' in body
    district_options = form.context["form"].fields["district"].queryset
    assert list(district_options.values_list("pk", flat=True)) == [f.FUTIAN]
    response = client.post(
        CREATE, outlet_form(operator=supplier_org.pk, products=[product.pk]), follow=True
    )
    outlet = Outlet.objects.get()
    assert response.redirect_chain[-1][0] == detail(outlet)
    assert outlet.floor_area == Decimal("1200.5")
    assert outlet.operator_id == supplier_org.pk
    assert list(outlet.products.all()) == [product]


def test_a_district_office_cannot_register_in_another_district(browser, district_officer):
    page = browser(district_officer).post(CREATE, outlet_form(district=f.NANSHAN))
    assert page.status_code == 200  # not a choice it is offered: refused on the form
    assert "Select a valid choice" in page.content.decode()
    assert not Outlet.objects.exists()


def test_errors_are_shown_and_nothing_saved(browser, city_officer):
    f.OutletFactory(name="华润万家（福田店）消费帮扶专区")
    page = browser(city_officer).post(CREATE, outlet_form(opened_on="2999-01-01", longitude=""))
    body = page.content.decode()
    assert "Nothing was saved" in body
    assert "already has an outlet named" in body
    assert "may not be in the future" in body
    assert "Give both the latitude and the longitude" in body
    assert Outlet.objects.count() == 1


def test_editing_keeps_products_and_refuses_unlisted_ones(browser, district_officer):
    outlet = f.OutletFactory(name="福田专柜")
    listed = f.ProductFactory()
    client = browser(district_officer)
    url = reverse("outlets:outlet_edit", args=[outlet.pk])
    assert client.get(url).context["form"].initial["name"] == "福田专柜"
    response = client.post(url, outlet_form(name="福田专柜（新）", products=[listed.pk]))
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert outlet.name == "福田专柜（新）"
    assert list(outlet.products.all()) == [listed]
    suspended = f.ProductFactory(status=Product.Status.SUSPENDED)
    page = client.post(url, outlet_form(products=[listed.pk, suspended.pk]))
    assert page.status_code == 200  # not offered: a suspended product is not a choice


def test_an_exited_outlet_is_not_edited(browser, district_officer):
    outlet = f.OutletFactory(status="exited", exited_on=datetime.date(2025, 1, 1))
    response = browser(district_officer).get(reverse("outlets:outlet_edit", args=[outlet.pk]))
    assert response.status_code == 302 and response.url == detail(outlet)


# --- the outlet's page ----------------------------------------------------------------------


def test_the_outlets_page_shows_facts_sales_inspections_and_history(
    browser, district_officer, supplier_org
):
    outlet = f.OutletFactory(name="福田专柜", operator=supplier_org)
    outlet.products.add(f.ProductFactory(name="百色芒果"))
    now = today()
    OutletSalesReport.objects.create(outlet=outlet, year=now.year, month=now.month, amount=1234.5)
    Inspection.objects.create(
        outlet=outlet,
        inspected_on=now,
        inspector_name="李明",
        checklist=dict.fromkeys(CHECKLIST_CODES, "passed"),
    )
    page = browser(district_officer).get(detail(outlet))
    body = page.content.decode()
    assert "百色芒果" in body and supplier_org.name in body
    assert "¥1,234.50" in body
    assert "李明" in body
    assert 'data-testid="outlet-status-suspended"' in body
    assert 'data-testid="outlet-status-exited"' in body
    assert 'data-testid="outlet-status-active"' not in body
    assert len(page.context["months"]) == 12


@pytest.mark.parametrize("size", [3, 30])
def test_the_outlets_page_runs_a_bounded_number_of_queries(
    browser, district_officer, size, django_assert_max_num_queries
):
    outlet = f.OutletFactory()
    for n in range(size):
        outlet.products.add(f.ProductFactory())
        OutletSalesReport.objects.create(outlet=outlet, year=2000 + n, month=1, amount=10)
        inspection = Inspection.objects.create(
            outlet=outlet, inspected_on=datetime.date(2020, 1, 1), inspector_name=f"巡查员{n}"
        )
        inspection.photos.create(
            original_name=f"{n}.jpg", content_type="image/jpeg", size=1, sha256="0" * 64
        )
        OutletStatusChange.objects.create(
            outlet=outlet,
            from_status="active",
            to_status="suspended",
            reason="price",
            changed_by=district_officer,
            changed_at="2026-01-01T00:00:00+08:00",
        )
    client = browser(district_officer)
    with django_assert_max_num_queries(11):
        assert client.get(detail(outlet)).status_code == 200


def test_photos_upload_checked_and_served_through_a_scoped_view(
    browser, client, district_officer, city_officer
):
    outlet = f.OutletFactory()
    office = browser(district_officer)
    url = reverse("outlets:outlet_photo_add", args=[outlet.pk])
    page = office.post(url, {"file": SimpleUploadedFile("leaflet.jpg", PDF)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "not a JPEG or PNG" in html
    # The refusal is summed up at the top with a link to the file field, which it describes.
    summary = html[html.index('data-testid="error-summary"') :]
    assert 'href="#id_file"' in summary[: summary.index("</div>")]
    [file_input] = re.findall(r'<input[^>]*id="id_file"[^>]*>', html)
    assert 'aria-invalid="true"' in file_input and "id_file_error" in file_input
    response = office.post(url, {"file": SimpleUploadedFile("shop.jpg", JPEG), "caption": "门头"})
    assert response.status_code == 302
    photo = OutletPhoto.objects.get()
    office.logout()
    public = client.get(reverse("outlets:outlet_photo", args=[photo.pk]))
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"
    Outlet.objects.filter(pk=outlet.pk).update(status="suspended")
    assert client.get(reverse("outlets:outlet_photo", args=[photo.pk])).status_code == 404
    client.force_login(city_officer)
    assert client.get(reverse("outlets:outlet_photo", args=[photo.pk])).status_code == 200


def test_a_photo_is_removed_after_confirmation(browser, district_officer):
    outlet = f.OutletFactory()
    photo = outlet_photo_add(
        actor=district_officer, outlet=outlet, file=SimpleUploadedFile("a.jpg", JPEG)
    )
    client = browser(district_officer)
    url = reverse("outlets:outlet_photo_remove", args=[photo.pk])
    assert "Remove the photo" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not OutletPhoto.objects.exists()


# --- inspections ----------------------------------------------------------------------------


def inspection_form(**changes) -> dict:
    values = {
        "inspected_on": today().isoformat(),
        "inspector_name": "李明",
        "result": "passed",
        "findings": "",
        **{f"check_{code}": "passed" for code in CHECKLIST_CODES},
    }
    values.update(changes)
    return values


def test_an_inspection_is_recorded_from_its_form(browser, district_officer):
    outlet = f.OutletFactory()
    client = browser(district_officer)
    url = reverse("outlets:inspection_create", args=[outlet.pk])
    assert client.get(url).status_code == 200
    page = client.post(url, inspection_form(check_prices="failed"))
    body = page.content.decode()
    assert "cannot pass" in body and "Say what failed" in body
    response = client.post(
        url,
        {
            **inspection_form(check_prices="failed", result="rectify", findings="未明码标价"),
            "photos": [SimpleUploadedFile("shelf.jpg", JPEG)],
        },
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.checklist["prices"] == "failed"
    photo = inspection.photos.get()
    assert client.get(reverse("outlets:inspection_photo", args=[photo.pk])).status_code == 200


def test_inspection_photos_are_the_offices(client, district_officer, supplier):
    outlet = f.OutletFactory()
    inspection = Inspection.objects.create(
        outlet=outlet, inspected_on=datetime.date(2026, 1, 1), inspector_name="李明"
    )
    photo = inspection.photos.create(
        original_name="a.jpg", content_type="image/jpeg", size=1, sha256="0" * 64
    )
    client.force_login(supplier)
    assert client.get(reverse("outlets:inspection_photo", args=[photo.pk])).status_code == 403


# --- status ---------------------------------------------------------------------------------


def test_suspend_reinstate_and_exit_through_the_confirmation_page(
    browser, district_officer, client
):
    outlet = f.OutletFactory(name="福田专柜")
    office = browser(district_officer)
    url = reverse("outlets:outlet_status", args=[outlet.pk, "suspended"])
    page = office.get(url)
    assert 'data-testid="confirm"' in page.content.decode()
    page = office.post(url, {"reason": "other", "note": ""})
    assert "when you choose “Other”" in page.content.decode()
    assert office.post(url, {"reason": "quality", "note": "抽检不合格"}).status_code == 302
    outlet.refresh_from_db()
    assert outlet.status == "suspended"
    body = office.get(detail(outlet)).content.decode()
    assert 'data-testid="outlet-status-active"' in body and "抽检不合格" in body
    again = office.post(url, {"reason": "quality"})
    assert "already “Suspended”" in again.content.decode()
    office.post(
        reverse("outlets:outlet_status", args=[outlet.pk, "exited"]), {"reason": "no_effect"}
    )
    outlet.refresh_from_db()
    assert outlet.status == "exited" and outlet.exited_on == today()
    body = office.get(detail(outlet)).content.decode()
    assert 'data-testid="outlet-status-' not in body
    assert OutletStatusChange.objects.filter(outlet=outlet).count() == 2


def test_an_unknown_status_is_not_found(browser, district_officer):
    outlet = f.OutletFactory()
    url = reverse("outlets:outlet_status", args=[outlet.pk, "closed"])
    assert browser(district_officer).get(url).status_code == 404
