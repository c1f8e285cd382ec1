"""Build a bench city in an empty, migrated database (``python -m bench.dataset --records N``).

The organisations, people, products, certificates and outlets (thousands of rows) are made
here in Python and written with COPY; the procurement records and everything that grows with
them (vouchers, declarations, submissions, outlet sales; up to millions of rows) are made by
``INSERT … SELECT generate_series`` in ``dataset_sql``. The rows go into the real models'
tables and keep their constraints. Audit-trail (django-simple-history) rows are not written
for the generated data: no measured page reads them.

The city: 1,000 budget units in Shenzhen's districts, 3,000 suppliers of the paired regions
with 10,000 products, 3,000 outlets, and the records spread over last year and this year up
to today, unevenly (a few large units buy much more than most). Quarters that have ended are
submitted; the quarter under way is open.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

from .cleanup import rebuild_derived
from .dataset_sql import copy_rows
from .env import BENCH_PASSWORD
from .vocabulary import (
    BUREAUS,
    HOSTS,
    OUTLET_KINDS,
    PACKS,
    SEASONS,
    SUPPLIER_KINDS,
    SUPPLIER_WORDS,
    UNIT_KINDS,
    VARIETIES,
)

SEED = 20261125


@dataclass(frozen=True)
class Scale:
    units: int
    suppliers: int
    products: int
    outlets: int


CITY_SCALE = Scale(units=1000, suppliers=3000, products=10_000, outlets=3000)
QUICK_SCALE = Scale(units=60, suppliers=120, products=400, outlets=120)


def _weighted(rng: random.Random, options):
    return rng.choices(options, weights=[option[1] for option in options])[0]


def _unique(name: str, taken: set[str]) -> str:
    candidate, serial = name, 1
    while candidate in taken:
        serial += 1
        candidate = f"{name}（{serial}）"
    taken.add(candidate)
    return candidate


def _credit_code(kind: str, division: str, serial: int) -> str:
    from stdnum.cn import uscc

    from reporting.demo.codes import AUTHORITY_TYPE, organisation_code_check

    body = f"{serial:08d}"
    first17 = AUTHORITY_TYPE[kind] + division + body + organisation_code_check(body)
    return first17 + uscc.calc_check_digit(first17)


class CityBuilder:
    """Makes the city's rows with explicit ids, so the SQL stage can refer to them."""

    def __init__(self, scale: Scale, as_of: datetime.date):
        from django.contrib.auth.hashers import make_password
        from django.utils import timezone

        from portal.models import Region

        self.rng = random.Random(SEED)  # noqa: S311 - test data, not secrets
        self.scale = scale
        self.as_of = as_of
        self.now = timezone.now()
        self.password = make_password(BENCH_PASSWORD)
        regions = list(Region.objects.values_list("code", "name", "level", "parent_id"))
        self.districts = [(c, n) for c, n, level, parent in regions if parent == "440300"]
        self.counties = [
            (c, n) for c, n, level, parent in regions if level == "county" and c[:4] != "4403"
        ]
        self.users: list[dict] = []
        self.organisations: list[dict] = []
        self.memberships: list[dict] = []
        self.serial = 0

    def user(self, username: str, *, first_name: str = "") -> int:
        user_id = len(self.users) + 1
        self.users.append(
            {
                "id": user_id,
                "password": self.password,
                "is_superuser": False,
                "username": username,
                "first_name": first_name,
                "last_name": "",
                "email": f"{username}@bench.invalid",
                "is_staff": False,
                "is_active": True,
                "date_joined": self.now,
            }
        )
        return user_id

    def organisation(self, kind: str, name: str, region: str, code_kind: str | None) -> int:
        org_id = len(self.organisations) + 1
        self.serial += 1
        self.organisations.append(
            {
                "id": org_id,
                "kind": kind,
                "name": name,
                "credit_code": _credit_code(code_kind, region, self.serial) if code_kind else None,
                "region": region,
                "contact_name": "",
                "contact_phone": "",
                "address": "",
                "created_at": self.now,
            }
        )
        return org_id

    def member(self, user_id: int, org_id: int, role: str) -> None:
        self.memberships.append(
            {
                "id": len(self.memberships) + 1,
                "user": user_id,
                "organisation": org_id,
                "role": role,
                "created_at": self.now,
            }
        )

    def offices(self) -> None:
        city = self.organisation("city_office", "深圳市消费帮扶协作办", "440300", "office")
        self.member(self.user("bench_city"), city, "city_office")
        self.member(self.user("bench_reviewer"), city, "reviewer")
        for code, name in self.districts:
            office = self.organisation("district_office", f"深圳市{name}协作办", code, "office")
            self.member(self.user(f"bench_district_{code}"), office, "district_office")

    def units(self) -> list[dict]:
        rng, taken, units = self.rng, set(), []
        for index in range(self.scale.units):
            code, district = self.districts[index % len(self.districts)]
            category, _weight, pattern = _weighted(rng, UNIT_KINDS)
            name = pattern.format(
                district=f"深圳市{district}", bureau=rng.choice(BUREAUS), n=rng.randint(1, 60)
            )
            org = self.organisation("budget_unit", _unique(name, taken), code, category)
            clerk = self.user(f"clerk_{index:04d}")
            self.member(clerk, org, "unit_clerk")
            if index < 50:
                self.member(self.user(f"approver_{index:04d}"), org, "unit_approver")
            units.append({"organisation_ptr": org, "category": category, "clerk": clerk})
        return units

    def suppliers(self) -> list[dict]:
        rng, taken, suppliers = self.rng, set(), []
        for index in range(self.scale.suppliers):
            county, county_name = rng.choice(self.counties)
            code_kind, suffix = rng.choice(SUPPLIER_KINDS)
            name = _unique(f"{county_name}{rng.choice(SUPPLIER_WORDS)}{suffix}", taken)
            org = self.organisation("supplier", name, county, code_kind)
            roll = rng.random()
            status = "active" if roll < 0.95 else "suspended" if roll < 0.98 else "pending"
            suppliers.append(
                {
                    "organisation_ptr": org,
                    "status": status,
                    "legal_representative": "",
                    "activated_at": self.now if status != "pending" else None,
                    "_county": county,
                    "_county_name": county_name,
                    "_index": index,
                }
            )
        return suppliers

    def products(self, suppliers: list[dict]) -> list[dict]:
        from products.models import TRACE_ALPHABET

        def trace_code(number: int) -> str:
            """A product's 一品一码 from its id: eight digits of base 32, unique and repeatable."""
            digits = []
            for _ in range(8):
                number, digit = divmod(number, len(TRACE_ALPHABET))
                digits.append(TRACE_ALPHABET[digit])
            return "".join(reversed(digits))

        rng, products = self.rng, []
        per_supplier = [1] * len(suppliers)
        for _extra in range(self.scale.products - len(suppliers)):
            per_supplier[rng.randrange(len(suppliers))] += 1
        for supplier, count in zip(suppliers, per_supplier, strict=True):
            taken: set[str] = set()
            short = supplier["_county_name"].rstrip("县区市") or supplier["_county_name"]
            for position in range(count):
                category = rng.choice(list(VARIETIES))
                name = _unique(f"{short}{rng.choice(VARIETIES[category])}", taken)
                roll = rng.random()
                status = "listed" if position == 0 or roll < 0.92 else "suspended"
                if position and roll > 0.97:
                    status = "exited"
                price = Decimal(rng.randint(800, 30000)) / 100
                products.append(
                    {
                        "id": len(products) + 1,
                        "supplier": supplier["organisation_ptr"],
                        "base": None,
                        "name": name,
                        "category": category,
                        "region": supplier["_county"],
                        "specification": rng.choice(PACKS),
                        "price": price,
                        "price_unit": "件",
                        "supply_volume": Decimal(rng.randint(10, 5000)),
                        "supply_unit": "吨/年",
                        "season": rng.choice(SEASONS),
                        "households_lifted": rng.randint(0, 400),
                        "description": "",
                        "status": status,
                        "trace_code": trace_code(len(products) + 1),
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
        return products

    def certificates(self, products: list[dict]) -> list[dict]:
        """Every supplier's first product holds a recognition covering the whole period (so
        every purchase counts); most other products hold one of their own, some 圳品 too."""
        rng, certificates, anchored = self.rng, [], set()
        first_day = datetime.date(self.as_of.year - 2, 1, 1)
        for product in products:
            schemes = []
            if product["supplier"] not in anchored:
                anchored.add(product["supplier"])
                schemes.append(
                    ("recognition", first_day, datetime.date(self.as_of.year + 1, 12, 31))
                )
            elif rng.random() < 0.85:
                start = first_day + datetime.timedelta(days=rng.randint(0, 900))
                schemes.append(("recognition", start, start + datetime.timedelta(days=729)))
            if rng.random() < 0.05:
                start = first_day + datetime.timedelta(days=rng.randint(200, 800))
                schemes.append(("szp", start, start + datetime.timedelta(days=1094)))
            for scheme, valid_from, valid_until in schemes:
                status = "valid" if valid_until >= self.as_of else "expired"
                if status == "valid" and rng.random() < 0.02:
                    status = "suspended"
                certificates.append(
                    {
                        "id": len(certificates) + 1,
                        "number": f"{scheme[:3].upper()}{valid_from.year}-{len(certificates):06d}",
                        "scheme": scheme,
                        "supplier": product["supplier"],
                        "product": product["id"],
                        "valid_from": valid_from,
                        "valid_until": valid_until,
                        "status": status,
                        "issued_at": self.now,
                    }
                )
        return certificates

    def outlets(self, suppliers: list[dict]) -> list[dict]:
        from reporting.demo.places import DISTRICTS

        rng, outlets, taken = self.rng, [], set()
        operators = [s["organisation_ptr"] for s in suppliers if s["status"] == "active"]
        centres = [("centre", "深圳市消费帮扶中心", "440304")] + [
            ("centre", f"{name}消费帮扶中心", code) for code, name in self.districts
        ]
        plan = centres[: max(1, min(len(centres), self.scale.outlets // 10))]
        while len(plan) < self.scale.outlets:
            kind, _weight, word = _weighted(rng, OUTLET_KINDS)
            code, _name = rng.choice(self.districts)
            place = DISTRICTS[code]
            venue, host = rng.choice(HOSTS)
            name = f"{rng.choice(place.streets)}{host}消费帮扶{word}"
            plan.append((kind, name, code, venue))
        for entry in plan:
            kind, name, code = entry[:3]
            venue = entry[3] if len(entry) > 3 else "government"
            place = DISTRICTS[code]
            roll = rng.random()
            status = "active" if roll < 0.93 else "suspended" if roll < 0.97 else "exited"
            opened = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randint(0, 2700))
            opened = min(opened, self.as_of)
            located = rng.random() < 0.9
            outlets.append(
                {
                    "id": len(outlets) + 1,
                    "kind": kind,
                    "name": _unique(name, taken),
                    "district": code,
                    "address": f"深圳市{DISTRICTS[code].name}{rng.choice(place.roads)}"
                    f"{rng.randint(1, 999)}号",
                    "venue": venue,
                    "operator": rng.choice(operators) if rng.random() < 0.5 else None,
                    "opened_on": opened,
                    "floor_area": Decimal(rng.randint(50, 3000)) / 10,
                    "latitude": round(Decimal(place.latitude + rng.uniform(-0.04, 0.04)), 6)
                    if located
                    else None,
                    "longitude": round(Decimal(place.longitude + rng.uniform(-0.05, 0.05)), 6)
                    if located
                    else None,
                    "status": status,
                    "exited_on": max(
                        opened, self.as_of - datetime.timedelta(days=rng.randint(1, 300))
                    )
                    if status == "exited"
                    else None,
                    "created_at": self.now,
                }
            )
        return outlets


def build(*, records: int, quick: bool) -> dict:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from portal.periods import Quarter, today

    from . import dataset_sql

    as_of = today()
    scale = QUICK_SCALE if quick else CITY_SCALE
    started = time.monotonic()
    city = CityBuilder(scale, as_of)
    city.offices()
    units = city.units()
    suppliers = city.suppliers()
    products = city.products(suppliers)
    certificates = city.certificates(products)
    outlets = city.outlets(suppliers)
    model = apps.get_model
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor, model("auth", "User"), city.users)
        copy_rows(cursor, model("portal", "Organisation"), city.organisations)
        copy_rows(
            cursor,
            model("procurement", "BudgetUnit"),
            [{k: v for k, v in u.items() if k != "clerk"} for u in units],
        )
        copy_rows(
            cursor,
            model("products", "Supplier"),
            [{k: v for k, v in s.items() if not k.startswith("_")} for s in suppliers],
        )
        copy_rows(cursor, model("portal", "Membership"), city.memberships)
        copy_rows(cursor, model("products", "Product"), products)
        copy_rows(cursor, model("products", "Certificate"), certificates)
        copy_rows(cursor, model("outlets", "Outlet"), outlets)
        reset = [
            model("auth", "User"),
            model("portal", "Organisation"),
            model("portal", "Membership"),
            model("products", "Product"),
            model("products", "Certificate"),
            model("outlets", "Outlet"),
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), reset):
            cursor.execute(statement)
        counts = dataset_sql.fill(
            cursor,
            records=records,
            units=[(u["organisation_ptr"], u["clerk"]) for u in units],
            first_day=datetime.date(as_of.year - 1, 1, 1),
            as_of=as_of,
            open_quarter=Quarter.of(as_of),
            districts=[code for code, _name in city.districts],
            paired=list(
                model("portal", "DistrictPairing").objects.values_list("region_id", flat=True)
            ),
        )
    derived = rebuild_derived()  # what the portal keeps from the purchases, e.g. running totals
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "records": records,
        "as_of": as_of.isoformat(),
        "units": len(units),
        "suppliers": len(suppliers),
        "products": len(products),
        "certificates": len(certificates),
        "outlets": len(outlets),
        "users": len(city.users),
        **counts,
        "derived": derived,
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    import django

    django.setup()
    summary = build(records=args.records, quick=args.quick)
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
