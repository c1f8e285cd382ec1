"""Suppliers (供应商/经营主体), their bases (供深基地) and products, from the catalogue tables.

Natural keys: a supplier by its credit code, a base by (supplier, name), a product by
(supplier, name) — the same keys the models hold unique.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from portal.models import Region
from products.models import Product, Supplier, SupplierBase

from .catalogue import SUPPLIERS
from .codes import CreditCodes
from .context import SeedContext, person_name, phone, random_day, upsert
from .places import GIVEN_NAMES, SURNAMES
from .specs import BaseSpec, ProductSpec, SupplierSpec

# Telephone area codes of the paired cities (by the first four digits of a county code).
AREA_CODES = {
    "4510": "0776",
    "4512": "0778",
    "4415": "0660",
    "4416": "0762",
    "5404": "0894",
    "6531": "0998",
}
ROAD_NAMES = ("城东路", "迎宾大道", "工业园区", "农业示范区", "解放路", "人民路", "新城大道")


@dataclass(frozen=True)
class SeededProduct:
    """A product row with the catalogue entry it came from."""

    product: Product
    spec: ProductSpec
    serial: int  # its position in the catalogue: stable, so certificate numbers are too


@dataclass(frozen=True)
class SeededSupplier:
    supplier: Supplier
    spec: SupplierSpec
    products: list[SeededProduct]
    bases: list[tuple[SupplierBase, BaseSpec, int]]  # (row, entry, serial)


def _full_names() -> dict[str, str]:
    """Region names with their ancestors, e.g. 广西壮族自治区百色市田阳区, in one query."""
    regions = {r.code: r for r in Region.objects.all()}
    names = {}
    for code, region in regions.items():
        parts, current = [], region
        while current is not None:
            parts.append(current.name)
            current = regions.get(current.parent_id) if current.parent_id else None
        names[code] = "".join(reversed(parts))
    return names


def _supplier_values(ctx: SeedContext, spec: SupplierSpec, place: str) -> dict:
    rng = ctx.rng("supplier", spec.key)
    activated = None
    if spec.status != Supplier.Status.PENDING:
        day = random_day(rng, datetime.date(2023, 3, 1), datetime.date(2024, 9, 30))
        activated = ctx.at(day, rng.randint(9, 17), rng.randint(0, 59))
    return {
        "kind": Supplier.Kind.SUPPLIER,
        "name": spec.name,
        "region_id": spec.county,
        "status": spec.status,
        "legal_representative": spec.legal_representative,
        "activated_at": activated,
        "contact_name": person_name(rng, SURNAMES, GIVEN_NAMES),
        "contact_phone": phone(rng, AREA_CODES[spec.county[:4]]),
        "address": f"{place}{rng.choice(ROAD_NAMES)}{rng.randint(1, 300)}号",
    }


def _seed_supplier(ctx: SeedContext, spec: SupplierSpec, code: str, place: str) -> Supplier:
    values = _supplier_values(ctx, spec, place)
    supplier = Supplier.objects.filter(credit_code=code).first()
    if supplier is None:  # multi-table inheritance: one save per row, 40-odd rows
        supplier = Supplier(credit_code=code, **values)
        supplier.save()
        ctx.count_created(Supplier)
        return supplier
    changed = [name for name, value in values.items() if getattr(supplier, name) != value]
    if changed:
        for name in changed:
            setattr(supplier, name, values[name])
        supplier.save(update_fields=changed)
        ctx.updated[Supplier._meta.label] += 1
    return supplier


def _product_status(supplier: SupplierSpec, spec: ProductSpec) -> str:
    # A suspended supplier's products are suspended with it (动态退出).
    if supplier.status == Supplier.Status.SUSPENDED:
        return Product.Status.SUSPENDED
    return spec.status


def seed_suppliers(ctx: SeedContext, codes: CreditCodes) -> dict[str, SeededSupplier]:
    """Every supplier of the catalogue with its bases and products, by catalogue key."""
    places = _full_names()
    seeded: dict[str, SeededSupplier] = {}
    product_serial = base_serial = 0
    for spec in SUPPLIERS:
        kind = "cooperative" if spec.kind == "cooperative" else "company"
        code = codes.code_for(kind=kind, division=spec.county, name=spec.name)
        supplier = _seed_supplier(ctx, spec, code, places[spec.county])
        rng = ctx.rng("bases", spec.key)
        bases = []
        for base_spec in spec.bases:
            base_serial += 1
            base = upsert(
                ctx,
                SupplierBase,
                {"supplier_id": supplier.pk, "name": base_spec.name},
                {
                    "region_id": spec.county,
                    "category": base_spec.category,
                    "address": f"{places[spec.county]}{rng.choice(ROAD_NAMES)}",
                    "area_mu": Decimal(base_spec.area_mu),
                    "status": SupplierBase.Status.ACTIVE,
                },
            )
            bases.append((base, base_spec, base_serial))
        products = []
        for product_spec in spec.products:
            product_serial += 1
            base_id = next(
                (b.pk for b, b_spec, _ in bases if b_spec.category == product_spec.category), None
            )
            origin = product_spec.origin or spec.county
            product = upsert(
                ctx,
                Product,
                {"supplier_id": supplier.pk, "name": product_spec.name},
                {
                    "base_id": base_id,
                    "category": product_spec.category,
                    "region_id": origin,
                    "specification": product_spec.specification,
                    "price": Decimal(product_spec.price),
                    "price_unit": product_spec.price_unit,
                    "supply_volume": Decimal(product_spec.supply_volume),
                    "supply_unit": product_spec.supply_unit,
                    "season": product_spec.season,
                    "households_lifted": product_spec.households,
                    "description": f"产自{places[origin]}，规格{product_spec.specification}，"
                    f"上市期{product_spec.season}，带动{product_spec.households}户脱贫户增收。",
                    "status": _product_status(spec, product_spec),
                },
            )
            products.append(SeededProduct(product, product_spec, product_serial))
        seeded[spec.key] = SeededSupplier(supplier, spec, products, bases)
    ctx.log(
        f"  供应商 (suppliers): {len(seeded)}, "
        f"基地 (bases): {base_serial}, 产品 (products): {product_serial}"
    )
    return seeded
