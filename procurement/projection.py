"""Placeholder: the year-end projection."""


def projection_for_unit(*, user, budget_unit, year: int, as_of):
    """The unit's projected year end, or None (quarters page)."""
    return None
