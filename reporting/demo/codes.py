"""Unified social credit codes (统一社会信用代码, GB 32100-2015) for the demo's organisations.

A real code nests an organisation code (GB 11714) with its own check character inside the
18 characters, and ends with the USCC check character; the portal's validator checks the
latter, so every generated code must pass ``stdnum.cn.uscc.is_valid``.
"""

from __future__ import annotations

import hashlib

from stdnum.cn import uscc

# GB 11714-1997: weights of the eight body characters of an organisation code.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration authority + entity type (GB 32100 table 1 and 2) by kind of organisation.
AUTHORITY_TYPE = {
    "agency": "11",  # 机构编制 / 机关
    "institution": "12",  # 机构编制 / 事业单位
    "school": "12",
    "hospital": "12",
    "union": "81",  # 工会 / 基层工会
    "other": "51",  # 民政 / 社会团体
    "soe": "91",  # 工商 / 企业
    "company": "91",
    "cooperative": "93",  # 工商 / 农民专业合作社
    "office": "11",
}


def organisation_code_check(body: str) -> str:
    """The GB 11714 check character of an 8-digit organisation-code body."""
    total = sum(int(char) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def credit_code(*, kind: str, division: str, name: str, salt: int = 0) -> str:
    """A valid, deterministic credit code for ``name`` registered in ``division``.

    The organisation-code body is taken from a hash of the name (not from a counter), so the
    same organisation gets the same code whatever else the demo holds; ``salt`` resolves the
    rare clash between two names.
    """
    digest = hashlib.sha256(f"{name}|{salt}".encode()).hexdigest()
    body = f"{int(digest[:12], 16) % 10**8:08d}"
    first17 = AUTHORITY_TYPE[kind] + division + body + organisation_code_check(body)
    code = first17 + uscc.calc_check_digit(first17)
    if not uscc.is_valid(code):  # a programming error, not a data condition
        raise AssertionError(f"generated an invalid credit code {code}")
    return code


class CreditCodes:
    """Hands out distinct codes within one run, salting a name whose code is already taken."""

    def __init__(self) -> None:
        self._issued: dict[str, str] = {}
        self._taken: set[str] = set()

    def code_for(self, *, kind: str, division: str, name: str) -> str:
        key = f"{kind}|{division}|{name}"
        if key in self._issued:
            return self._issued[key]
        salt = 0
        code = credit_code(kind=kind, division=division, name=name)
        while code in self._taken:
            salt += 1
            code = credit_code(kind=kind, division=division, name=name, salt=salt)
        self._taken.add(code)
        self._issued[key] = code
        return code
