import datetime
from decimal import Decimal

import pytest

from procurement.rules import RecordData
from tests import factories as f

AS_OF = datetime.date(2026, 11, 23)  # 2026Q4 is current; 2026Q3 has just ended


@pytest.fixture
def recognised(supplier_org):
    """The supplier holds a recognition certificate over 2025–2026."""
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    return supplier_org


def purchase(supplier, **overrides) -> RecordData:
    values = {
        "purchased_on": datetime.date(2026, 10, 9),
        "supplier": supplier,
        "amount": Decimal("3280.00"),
        "channel": "platform_832",
        "purpose": "canteen",
        "invoice_no": "44031001",
        "quantity": Decimal("40"),
        "unit": "箱",
    }
    values.update(overrides)
    return RecordData(**values)


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English here; the Chinese wording has its own test."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def seller(supplier_org):
    """A supplier recognised over 2025–2026 with 田阳香芒 in its catalogue."""
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    return supplier_org
