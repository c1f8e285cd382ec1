import datetime
from decimal import Decimal

import pytest

from portal.formatting import percent, wanyuan, yiyuan, yuan
from portal.money import quantize
from portal.periods import Quarter, ended_quarters, last_ended_quarter


def test_quarter_bounds_and_neighbours():
    q = Quarter(2026, 1)
    assert q.first_day == datetime.date(2026, 1, 1)
    assert q.last_day == datetime.date(2026, 3, 31)
    assert Quarter(2024, 1).next().last_day == datetime.date(2024, 6, 30)
    assert Quarter(2026, 4).last_day == datetime.date(2026, 12, 31)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2025, 4).next() == Quarter(2026, 1)
    assert str(Quarter(2026, 3)) == "2026Q3"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 1, 1), Quarter(2026, 1)),
        (datetime.date(2026, 3, 31), Quarter(2026, 1)),
        (datetime.date(2026, 4, 1), Quarter(2026, 2)),
        (datetime.date(2026, 12, 31), Quarter(2026, 4)),
    ],
)
def test_quarter_of_a_day(day, expected):
    assert Quarter.of(day) == expected


def test_quarter_must_be_one_to_four():
    with pytest.raises(ValueError):
        Quarter(2026, 5)


def test_the_quarter_just_ended():
    as_of = datetime.date(2026, 11, 23)
    assert last_ended_quarter(as_of=as_of) == Quarter(2026, 3)
    assert not Quarter(2026, 4).has_ended(as_of=as_of)
    assert Quarter(2026, 3).has_ended(as_of=as_of)
    assert last_ended_quarter(as_of=datetime.date(2026, 1, 1)) == Quarter(2025, 4)


def test_ended_quarters_since_a_start():
    quarters = ended_quarters(since=Quarter(2025, 1), as_of=datetime.date(2026, 11, 23))
    assert quarters[0] == Quarter(2025, 1)
    assert quarters[-1] == Quarter(2026, 3)
    assert len(quarters) == 7


def test_money_formats_of_ui_md():
    assert yuan(Decimal("1234567.891")) == "¥1,234,567.89"
    assert wanyuan(Decimal("1234567.89")) == "123.46 万元"
    assert yiyuan(Decimal("11500000000")) == "115.00 亿元"
    assert percent(Decimal("0.314")) == "31.4%"
    assert percent(Decimal("0.3145")) == "31.5%"  # half up, not banker's rounding
    assert yuan(None) == wanyuan(None) == percent(None) == "—"


def test_rounding_to_the_cent_is_half_up():
    assert quantize(Decimal("0.125")) == Decimal("0.13")
    assert quantize(Decimal("2.675")) == Decimal("2.68")
