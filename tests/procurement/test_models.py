"""Invariants the database itself keeps, whatever code writes the rows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from procurement.models import Declaration, QuarterSubmission, QuotaPolicy
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00")])
def test_a_record_amount_must_be_positive(amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.RecordFactory(amount=amount)


def test_an_invoice_is_claimed_once_per_unit_and_supplier(unit_a, supplier_org):
    f.RecordFactory(budget_unit=unit_a, supplier=supplier_org, invoice_no="44031234")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.RecordFactory(budget_unit=unit_a, supplier=supplier_org, invoice_no="44031234")


def test_the_same_invoice_number_may_recur_with_another_supplier_or_without_one(unit_a):
    f.RecordFactory(budget_unit=unit_a, invoice_no="44031234")
    f.RecordFactory(budget_unit=unit_a, invoice_no="44031234")  # another supplier
    f.RecordFactory(budget_unit=unit_a, invoice_no="")
    f.RecordFactory(budget_unit=unit_a, invoice_no="")


def test_one_declaration_per_unit_and_quarter(unit_a):
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1)


@pytest.mark.parametrize("quarter", [0, 5])
def test_a_declaration_quarter_is_one_to_four(unit_a, quarter):
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(budget_unit=unit_a, year=2026, quarter=quarter, agri_total=1)


def test_one_submission_per_unit_and_quarter(unit_a):
    from django.utils import timezone

    QuarterSubmission.objects.create(
        budget_unit=unit_a, year=2026, quarter=1, submitted_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterSubmission.objects.create(
            budget_unit=unit_a, year=2026, quarter=1, submitted_at=timezone.now()
        )


@pytest.mark.parametrize("ratio", [Decimal("0"), Decimal("1.5")])
def test_a_quota_ratio_is_a_share(ratio):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuotaPolicy.objects.create(year=2026, ratio=ratio)


def test_the_default_quota_is_thirty_percent():
    assert QuotaPolicy.objects.create(year=2026).ratio == Decimal("0.300")
