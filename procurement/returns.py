"""Placeholder: returns for correction."""


def returns_by_quarter(*, user, budget_unit, year: int) -> dict[int, list]:
    """quarter -> the quarter's rounds of correction, oldest first (quarters page)."""
    return {}
