"""How the demo's supplier tables are written down, and their parsed form.

Rows are ``|``-separated so one product fits on one line and reads like the published
catalogue (优质产品名库: 品种, 价格, 供应量, 上市周期, 带贫能力). Every region code is a county
of ``portal/data/regions.csv``.

Supplier: ``key|name|county|kind|legal representative|status`` (kind decides the credit code's
entity type: company 企业 or cooperative 农民专业合作社).
Product: ``name|category|specification|price|per|supply volume|supply unit|season|households|
cert[|status[|origin county]]``, where ``cert`` is
  ``r``   recognised (帮扶产品认定) in the late-2024 batch, valid over the whole demo period;
  ``rs``  recognised and also 圳品 (szp);
  ``r25`` first recognised in a 2025 batch (bought only from then on);
  empty  no certificate yet (the supplier can still apply).
Base: ``name|area in mu|category|certified or uncertified`` (供深基地 / 菜篮子基地).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductSpec:
    name: str
    category: str
    specification: str
    price: str
    price_unit: str
    supply_volume: str
    supply_unit: str
    season: str
    households: int
    cert: str
    status: str
    origin: str  # the county of origin; empty when it is the supplier's


@dataclass(frozen=True)
class BaseSpec:
    name: str
    area_mu: str
    category: str
    certified: bool


@dataclass(frozen=True)
class SupplierSpec:
    key: str
    name: str
    county: str
    kind: str
    legal_representative: str
    status: str
    products: tuple[ProductSpec, ...]
    bases: tuple[BaseSpec, ...]


def product_row(row: str) -> ProductSpec:
    parts = row.split("|")
    parts += [""] * (12 - len(parts))
    name, category, spec, price, per, volume, supply_unit, season, households, cert = parts[:10]
    return ProductSpec(
        name=name,
        category=category,
        specification=spec,
        price=price,
        price_unit=per,
        supply_volume=volume,
        supply_unit=supply_unit,
        season=season,
        households=int(households),
        cert=cert,
        status=parts[10] or "listed",
        origin=parts[11],
    )


def base_row(row: str) -> BaseSpec:
    name, area, category, certified = row.split("|")
    return BaseSpec(name, area, category, certified == "certified")


def supplier_row(
    row: str, *, products: tuple[str, ...], bases: tuple[str, ...] = ()
) -> SupplierSpec:
    key, name, county, kind, legal_representative, status = row.split("|")
    return SupplierSpec(
        key=key,
        name=name,
        county=county,
        kind=kind,
        legal_representative=legal_representative,
        status=status,
        products=tuple(product_row(p) for p in products),
        bases=tuple(base_row(b) for b in bases),
    )
