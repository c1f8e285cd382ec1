"""The coordination offices and the demo accounts of api.md ("Demo data and accounts").

Passwords are set with ``set_password`` only when the stored hash does not already accept the
demo password, so a re-run leaves every hash as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractBaseUser

from portal.models import Membership, Organisation, Region, Role

from .codes import CreditCodes
from .context import SeedContext, upsert
from .places import CITY_CODE, CITY_NAME, DISTRICTS, HOME_DISTRICT

CITY_OFFICE_NAME = f"{CITY_NAME}消费帮扶协作办"
EMAIL_DOMAIN = "example.gov.cn"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role | None
    organisation: str  # a key of the organisations passed to seed_accounts
    full_name: str


# api.md's table, plus the admin superuser for the Django admin.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("city_office", Role.CITY_OFFICE, "city", "王海燕"),
    DemoAccount("district_office", Role.DISTRICT_OFFICE, "district", "李志强"),
    DemoAccount("unit_clerk", Role.UNIT_CLERK, "unit_a", "陈晓东"),
    DemoAccount("unit_approver", Role.UNIT_APPROVER, "unit_a", "刘丽娟"),
    DemoAccount("unit_clerk_2", Role.UNIT_CLERK, "unit_b", "周文静"),
    DemoAccount("supplier", Role.SUPPLIER, "supplier", "黄秀英"),
    DemoAccount("supplier_2", Role.SUPPLIER, "supplier_2", "蓝春梅"),
    DemoAccount("reviewer", Role.REVIEWER, "city", "郑明辉"),
    DemoAccount("admin", None, "", "赵国平"),
)


@dataclass(frozen=True)
class Offices:
    city: Organisation
    districts: dict[str, Organisation]  # by district code


def seed_offices(ctx: SeedContext, codes: CreditCodes) -> Offices:
    """The city office (市协作办) and one office (区协作办) for each of the city's districts."""
    city = upsert(
        ctx,
        Organisation,
        {"kind": Organisation.Kind.CITY_OFFICE, "name": CITY_OFFICE_NAME},
        {
            "region_id": CITY_CODE,
            "credit_code": codes.code_for(kind="office", division=CITY_CODE, name=CITY_OFFICE_NAME),
            "address": "深圳市福田区福中三路市民中心C区",
            "contact_name": "王海燕",
            "contact_phone": "0755-88120000",
        },
    )
    district_codes = list(
        Region.objects.filter(parent_id=CITY_CODE).order_by("code").values_list("code", flat=True)
    )
    districts = {}
    for code in district_codes:
        name = f"{CITY_NAME}{DISTRICTS[code].name}消费帮扶协作办"
        districts[code] = upsert(
            ctx,
            Organisation,
            {"kind": Organisation.Kind.DISTRICT_OFFICE, "region_id": code},
            {
                "name": name,
                "credit_code": codes.code_for(kind="office", division=code, name=name),
                "address": f"{CITY_NAME}{DISTRICTS[code].name}{DISTRICTS[code].roads[0]}1号",
            },
        )
    ctx.log(f"  协作办 (offices): 1 city + {len(districts)} districts")
    return Offices(city=city, districts=districts)


def _ensure_password(ctx: SeedContext, user: AbstractBaseUser) -> None:
    # The module-level check_password, not user.check_password: the latter may re-hash and
    # save when the hasher's parameters changed, which a re-run must not do.
    new = not user.password
    # A new user has no hash to check; check_password would hash once anyway (to even out
    # timing), which costs a quarter second per account for nothing.
    if not new and user.has_usable_password() and check_password(ctx.password, user.password):
        return
    user.set_password(ctx.password)
    user.save(update_fields=["password"])
    if not new:
        ctx.updated["auth.User password"] += 1


def seed_accounts(
    ctx: SeedContext, organisations: dict[str, Organisation]
) -> dict[str, AbstractBaseUser]:
    """The demo accounts with their memberships; keys of ``organisations``: city, district,
    unit_a, unit_b, supplier, supplier_2."""
    user_model = get_user_model()
    users = {}
    for account in DEMO_ACCOUNTS:
        is_admin = account.role is None
        user = upsert(
            ctx,
            user_model,
            {"username": account.username},
            {
                "first_name": account.full_name,
                "email": f"{account.username}@{EMAIL_DOMAIN}",
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        _ensure_password(ctx, user)
        if account.role is not None:
            upsert(
                ctx,
                Membership,
                {"user_id": user.pk},
                {"organisation_id": organisations[account.organisation].pk, "role": account.role},
            )
        users[account.username] = user
    ctx.log(f"  账号 (accounts): {', '.join(users)}")
    return users


def district_office_of(offices: Offices) -> Organisation:
    """The district office the ``district_office`` account works for."""
    return offices.districts[HOME_DISTRICT]
