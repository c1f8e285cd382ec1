"""The registry's services: registering and editing outlets (district isolation, the "1+10"
centres, operators, products), photos, inspections and the status moves (动态退出)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from outlets.models import Inspection, Outlet, OutletPhoto, OutletStatusChange
from outlets.services import oversight
from outlets.services import registry as services
from outlets.services.registry import OutletData
from portal.errors import ApplicationError
from portal.models import Notification, Role
from products.models import Product, Supplier
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 20)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% a leaflet\n"
ALL_PASSED = dict.fromkeys(services.CHECKLIST_CODES, "passed")


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def data(**changes) -> OutletData:
    values = {
        "kind": Outlet.Kind.ZONE,
        "name": "华润万家（福田店）消费帮扶专区",
        "district": f.region(f.FUTIAN),
        "address": "深圳市福田区福华路1号",
        "venue": Outlet.Venue.SUPERMARKET,
        "opened_on": datetime.date(2026, 3, 1),
        "floor_area": Decimal("40.0"),
    }
    values.update(changes)
    return OutletData(**values)


def register(actor, **changes) -> Outlet:
    products = changes.pop("products", ())
    return services.outlet_register(
        actor=actor, data=data(**changes), products=products, as_of=TODAY
    )


def messages_of(error: ValidationError) -> dict:
    return error.value.message_dict


# --- register and edit ----------------------------------------------------------------------


def test_district_office_registers_in_its_district_and_the_outlet_starts_active(
    district_officer,
):
    outlet = register(district_officer)
    assert outlet.status == Outlet.Status.ACTIVE
    assert outlet.district_id == f.FUTIAN
    assert outlet.exited_on is None


def test_district_office_may_not_register_elsewhere(district_officer):
    with pytest.raises(PermissionDenied):
        register(district_officer, district=f.region(f.NANSHAN))
    assert not Outlet.objects.exists()


def test_city_office_registers_anywhere(city_officer):
    assert register(city_officer, district=f.region(f.NANSHAN)).district_id == f.NANSHAN


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_only_offices_register(request, persona):
    with pytest.raises(PermissionDenied):
        register(request.getfixturevalue(persona))


def test_district_office_may_not_move_an_outlet_out_of_its_district_nor_edit_anothers(
    district_officer,
):
    mine = f.OutletFactory(district=f.region(f.FUTIAN))
    theirs = f.OutletFactory(district=f.region(f.NANSHAN))
    with pytest.raises(PermissionDenied):
        services.outlet_update(
            actor=district_officer,
            outlet=mine,
            data=data(district=f.region(f.NANSHAN)),
            as_of=TODAY,
        )
    with pytest.raises(PermissionDenied):
        services.outlet_update(
            actor=district_officer,
            outlet=theirs,
            data=data(district=f.region(f.FUTIAN)),
            as_of=TODAY,
        )
    mine.refresh_from_db()
    assert mine.district_id == f.FUTIAN


def test_registration_rules_are_reported_by_field(district_officer):
    f.OutletFactory(name="华润万家（福田店）消费帮扶专区", district=f.region(f.FUTIAN))
    with pytest.raises(ValidationError) as error:
        register(
            district_officer,
            opened_on=TODAY + datetime.timedelta(days=1),
            floor_area=Decimal("0"),
            latitude=Decimal("22.5"),
        )
    fields = messages_of(error)
    assert "already has an outlet named" in fields["name"][0]
    assert "future" in fields["opened_on"][0]
    assert "more than 0" in fields["floor_area"][0]
    assert "both the latitude and the longitude" in fields["longitude"][0]


def test_a_district_outside_the_city_is_refused(city_officer):
    with pytest.raises(ValidationError) as error:
        register(city_officer, district=f.region(f.TIANYANG))
    assert "city's districts" in messages_of(error)["district"][0]


def test_operator_is_a_supplier_while_active_or_another_organisation(
    district_officer, supplier_org, unit_a
):
    assert register(district_officer, operator=supplier_org).operator_id == supplier_org.pk
    assert register(district_officer, name="另一个专区", operator=unit_a).operator_id == unit_a.pk
    pending = f.SupplierFactory(status=Supplier.Status.PENDING)
    with pytest.raises(ValidationError) as error:
        register(district_officer, name="第三个专区", operator=pending)
    assert "not an active supplier" in messages_of(error)["operator"][0]


def test_a_supplier_operator_suspended_since_does_not_block_editing(district_officer, supplier_org):
    outlet = register(district_officer, operator=supplier_org)
    Supplier.objects.filter(pk=supplier_org.pk).update(status=Supplier.Status.SUSPENDED)
    supplier_org.refresh_from_db()
    edited = services.outlet_update(
        actor=district_officer,
        outlet=outlet,
        data=data(operator=supplier_org, address="深圳市福田区福华路2号"),
        as_of=TODAY,
    )
    assert edited.address == "深圳市福田区福华路2号"


def test_centres_one_per_district_for_a_district_office(district_officer, city_officer):
    register(district_officer, kind=Outlet.Kind.CENTRE, name="福田区消费帮扶中心")
    with pytest.raises(ApplicationError, match="has its assistance centre already"):
        register(district_officer, kind=Outlet.Kind.CENTRE, name="福田区第二消费帮扶中心")
    # The city office places the city centre, which shares a district with another centre.
    city_centre = register(city_officer, kind=Outlet.Kind.CENTRE, name="深圳市消费帮扶中心")
    assert city_centre.kind == Outlet.Kind.CENTRE


def test_centres_are_at_most_one_plus_ten(city_officer):
    districts = list(f.region("440300").children.order_by("code"))
    for n in range(services.CENTRE_NETWORK_SIZE):
        f.OutletFactory(
            kind=Outlet.Kind.CENTRE,
            name=f"消费帮扶中心{n}",
            district=districts[n % len(districts)],
        )
    with pytest.raises(ApplicationError, match="1\\+10"):
        register(city_officer, kind=Outlet.Kind.CENTRE, name="第十二个中心")
    # An exited centre leaves room for a new one.
    Outlet.objects.filter(name="消费帮扶中心0").update(
        status=Outlet.Status.EXITED, exited_on=datetime.date(2026, 1, 1)
    )
    assert register(city_officer, kind=Outlet.Kind.CENTRE, name="第十二个中心").pk


def test_editing_a_centre_does_not_trip_over_its_neighbours(district_officer):
    first = f.OutletFactory(kind=Outlet.Kind.CENTRE, name="中心甲", district=f.region(f.FUTIAN))
    f.OutletFactory(kind=Outlet.Kind.CENTRE, name="中心乙", district=f.region(f.FUTIAN))
    edited = services.outlet_update(
        actor=district_officer,
        outlet=first,
        data=data(kind=Outlet.Kind.CENTRE, name="中心甲", address="新地址"),
        as_of=TODAY,
    )
    assert edited.address == "新地址"


def test_products_carried_are_listed_products_of_active_suppliers(district_officer):
    listed = f.ProductFactory()
    suspended = f.ProductFactory(status=Product.Status.SUSPENDED)
    of_pending = f.ProductFactory(supplier=f.SupplierFactory(status=Supplier.Status.PENDING))
    outlet = register(district_officer, products=[listed])
    assert list(outlet.products.all()) == [listed]
    with pytest.raises(ValidationError) as error:
        services.outlet_products_set(
            actor=district_officer, outlet=outlet, products=[listed, suspended, of_pending]
        )
    message = messages_of(error)["products"][0]
    assert suspended.name in message and of_pending.name in message
    assert listed.name not in message
    # A product carried already and suspended since may stay.
    Product.objects.filter(pk=listed.pk).update(status=Product.Status.SUSPENDED)
    services.outlet_products_set(actor=district_officer, outlet=outlet, products=[listed])
    assert list(outlet.products.all()) == [listed]


# --- photos ---------------------------------------------------------------------------------


def test_photos_are_jpeg_or_png_by_content_and_at_most_eight(district_officer):
    outlet = f.OutletFactory()
    services.outlet_photo_add(
        actor=district_officer, outlet=outlet, file=SimpleUploadedFile("a.png", PNG)
    )
    with pytest.raises(ValidationError) as error:
        services.outlet_photo_add(
            actor=district_officer, outlet=outlet, file=SimpleUploadedFile("leaflet.jpg", PDF)
        )
    assert "not a JPEG or PNG" in messages_of(error)["file"][0]
    with pytest.raises(ValidationError):
        services.outlet_photo_add(
            actor=district_officer, outlet=outlet, file=SimpleUploadedFile("x.jpg", b"hello")
        )
    for n in range(services.MAX_PHOTOS_PER_OUTLET - 1):
        services.outlet_photo_add(
            actor=district_officer, outlet=outlet, file=SimpleUploadedFile(f"{n}.jpg", JPEG)
        )
    with pytest.raises(ApplicationError, match="at most 8 photos"):
        services.outlet_photo_add(
            actor=district_officer, outlet=outlet, file=SimpleUploadedFile("9.jpg", JPEG)
        )
    photo = OutletPhoto.objects.filter(outlet=outlet).first()
    assert photo.content_type == "image/png" and len(photo.sha256) == 64


def test_photo_of_another_districts_outlet_is_refused(district_officer):
    theirs = f.OutletFactory(district=f.region(f.NANSHAN))
    with pytest.raises(PermissionDenied):
        services.outlet_photo_add(
            actor=district_officer, outlet=theirs, file=SimpleUploadedFile("a.jpg", JPEG)
        )


def test_photo_removal_deletes_the_file_on_commit(
    district_officer, django_capture_on_commit_callbacks
):
    outlet = f.OutletFactory()
    photo = services.outlet_photo_add(
        actor=district_officer, outlet=outlet, file=SimpleUploadedFile("a.jpg", JPEG)
    )
    storage, name = photo.file.storage, photo.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.outlet_photo_remove(actor=district_officer, photo=photo)
    assert not OutletPhoto.objects.exists()
    assert not storage.exists(name)


# --- inspections ----------------------------------------------------------------------------


def inspect(actor, outlet, **changes):
    values = {
        "inspected_on": datetime.date(2026, 5, 10),
        "inspector_name": "李明",
        "checklist": dict(ALL_PASSED),
        "result": Inspection.Result.PASSED,
        "findings": "",
        "photos": [],
    }
    values.update(changes)
    return oversight.inspection_record(actor=actor, outlet=outlet, as_of=TODAY, **values)


def test_an_inspection_is_recorded_with_its_checklist_and_photos(district_officer):
    outlet = f.OutletFactory(opened_on=datetime.date(2026, 1, 1))
    checklist = {**ALL_PASSED, "prices": "failed"}
    inspection = inspect(
        district_officer,
        outlet,
        checklist=checklist,
        result=Inspection.Result.RECTIFY,
        findings="部分产品未明码标价，限期一周整改。",
        photos=[SimpleUploadedFile("shelf.jpg", JPEG)],
    )
    assert inspection.checklist == checklist
    assert inspection.inspector == district_officer
    assert inspection.photos.get().content_type == "image/jpeg"


def test_inspection_rules(district_officer):
    outlet = f.OutletFactory(opened_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        inspect(
            district_officer,
            outlet,
            inspected_on=TODAY + datetime.timedelta(days=1),
            inspector_name=" ",
            checklist={**ALL_PASSED, "signage": "failed", "area": ""},
        )
    fields = messages_of(error)
    assert "future" in fields["inspected_on"][0]
    assert "inspector_name" in fields
    assert "check_area" in fields
    assert "cannot pass" in fields["result"][0]
    assert "findings" in fields
    with pytest.raises(ValidationError) as error:
        inspect(district_officer, outlet, inspected_on=datetime.date(2025, 12, 31))
    assert "opened on 2026-01-01" in messages_of(error)["inspected_on"][0]
    with pytest.raises(ValidationError) as error:
        inspect(district_officer, outlet, photos=[SimpleUploadedFile("report.pdf", PDF)])
    assert "not a JPEG or PNG" in messages_of(error)["photos"][0]
    with pytest.raises(ValidationError) as error:
        inspect(district_officer, outlet, result=Inspection.Result.FAILED)
    assert "findings" in messages_of(error)
    assert not Inspection.objects.exists()


def test_inspection_of_another_district_or_an_exited_outlet_is_refused(district_officer):
    with pytest.raises(PermissionDenied):
        inspect(district_officer, f.OutletFactory(district=f.region(f.NANSHAN)))
    exited = f.OutletFactory(status=Outlet.Status.EXITED, exited_on=datetime.date(2026, 1, 5))
    with pytest.raises(ApplicationError, match="has exited"):
        inspect(district_officer, exited)


# --- status moves ---------------------------------------------------------------------------


def test_suspend_reinstate_exit_each_write_a_history_row(district_officer):
    outlet = f.OutletFactory()
    oversight.outlet_suspend(
        actor=district_officer, outlet=outlet, reason="quality", note="抽检不合格", as_of=TODAY
    )
    outlet.refresh_from_db()
    assert outlet.status == Outlet.Status.SUSPENDED and outlet.exited_on is None
    oversight.outlet_reinstate(
        actor=district_officer, outlet=outlet, reason="other", note="整改到位", as_of=TODAY
    )
    outlet.refresh_from_db()
    assert outlet.status == Outlet.Status.ACTIVE
    change = oversight.outlet_exit(
        actor=district_officer, outlet=outlet, reason="no_effect", as_of=TODAY
    )
    outlet.refresh_from_db()
    assert outlet.status == Outlet.Status.EXITED
    assert outlet.exited_on == TODAY
    moves = list(
        OutletStatusChange.objects.filter(outlet=outlet)
        .order_by("changed_at", "pk")
        .values_list("from_status", "to_status", "reason", "changed_by")
    )
    assert moves == [
        ("active", "suspended", "quality", district_officer.pk),
        ("suspended", "active", "other", district_officer.pk),
        ("active", "exited", "no_effect", district_officer.pk),
    ]
    assert change.changed_at is not None


def test_a_suspended_outlet_may_exit(district_officer):
    outlet = f.OutletFactory(status=Outlet.Status.SUSPENDED)
    oversight.outlet_exit(actor=district_officer, outlet=outlet, reason="integrity", as_of=TODAY)
    outlet.refresh_from_db()
    assert (outlet.status, outlet.exited_on) == (Outlet.Status.EXITED, TODAY)


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        ("active", "active", "already “Active”"),
        ("suspended", "suspended", "already “Suspended”"),
        ("exited", "exited", "already “Exited”"),
        ("exited", "active", "has exited, which is final"),
        ("exited", "suspended", "has exited, which is final"),
    ],
)
def test_no_op_and_final_moves_are_refused(district_officer, current, target, message):
    exited_on = datetime.date(2026, 1, 5) if current == "exited" else None
    outlet = f.OutletFactory(status=current, exited_on=exited_on)
    with pytest.raises(ApplicationError, match=message):
        oversight.outlet_set_status(
            actor=district_officer, outlet=outlet, status=target, reason="quality", as_of=TODAY
        )
    assert not OutletStatusChange.objects.exists()


def test_reason_and_status_are_checked(district_officer):
    outlet = f.OutletFactory()
    with pytest.raises(ValidationError) as error:
        oversight.outlet_suspend(actor=district_officer, outlet=outlet, reason="bad", as_of=TODAY)
    assert "reason" in messages_of(error)
    with pytest.raises(ValidationError) as error:
        oversight.outlet_suspend(actor=district_officer, outlet=outlet, reason="other", as_of=TODAY)
    assert "“Other”" in messages_of(error)["note"][0]
    with pytest.raises(ValidationError) as error:
        oversight.outlet_set_status(
            actor=district_officer, outlet=outlet, status="closed", reason="price", as_of=TODAY
        )
    assert "status" in messages_of(error)


def test_status_of_another_districts_outlet_is_refused(district_officer, supplier):
    theirs = f.OutletFactory(district=f.region(f.NANSHAN))
    for actor in (district_officer, supplier):
        with pytest.raises(PermissionDenied):
            oversight.outlet_suspend(actor=actor, outlet=theirs, reason="price", as_of=TODAY)
    theirs.refresh_from_db()
    assert theirs.status == Outlet.Status.ACTIVE


def test_a_supplier_operator_is_notified(district_officer, supplier, supplier_org, unit_a):
    run_by_supplier = f.OutletFactory(operator=supplier_org)
    oversight.outlet_suspend(
        actor=district_officer,
        outlet=run_by_supplier,
        reason="price",
        note="价格高于市场同类产品",
        as_of=TODAY,
    )
    notice = Notification.objects.get(recipient=supplier)
    assert run_by_supplier.name in notice.title and "suspended" in notice.title
    assert "Prices out of line" in notice.body and "价格高于" in notice.body
    run_by_unit = f.OutletFactory(operator=unit_a)
    f.member(Role.UNIT_CLERK, unit_a, "canteen_clerk")
    oversight.outlet_suspend(
        actor=district_officer, outlet=run_by_unit, reason="price", as_of=TODAY
    )
    assert Notification.objects.count() == 1


def test_an_exited_outlet_is_no_longer_edited(district_officer):
    outlet = f.OutletFactory(status=Outlet.Status.EXITED, exited_on=datetime.date(2026, 1, 5))
    with pytest.raises(ApplicationError, match="has exited"):
        services.outlet_update(actor=district_officer, outlet=outlet, data=data(), as_of=TODAY)
    with pytest.raises(ApplicationError, match="has exited"):
        services.outlet_photo_add(
            actor=district_officer, outlet=outlet, file=SimpleUploadedFile("a.jpg", JPEG)
        )
