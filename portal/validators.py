"""Validators of the codes every organisation and region carries."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

# The first two digits of a GB/T 2260 division code: the 34 provincial-level divisions.
PROVINCE_PREFIXES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)


def validate_credit_code(value: str) -> None:
    """GB 32100-2015: 18 characters whose last one is a check character."""
    if not value or value != uscc.compact(value) or not uscc.is_valid(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid unified social credit code (18 characters with a "
                "correct check character)."
            ),
            code="invalid_credit_code",
            params={"value": value},
        )


def division_level(code: str) -> str:
    """The level a well-formed GB/T 2260 code names: province, city or county."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def validate_division_code(value: str) -> None:
    """GB/T 2260: six digits, a real provincial prefix, and a non-zero city part below it."""
    if not (isinstance(value, str) and len(value) == 6 and value.isdigit()):
        raise ValidationError(
            _("“%(value)s” is not an administrative division code: six digits are required."),
            code="invalid_division_code",
            params={"value": value},
        )
    if value[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("“%(value)s” does not begin with a provincial division code."),
            code="invalid_division_code",
            params={"value": value},
        )
    if value[2:4] == "00" and value[4:] != "00":
        raise ValidationError(
            _("“%(value)s” names a county without a city part."),
            code="invalid_division_code",
            params={"value": value},
        )
