"""The sales network: the "五专" outlets (专柜/专馆/专区/专列/专站) and the "1+10" assistance
centres (one city centre at 海吉星, ten district centres), across the city's districts.

Each outlet's whole story (opening, status, suspensions) is planned from its own random stream
keyed by its natural key (district, name), so the outlet row and its history always agree,
whichever of them a run still has to write.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import CommandError

from outlets.models import Outlet
from portal.models import ExitReason

from .context import PERIOD_START, SeedContext, random_day, weighted_pick
from .places import (
    CITY_AGENCIES,
    CITY_NAME,
    DISTRICTS,
    HALL_THEMES,
    HOSPITALS,
    METRO_LINES,
    SCHOOLS,
    SUPERMARKETS,
    TRANSPORT_HUBS,
)

KIND_WEIGHTS = {"counter": 42, "zone": 20, "hall": 18, "station": 12, "train": 8}
# Floor area in m² (tenths) by kind; trains have none.
AREA_TENTHS = {
    "counter": (20, 150),
    "zone": (200, 1200),
    "hall": (800, 6000),
    "station": (100, 400),
    "centre": (8000, 50000),
}
LAT_RANGE, LNG_RANGE = (22.50, 22.80), (113.80, 114.40)
EXIT_NOTES = {
    ExitReason.QUALITY: "抽检发现产品质量不合格，责令暂停经营并限期整改。",
    ExitReason.PRICE: "帮扶产品售价明显高于市场同类产品，经约谈仍未调整。",
    ExitReason.INTEGRITY: "存在以非帮扶产品冒充帮扶产品销售的行为。",
    ExitReason.NO_EFFECT: "连续两个季度销售额偏低，带贫成效不明显。",
    ExitReason.OTHER: "所在场所改造，暂停经营。",
}
REASON_WEIGHTS = {"quality": 30, "price": 20, "integrity": 10, "no_effect": 25, "other": 15}


@dataclass(frozen=True)
class OutletSpec:
    kind: str
    name: str
    district: str
    venue: str
    street: str = ""
    place: str = ""  # an address that is not a street number (a station, a metro line)
    regions: tuple[str, ...] = ()  # for a hall: the region prefixes of what it shows


@dataclass
class OutletPlan:
    """What happens to an outlet: its row's values and its status changes."""

    spec: OutletSpec
    values: dict
    events: list[tuple[str, str, str, str, datetime.date]] = field(default_factory=list)

    def closures(self) -> list[tuple[datetime.date, datetime.date | None]]:
        """Spans with no sales: from a suspension to reinstatement (None: for good)."""
        spans: list[tuple[datetime.date, datetime.date | None]] = []
        stop = None
        for _, to_status, _, _, day in self.events:
            if to_status == Outlet.Status.SUSPENDED:
                stop = day
            elif to_status == Outlet.Status.ACTIVE and stop is not None:
                spans.append((stop, day))
                stop = None
        if stop is not None:
            spans.append((stop, None))
        return spans


def centres() -> list[OutletSpec]:
    """The "1+10": 海吉星 for the city, one per district, and one for 大鹏新区 (in 龙岗)."""
    specs = [
        OutletSpec("centre", "深圳市消费帮扶中心（海吉星）", "440307", "market", "布吉"),
    ]
    for code, district in DISTRICTS.items():
        specs.append(
            OutletSpec(
                "centre",
                f"深圳市{district.name}消费帮扶中心",
                code,
                "standalone",
                district.streets[0],
            )
        )
    specs.append(OutletSpec("centre", "深圳市大鹏新区消费帮扶中心", "440307", "standalone", "龙岗"))
    return specs


def _pools() -> dict[str, list[OutletSpec]]:
    streets = [(code, street) for code, d in DISTRICTS.items() for street in d.streets]
    name = {code: d.name for code, d in DISTRICTS.items()}
    return {
        "counter": [
            *(
                OutletSpec(
                    "counter", f"{name[c]}{s}街道党群服务中心消费帮扶专柜", c, "party_centre", s
                )
                for c, s in streets
            ),
            *(OutletSpec("counter", f"{h}消费帮扶专柜", c, "hospital") for h, c in HOSPITALS),
            *(
                OutletSpec("counter", f"{a}机关食堂消费帮扶专柜", c, "government")
                for a, c in CITY_AGENCIES
            ),
            *(OutletSpec("counter", f"{sch}消费帮扶专柜", c, "school") for sch, c in SCHOOLS),
            *(
                OutletSpec("counter", f"{chain}（{s}店）消费帮扶专柜", c, "supermarket", s)
                for c, s in streets
                for chain in SUPERMARKETS
            ),
        ],
        "zone": [
            OutletSpec("zone", f"{chain}（{s}店）消费帮扶专区", c, "supermarket", s)
            for c, s in streets
            for chain in SUPERMARKETS
        ],
        "hall": [
            OutletSpec("hall", f"{theme}（{s}）", c, "standalone", s, regions=regions)
            for c, s in streets
            for theme, regions in HALL_THEMES
        ],
        "station": [
            *(
                OutletSpec("station", f"{hub}消费帮扶专站", c, "transport", place=hub)
                for hub, c in TRANSPORT_HUBS
            ),
            *(
                OutletSpec("station", f"{name[c]}{s}街道消费帮扶专站", c, "party_centre", s)
                for c, s in streets
            ),
        ],
        "train": [
            OutletSpec(
                "train",
                f"深圳地铁{line}消费帮扶专列" + (f"（{n}号车组）" if n > 1 else ""),
                c,
                "transport",
                place=f"深圳地铁{line}",
            )
            for line, c in METRO_LINES
            for n in range(1, 5)
        ],
    }


def outlet_roster(ctx: SeedContext, count: int) -> list[OutletSpec]:
    """The centres, then ``count`` outlets drawn kind by kind (prefix-stable, like units)."""
    rng = ctx.rng("outlet-roster")
    pools = _pools()
    for kind in KIND_WEIGHTS:
        rng.shuffle(pools[kind])
    weights = dict(KIND_WEIGHTS)
    roster = centres()
    while len(roster) < count + len(centres()):
        if not weights:
            raise CommandError(f"The demo knows only {len(roster)} outlet names; ask for fewer.")
        kind = weighted_pick(rng, weights)
        if not pools[kind]:
            del weights[kind]
            continue
        roster.append(pools[kind].pop())
    return roster


def _coordinate(
    rng: random.Random, centre: float, spread: float, bounds: tuple[float, float]
) -> Decimal:
    micro = round(centre * 1_000_000) + rng.randint(-round(spread * 1e6), round(spread * 1e6))
    low, high = (round(b * 1_000_000) for b in bounds)
    return Decimal(min(max(micro, low), high)).scaleb(-6)


def plan_outlet(ctx: SeedContext, spec: OutletSpec, operators: list[int]) -> OutletPlan:
    rng = ctx.rng("outlet", spec.district, spec.name)
    district = DISTRICTS[spec.district]
    if spec.place:
        address = f"{CITY_NAME}{district.name}{spec.place}"
    else:
        street = spec.street or rng.choice(district.streets)
        address = (
            f"{CITY_NAME}{district.name}{street}街道{rng.choice(district.roads)}"
            f"{rng.randint(1, 3000)}号"
        )
    if spec.kind == "centre":
        opened = random_day(rng, datetime.date(2020, 6, 1), datetime.date(2021, 6, 30))
    else:
        opened = random_day(
            rng, datetime.date(2019, 10, 1), ctx.as_of - datetime.timedelta(days=90)
        )
    area = AREA_TENTHS.get(spec.kind)
    located = spec.kind != "train" and rng.random() < 0.92
    values = {
        "kind": spec.kind,
        "address": address,
        "venue": spec.venue,
        "operator_id": rng.choice(operators) if spec.kind == "hall" and operators else None,
        "opened_on": opened,
        "floor_area": Decimal(rng.randint(*area)).scaleb(-1) if area else None,
        "latitude": _coordinate(rng, district.latitude, 0.03, LAT_RANGE) if located else None,
        "longitude": _coordinate(rng, district.longitude, 0.04, LNG_RANGE) if located else None,
        "status": Outlet.Status.ACTIVE,
        "exited_on": None,
    }
    plan = OutletPlan(spec, values)
    earliest = max(opened + datetime.timedelta(days=60), PERIOD_START + datetime.timedelta(days=60))
    latest = ctx.as_of - datetime.timedelta(days=75)
    fate = rng.random()
    if spec.kind == "centre" or earliest >= latest or fate >= 0.13:
        return plan
    reason = weighted_pick(rng, REASON_WEIGHTS)
    suspended = random_day(rng, earliest, latest)
    later = suspended + datetime.timedelta(days=rng.randint(20, 60))
    plan.events.append(("active", "suspended", reason, EXIT_NOTES[reason], suspended))
    if fate < 0.05:
        plan.values["status"] = Outlet.Status.SUSPENDED
    elif fate < 0.09:
        note = "整改期满仍未达到要求，予以退出。"
        plan.events.append(("suspended", "exited", reason, note, later))
        plan.values["status"] = Outlet.Status.EXITED
        plan.values["exited_on"] = later
    else:
        note = "整改到位，经复查恢复经营。"
        plan.events.append(("suspended", "active", ExitReason.OTHER, note, later))
    return plan


def seed_outlets(ctx: SeedContext, operators: list[int]) -> list[tuple[Outlet, OutletPlan]]:
    """Outlets by (district, name): new ones in one bulk insert, changed ones saved."""
    roster = outlet_roster(ctx, max(50, ctx.units))
    existing = {(o.district_id, o.name): o for o in Outlet.objects.all()}
    plans = [plan_outlet(ctx, spec, operators) for spec in roster]
    new = []
    result = []
    for plan in plans:
        outlet = existing.get((plan.spec.district, plan.spec.name))
        if outlet is None:
            outlet = Outlet(name=plan.spec.name, district_id=plan.spec.district, **plan.values)
            new.append(outlet)
        else:
            changed = [k for k, v in plan.values.items() if getattr(outlet, k) != v]
            if changed:
                for k in changed:
                    setattr(outlet, k, plan.values[k])
                outlet.save(update_fields=changed)
                ctx.updated[Outlet._meta.label] += 1
        result.append((outlet, plan))
    # ~1,000 rows x 14 columns: one statement on PostgreSQL; SQLite splits it to 999 parameters.
    Outlet.objects.bulk_create(new, batch_size=1000)
    ctx.count_created(Outlet, len(new))
    ctx.log(f"  网点 (outlets): {len(result)} ({len(new)} new)")
    return result
