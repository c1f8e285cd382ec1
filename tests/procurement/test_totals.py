"""The running totals (procurement.totals): whatever the services, the import and the admin do
to the purchases, the totals they keep equal a recomputation from the purchases."""

import csv
import datetime
import io
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from portal.errors import ApplicationError
from portal.models import Organisation, Role
from portal.periods import Quarter
from procurement.imports import HEADERS, procurement_import
from procurement.integrity import integrity_checks_run
from procurement.integrity_services import flag_confirm
from procurement.models import (
    BudgetUnit,
    Channel,
    IntegrityFlag,
    MonthlyTotal,
    OriginMonthlyTotal,
    ProcurementRecord,
    PurposeMonthlyTotal,
    QuarterSubmission,
)
from procurement.rules import RecordData
from procurement.selectors import compliance_rows
from procurement.services import (
    declaration_set,
    procurement_record_create,
    procurement_record_delete,
    procurement_record_update,
    quarter_assistance_total,
    quarter_reopen,
    quarter_submit,
)
from procurement.totals import counted, totals_after_region_change, totals_apply, totals_rebuild
from products.models import Supplier
from tests import factories as f

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

REJECTED = ProcurementRecord.Status.REJECTED
RECORDED = ProcurementRecord.Status.RECORDED
CHANNELS = list(Channel.values)
# From the oldest day a purchase may be logged (1 January of last year) to AS_OF.
FIRST_DAY = datetime.date(AS_OF.year - 1, 1, 1)
DAYS = (AS_OF - FIRST_DAY).days
ENDED = [Quarter(2025, q) for q in range(1, 5)] + [Quarter(2026, q) for q in range(1, 4)]


def snapshot():
    """The three tables (the units', the origins', the units' by purpose), rows that hold
    nothing (every purchase of them taken out) aside."""
    return (
        sorted(
            MonthlyTotal.objects.exclude(records=0, amount=0).values_list(
                "budget_unit_id", "month", "channel", "amount", "records"
            )
        ),
        sorted(
            OriginMonthlyTotal.objects.exclude(records=0, amount=0).values_list(
                "district", "month", "origin", "amount", "records"
            )
        ),
        sorted(
            PurposeMonthlyTotal.objects.exclude(records=0, amount=0).values_list(
                "budget_unit_id", "month", "channel", "purpose", "amount", "records"
            )
        ),
    )


def assert_exact():
    kept = snapshot()
    totals_rebuild()
    assert kept == snapshot()


def test_applied_differences_equal_a_rebuild(unit_a, unit_b, supplier_org, supplier_org_2):
    records = [
        f.RecordFactory(  # the factory counts them in, as the services do
            budget_unit=unit,
            supplier=seller,
            purchased_on=datetime.date(2026, month, 9),
            amount=Decimal(amount),
            channel=channel,
        )
        for unit, seller, month, amount, channel in [
            (unit_a, supplier_org, 1, "100.10", "platform_832"),
            (unit_a, supplier_org, 1, "0.20", "platform_832"),
            (unit_a, supplier_org_2, 2, "3280.00", "outlet"),
            (unit_b, supplier_org_2, 2, "55.55", "outlet"),
        ]
    ]
    # a correction: the second moves to March, changes amount and purpose; the last is rejected
    before = counted(records[1:2] + records[3:])
    records[1].purchased_on, records[1].amount = datetime.date(2026, 3, 1), Decimal("7.00")
    records[1].purpose = "union_welfare"
    records[3].status = REJECTED
    for record in records:
        record.save()
    totals_apply(removed=before, added=counted(records[1:2] + records[3:]))
    applied = snapshot()
    assert applied[0] == [
        (unit_a.pk, datetime.date(2026, 1, 1), "platform_832", Decimal("100.10"), 1),
        (unit_a.pk, datetime.date(2026, 2, 1), "outlet", Decimal("3280.00"), 1),
        (unit_a.pk, datetime.date(2026, 3, 1), "platform_832", Decimal("7.00"), 1),
    ]
    assert applied[2] == [
        (unit_a.pk, datetime.date(2026, 1, 1), "platform_832", "canteen", Decimal("100.10"), 1),
        (unit_a.pk, datetime.date(2026, 2, 1), "outlet", "canteen", Decimal("3280.00"), 1),
        (
            unit_a.pk,
            datetime.date(2026, 3, 1),
            "platform_832",
            "union_welfare",
            Decimal("7.00"),
            1,
        ),
    ]
    totals_rebuild()
    assert snapshot() == applied


# --- A random sequence of the real actions ----------------------------------------------------


def _recognised(supplier):
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier, name=f"{supplier.name[:4]}香芒"),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    return supplier


class Journey:
    """The city's people at work, choosing their next step with a seeded random generator; a
    step a rule refuses (a submitted quarter, an invoice logged twice) changes nothing."""

    def __init__(self, rng, *, units, clerks, approvers, office, sellers):
        self.rng, self.units, self.clerks = rng, units, clerks
        self.approvers, self.office, self.sellers = approvers, office, sellers
        self.serial = 0
        self.refused = 0
        self.done: dict[str, int] = {}

    # what a clerk types
    def _invoice(self) -> str:
        self.serial += 1
        return f"T{self.serial:05d}"

    def _day(self) -> datetime.date:
        return FIRST_DAY + datetime.timedelta(days=self.rng.randrange(DAYS + 1))

    def _amount(self) -> Decimal:
        return Decimal(self.rng.randrange(1, 5_000_000)) / 100

    def _data(self, **changes) -> RecordData:
        values = {
            "purchased_on": self._day(),
            "supplier": self.rng.choice(self.sellers),
            "amount": self._amount(),
            "channel": self.rng.choice(CHANNELS),
            "purpose": "canteen",
            "invoice_no": self._invoice() if self.rng.random() < 0.8 else "",
        }
        values.update(changes)
        return RecordData(**values)

    def _unit(self) -> int:
        return self.rng.randrange(len(self.units))

    def _record(self) -> ProcurementRecord | None:
        records = list(ProcurementRecord.objects.order_by("pk"))
        return self.rng.choice(records) if records else None

    # the steps
    def create(self):
        index = self._unit()
        procurement_record_create(
            actor=self.clerks[index], budget_unit=self.units[index], data=self._data(), as_of=AS_OF
        )

    def correct(self):
        record = self._record()
        if record is None:
            return
        index = self.units.index(record.budget_unit)
        current = {
            "purchased_on": record.purchased_on,
            "supplier": record.supplier,
            "amount": record.amount,
            "channel": record.channel,
            "purpose": record.purpose,
            "invoice_no": record.invoice_no,
        }
        change = self.rng.choice(["amount", "purchased_on", "channel", "supplier", "all"])
        fresh = self._data(invoice_no=record.invoice_no)
        if change == "all":
            current.update(vars(fresh))
        else:
            current[change] = getattr(fresh, change)
        procurement_record_update(
            actor=self.clerks[index], record=record, data=RecordData(**current), as_of=AS_OF
        )

    def delete(self):
        record = self._record()
        if record is not None:
            index = self.units.index(record.budget_unit)
            procurement_record_delete(actor=self.clerks[index], record=record)

    def import_file(self):
        index = self._unit()
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADERS)
        for _row in range(self.rng.randrange(1, 6)):
            data = self._data()
            writer.writerow(
                [
                    data.purchased_on.isoformat(),
                    data.supplier.credit_code,
                    data.supplier.name,
                    "",
                    f"{data.amount}",
                    "",
                    "",
                    data.channel,
                    "canteen",
                    data.invoice_no,
                ]
            )
        result = procurement_import(
            actor=self.clerks[index],
            budget_unit=self.units[index],
            name="purchases.csv",
            content=text.getvalue().encode("utf-8-sig"),
            as_of=AS_OF,
        )
        if result.errors:
            raise ApplicationError(result.errors[0].message)

    def submit(self):
        index, quarter = self._unit(), self.rng.choice(ENDED)
        declaration_set(
            actor=self.approvers[index],
            budget_unit=self.units[index],
            year=quarter.year,
            quarter=quarter.quarter,
            agri_total=Decimal("900000.00"),
            as_of=AS_OF,
        )
        quarter_submit(
            actor=self.approvers[index],
            budget_unit=self.units[index],
            year=quarter.year,
            quarter=quarter.quarter,
            as_of=AS_OF,
        )

    def reopen(self):
        submitted = list(
            QuarterSubmission.objects.filter(status=QuarterSubmission.Status.SUBMITTED)
            .select_related("budget_unit")
            .order_by("pk")
        )
        if not submitted:
            return
        submission = self.rng.choice(submitted)
        quarter_reopen(
            actor=self.office,
            budget_unit=submission.budget_unit,
            year=submission.year,
            quarter=submission.quarter,
            reason="发票金额有误",
        )

    def admin_status(self):
        """Only a steward rejects a purchase (or takes a rejection back), in the admin."""
        record = self._record()
        if record is None:
            return
        record.status = RECORDED if record.status == REJECTED else REJECTED
        model_admin = admin.site._registry[ProcurementRecord]
        model_admin.save_model(SimpleNamespace(user=self.office), record, None, True)

    def admin_delete(self):
        record = self._record()
        pks = [record.pk] if record is not None else []
        model_admin = admin.site._registry[ProcurementRecord]
        model_admin.delete_queryset(
            SimpleNamespace(user=self.office), ProcurementRecord.objects.filter(pk__in=pks)
        )

    def confirm_flag(self):
        """An office confirms an integrity flag: the purchase is rejected, even in a submitted
        quarter. The checks rarely find anything in this city, so a purchase stands in for a
        finding when they do not."""
        integrity_checks_run()
        flags = list(IntegrityFlag.objects.filter(status="open").order_by("pk"))
        if not flags:
            record = self._record()
            if record is None:
                return
            flags = [
                IntegrityFlag.objects.get_or_create(
                    record=record,
                    kind=IntegrityFlag.Kind.PRICE_MISMATCH,
                    defaults={"budget_unit_id": record.budget_unit_id},
                )[0]
            ]
        flag_confirm(actor=self.office, flag=self.rng.choice(flags), reason="发票与订单不符")

    STEPS = {
        "create": 8,
        "correct": 4,
        "delete": 2,
        "import_file": 3,
        "submit": 2,
        "reopen": 2,
        "admin_status": 2,
        "admin_delete": 1,
        "confirm_flag": 2,
    }

    def step(self) -> str:
        name = self.rng.choices(list(self.STEPS), weights=list(self.STEPS.values()))[0]
        try:
            getattr(self, name)()
        except (ApplicationError, ValidationError):
            self.refused += 1
        else:
            self.done[name] = self.done.get(name, 0) + 1
        return name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_journey_keeps_the_totals_exact(seed, unit_a, unit_b, supplier_org, city_officer):
    sellers = [
        _recognised(supplier_org),
        _recognised(f.SupplierFactory(name="喀什古城香馕食品有限公司", region=f.region("653101"))),
        _recognised(f.SupplierFactory(name="百色市右江区芒果合作社", region=f.region("451002"))),
    ]
    units = [unit_a, unit_b]
    journey = Journey(
        random.Random(seed),
        units=units,
        clerks=[f.member(Role.UNIT_CLERK, unit) for unit in units],
        approvers=[f.member(Role.UNIT_APPROVER, unit) for unit in units],
        office=city_officer,
        sellers=sellers,
    )
    for _ in range(100):
        journey.step()
        assert_exact()
    # every kind of step happened, and the journey did not only bounce off the rules
    assert set(journey.done) == set(Journey.STEPS), journey.done
    print(journey.done, journey.refused, ProcurementRecord.objects.count())
    assert ProcurementRecord.objects.count() > 10
    assert (
        ProcurementRecord.objects.filter(status=REJECTED).exists() or journey.done["admin_status"]
    )


def test_the_compliance_figures_from_the_totals_equal_the_purchases(
    unit_a, unit_b, supplier_org, city_officer
):
    """The same rows as summing the purchases themselves (api.md's quota formula)."""
    seller = _recognised(supplier_org)
    rng = random.Random(7)
    for _ in range(40):
        f.RecordFactory(
            budget_unit=rng.choice([unit_a, unit_b]),
            supplier=seller,
            purchased_on=FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS + 1)),
            amount=Decimal(rng.randrange(1, 900_000)) / 100,
            channel=rng.choice(CHANNELS),
            status=rng.choice([RECORDED, RECORDED, REJECTED]),
        )
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1, agri_total=Decimal("99999"))
    for year in (2025, 2026):
        for row in compliance_rows(user=city_officer, year=year):
            counted_records = ProcurementRecord.objects.filter(budget_unit_id=row.budget_unit)
            counted_records = counted_records.exclude(status=REJECTED)

            def total(first_year, records=counted_records):
                return sum(
                    (r.amount for r in records if r.purchased_on.year == first_year), Decimal(0)
                )

            assert row.assistance_total == total(year)
            assert row.last_year_total == total(year - 1)
    for quarter in ENDED:
        expected = sum(
            (
                r.amount
                for r in ProcurementRecord.objects.filter(budget_unit=unit_a).exclude(
                    status=REJECTED
                )
                if Quarter.of(r.purchased_on) == quarter
            ),
            Decimal(0),
        )
        assert quarter_assistance_total(unit_a.pk, quarter) == expected


# --- The admin: a steward's changes -----------------------------------------------------------


def test_a_stewards_change_and_deletion_in_the_admin_move_the_totals(
    admin_client, unit_a, supplier_org
):
    record = f.RecordFactory(
        budget_unit=unit_a, supplier=supplier_org, amount=Decimal("100.00"), channel="outlet"
    )
    page = admin_client.get(f"/admin/procurement/procurementrecord/{record.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        amount="250.00",
        status=REJECTED,
        purchased_on="2026-02-03",
        **{
            "vouchers-TOTAL_FORMS": "0",
            "vouchers-INITIAL_FORMS": "0",
            "vouchers-MIN_NUM_FORMS": "0",
            "vouchers-MAX_NUM_FORMS": "0",
        },
    )
    response = admin_client.post(f"/admin/procurement/procurementrecord/{record.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert (record.status, record.amount) == (REJECTED, Decimal("250.00"))
    assert snapshot() == ([], [], [])  # rejected: it no longer counts
    data["status"] = RECORDED
    admin_client.post(f"/admin/procurement/procurementrecord/{record.pk}/change/", data)
    assert snapshot()[0] == [(unit_a.pk, datetime.date(2026, 2, 1), "outlet", Decimal("250.00"), 1)]
    assert_exact()
    response = admin_client.post(
        f"/admin/procurement/procurementrecord/{record.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert snapshot() == ([], [], [])


def test_the_admins_delete_action_takes_the_purchases_out(admin_client, unit_a, supplier_org):
    records = [f.RecordFactory(budget_unit=unit_a, supplier=supplier_org) for _ in range(3)]
    response = admin_client.post(
        "/admin/procurement/procurementrecord/",
        {
            "action": "delete_selected",
            "_selected_action": [r.pk for r in records[:2]],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert ProcurementRecord.objects.count() == 1
    assert snapshot()[0][0][-1] == 1
    assert_exact()


@pytest.mark.parametrize("kind", ["unit", "supplier"])
def test_a_new_region_moves_the_purchases_in_the_totals_by_origin(kind, unit_a, supplier_org):
    f.RecordFactory(budget_unit=unit_a, supplier=supplier_org, amount=Decimal("80.00"))
    moved = unit_a if kind == "unit" else supplier_org
    model_admin = admin.site._registry[BudgetUnit if kind == "unit" else Supplier]
    moved.region = f.region(f.NANSHAN if kind == "unit" else "653101")
    model_admin.save_model(
        SimpleNamespace(user=None), moved, SimpleNamespace(changed_data=["region"]), True
    )
    ((district, _month, origin, amount, _n),) = snapshot()[1]
    assert (district if kind == "unit" else origin) == moved.region_id
    assert amount == Decimal("80.00")
    assert_exact()


def test_the_organisation_admin_moves_the_totals_too(unit_a, supplier_org):
    f.RecordFactory(budget_unit=unit_a, supplier=supplier_org)
    organisation = Organisation.objects.get(pk=supplier_org.pk)
    organisation.region = f.region("653101")
    admin.site._registry[Organisation].save_model(
        SimpleNamespace(user=None), organisation, SimpleNamespace(changed_data=["region"]), True
    )
    assert snapshot()[1][0][2] == "653101"
    # only a region's change of a unit or supplier costs a rebuild
    totals_after_region_change(organisation, changed=["name"])
    assert_exact()


def test_a_quarter_moved_into_or_out_of_rejected_moves_the_totals(unit_a, supplier_org, clerk):
    """No service rejects a whole quarter today; the step that moves a quarter's records
    between statuses keeps the totals all the same, should one come to do it."""
    from django.utils import timezone

    from procurement.services import set_quarter_status

    for day in (3, 20):
        f.RecordFactory(
            budget_unit=unit_a, supplier=supplier_org, purchased_on=datetime.date(2026, 2, day)
        )
    quarter, now = Quarter(2026, 1), timezone.now()
    set_quarter_status(unit_a, quarter, RECORDED, REJECTED, actor=clerk, reason="x", now=now)
    assert snapshot() == ([], [], [])
    set_quarter_status(unit_a, quarter, REJECTED, RECORDED, actor=clerk, reason="x", now=now)
    assert snapshot()[0][0][-1] == 2
    assert_exact()
