"""The city's budget units (预算单位): a roster of plausible Shenzhen bodies across categories
and districts, each with a valid credit code.

The roster is drawn category by category from shuffled pools, so the first N units of a large
roster are the N units of a small one: ``--units 12`` then ``--units 60`` adds 48 units and
leaves the first 12 alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.core.management.base import CommandError

from procurement.models import BudgetUnit

from .codes import CreditCodes
from .context import SeedContext, person_name, phone, weighted_pick
from .places import (
    CITY_AGENCIES,
    CITY_INSTITUTIONS,
    CITY_NAME,
    DISTRICT_BUREAUS,
    DISTRICT_HOSPITALS,
    DISTRICT_INSTITUTIONS,
    DISTRICT_OTHER_BODIES,
    DISTRICTS,
    GIVEN_NAMES,
    HOSPITALS,
    OTHER_BODIES,
    SCHOOLS,
    SOES,
    SURNAMES,
    UNIT_A,
    UNIT_B,
)

# How often each category is drawn: bureaus and schools dominate a city's budget units.
CATEGORY_WEIGHTS = {
    "agency": 30,
    "institution": 14,
    "school": 22,
    "hospital": 12,
    "soe": 10,
    "union": 7,
    "other": 5,
}
SCHOOL_KINDS = ("小学", "中学", "实验学校", "第二小学", "幼儿园")
NUMBERED_SCHOOLS = ("第三小学", "第四小学", "第五小学", "第六小学", "第七小学", "第八小学")


@dataclass(frozen=True)
class UnitSpec:
    name: str
    category: str
    district: str


def _pools() -> dict[str, list[tuple[str, str]]]:
    """Every name the roster may use, by category, as (name, district)."""
    streets = [(code, d, street) for code, d in DISTRICTS.items() for street in d.streets]
    prefix = {code: f"{CITY_NAME}{d.name}" for code, d in DISTRICTS.items()}
    return {
        "agency": [
            *CITY_AGENCIES,
            *((prefix[c] + bureau, c) for c in DISTRICTS for bureau in DISTRICT_BUREAUS),
            *((f"{prefix[c]}{s}街道办事处", c) for c, _, s in streets),
            *((f"{prefix[c]}{s}街道综合行政执法队", c) for c, _, s in streets),
        ],
        "institution": [
            *CITY_INSTITUTIONS,
            *((prefix[c] + suffix, c) for c in DISTRICTS for suffix in DISTRICT_INSTITUTIONS),
            *((f"{prefix[c]}{s}街道社区健康服务中心", c) for c, _, s in streets),
        ],
        "school": [
            *SCHOOLS,
            *((f"{prefix[c]}{s}{kind}", c) for c, _, s in streets for kind in SCHOOL_KINDS),
            *((f"{prefix[c]}{s}{kind}", c) for c, _, s in streets for kind in NUMBERED_SCHOOLS),
        ],
        "hospital": [
            *HOSPITALS,
            *((prefix[c] + suffix, c) for c in DISTRICTS for suffix in DISTRICT_HOSPITALS),
        ],
        "soe": list(SOES),
        "union": [
            ("深圳市总工会", "440304"),
            *((f"{prefix[c]}总工会", c) for c in DISTRICTS),
            *((f"{prefix[c]}{s}街道总工会", c) for c, _, s in streets),
            *((f"{name}机关工会委员会", c) for name, c in CITY_AGENCIES),
        ],
        "other": [
            *OTHER_BODIES,
            *((prefix[c] + suffix, c) for c in DISTRICTS for suffix in DISTRICT_OTHER_BODIES),
        ],
    }


def unit_roster(count: int, seed: int) -> list[UnitSpec]:
    """The first ``count`` units of the demo city, units A and B first."""
    fixed = [UnitSpec(*UNIT_A), UnitSpec(*UNIT_B)]
    roster = fixed[:count]
    rng = random.Random(f"{seed}:roster")  # noqa: S311 - demo data, reproducible on purpose
    pools = _pools()
    taken = {spec.name for spec in fixed}
    for category in CATEGORY_WEIGHTS:  # a fixed order, so the shuffles are reproducible
        pools[category] = [item for item in pools[category] if item[0] not in taken]
        rng.shuffle(pools[category])
    weights = dict(CATEGORY_WEIGHTS)
    while len(roster) < count:
        if not weights:
            capacity = len(roster)
            raise CommandError(f"The demo knows only {capacity} budget-unit names; ask for fewer.")
        category = weighted_pick(rng, weights)
        if not pools[category]:
            del weights[category]
            continue
        name, district = pools[category].pop()
        roster.append(UnitSpec(name, category, district))
    return roster


def seed_units(ctx: SeedContext, codes: CreditCodes) -> list[BudgetUnit]:
    """Create or refresh the roster's units (one by one: multi-table inheritance rules out
    bulk_create, and a thousand units take a second or two)."""
    roster = unit_roster(ctx.units, ctx.seed)
    specs = {
        codes.code_for(kind=spec.category, division=spec.district, name=spec.name): spec
        for spec in roster
    }
    existing = {unit.credit_code: unit for unit in BudgetUnit.objects.all()}
    units = []
    for code, spec in specs.items():
        rng = ctx.rng("unit", code)
        district = DISTRICTS[spec.district]
        street = rng.choice(district.streets)
        values = {
            "kind": BudgetUnit.Kind.BUDGET_UNIT,
            "name": spec.name,
            "category": spec.category,
            "region_id": spec.district,
            "contact_name": person_name(rng, SURNAMES, GIVEN_NAMES),
            "contact_phone": phone(rng),
            "address": f"{CITY_NAME}{district.name}{street}街道{rng.choice(district.roads)}"
            f"{rng.randint(1, 3000)}号",
        }
        unit = existing.get(code)
        if unit is None:
            unit = BudgetUnit(credit_code=code, **values)
            unit.save()
            ctx.count_created(BudgetUnit)
        else:
            changed = [name for name, value in values.items() if getattr(unit, name) != value]
            if changed:
                for name in changed:
                    setattr(unit, name, values[name])
                unit.save(update_fields=changed)
                ctx.updated[BudgetUnit._meta.label] += 1
        units.append(unit)
    ctx.log(f"  预算单位 (budget units): {len(units)}")
    return units
