"""Placeholder: the quota rule engine."""


def rule_statuses_for_unit(*, user, budget_unit, year: int) -> list:
    """Every rule of the year for the unit's own page (quarters page)."""
    return []
