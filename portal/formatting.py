"""How numbers read on the pages and in the reports (ui.md): ¥1,234,567.89 in ledgers,
123.46 万元 in summaries, 115.00 亿元 in headlines, shares as 31.4%."""

from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def yuan(value) -> str:
    if value is None:
        return "—"
    return f"¥{_grouped(Decimal(value), 2)}"


def wanyuan(value) -> str:
    if value is None:
        return "—"
    return f"{_grouped(Decimal(value) / WAN, 2)} 万元"


def yiyuan(value) -> str:
    if value is None:
        return "—"
    return f"{_grouped(Decimal(value) / YI, 2)} 亿元"


def percent(value) -> str:
    """A share (0.314) as a percentage with one decimal (31.4%)."""
    if value is None:
        return "—"
    return f"{_grouped(Decimal(value) * 100, 1)}%"
