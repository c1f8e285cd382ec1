"""The floors: each measured answer computed by one hand-written SQL query on the same database,
and the plain-data shape both sides are compared in.

Each query returns the whole answer the portal gives (api.md's quota formula for every unit;
the dashboard summary's figures; a list page with the totals it shows), so portal ÷ floor is
the cost of everything that is not the database's own work.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

# api.md, "The quota, exactly", for every unit of the city in one pass over two years of
# records: agri_total, assistance_total, share, shortfall, last_year_total, meets_*.
COMPLIANCE = """
WITH ratio AS (
    SELECT coalesce((SELECT ratio FROM procurement_quotapolicy WHERE year = %(year)s), 0.300) AS r
), declared AS (
    SELECT budget_unit_id, sum(agri_total) AS agri
    FROM procurement_declaration WHERE year = %(year)s GROUP BY budget_unit_id
), bought AS (
    SELECT budget_unit_id,
           sum(amount) FILTER (WHERE purchased_on >= %(first)s) AS assistance,
           sum(amount) FILTER (WHERE purchased_on < %(first)s) AS last_year
    FROM procurement_procurementrecord
    WHERE purchased_on BETWEEN %(last_first)s AND %(last)s AND status <> 'rejected'
    GROUP BY budget_unit_id
)
SELECT u.organisation_ptr_id, o.name, o.region_id, coalesce(d.agri, 0) AS agri,
       coalesce(b.assistance, 0) AS assistance, coalesce(b.last_year, 0) AS last_year,
       round(coalesce(b.assistance, 0) / nullif(d.agri, 0), 4) AS share,
       greatest(0, round(ratio.r * coalesce(d.agri, 0) - coalesce(b.assistance, 0), 2)),
       d.agri > 0 AND coalesce(b.assistance, 0) >= ratio.r * d.agri,
       coalesce(b.assistance, 0) >= coalesce(b.last_year, 0)
FROM procurement_budgetunit AS u
JOIN portal_organisation AS o ON o.id = u.organisation_ptr_id
CROSS JOIN ratio
LEFT JOIN declared AS d ON d.budget_unit_id = u.organisation_ptr_id
LEFT JOIN bought AS b ON b.budget_unit_id = u.organisation_ptr_id
ORDER BY o.region_id, o.name, u.organisation_ptr_id
"""

# The dashboard summary of api.md for the whole city and a year: one scan of the year's records
# grouped four ways at once (grouping sets), the units' quota counts from the same scan, the
# outlets by kind and the certified products, assembled as one JSON document.
DASHBOARD = """
WITH keep AS (
    SELECT region_id AS code FROM portal_districtpairing
    UNION SELECT region_id FROM procurement_annualtarget
    WHERE year = %(year)s AND region_id IS NOT NULL
), ratio AS (
    SELECT coalesce((SELECT ratio FROM procurement_quotapolicy WHERE year = %(year)s), 0.300) AS r
), grouped AS (
    SELECT GROUPING(uo.region_id) AS g_district, GROUPING(area.code) AS g_area,
           GROUPING(r.channel) AS g_channel, GROUPING(r.budget_unit_id) AS g_unit,
           uo.region_id AS district, area.code AS area, r.channel, r.budget_unit_id,
           sum(r.amount) AS amount
    FROM procurement_procurementrecord AS r
    JOIN portal_organisation AS uo ON uo.id = r.budget_unit_id
    JOIN portal_organisation AS so ON so.id = r.supplier_id
    JOIN portal_region AS sr ON sr.code = so.region_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN sr.code IN (SELECT code FROM keep) THEN sr.code
                    WHEN sr.level = 'county' THEN sr.parent_id ELSE sr.code END AS code
    ) AS area
    WHERE r.purchased_on BETWEEN %(first)s AND %(last)s AND r.status <> 'rejected'
    GROUP BY GROUPING SETS ((), (uo.region_id), (area.code), (r.channel), (r.budget_unit_id))
), units AS (
    SELECT u.organisation_ptr_id AS id, coalesce(d.agri, 0) AS agri, coalesce(g.amount, 0) AS amount
    FROM procurement_budgetunit AS u
    LEFT JOIN (SELECT budget_unit_id, sum(agri_total) AS agri FROM procurement_declaration
               WHERE year = %(year)s GROUP BY budget_unit_id) AS d
           ON d.budget_unit_id = u.organisation_ptr_id
    LEFT JOIN grouped AS g ON g.g_unit = 0 AND g.budget_unit_id = u.organisation_ptr_id
), certified AS (
    SELECT c.scheme_id, c.product_id
    FROM products_certificate AS c
    JOIN products_product AS p ON p.id = c.product_id
    JOIN products_supplier AS s ON s.organisation_ptr_id = p.supplier_id
    WHERE c.status = 'valid' AND c.valid_from <= %(today)s AND c.valid_until >= %(today)s
      AND p.status = 'listed' AND s.status = 'active'
)
SELECT json_build_object(
    'total_assistance', (SELECT coalesce(sum(amount), 0)::text FROM units),
    'units_total', (SELECT count(*) FROM units),
    'units_compliant', (SELECT count(*) FROM units, ratio WHERE agri > 0 AND amount >= agri * r),
    'by_district', (SELECT json_object_agg(district, amount::text) FROM grouped
                    WHERE g_district = 0 AND g_area = 1 AND g_channel = 1 AND g_unit = 1),
    'by_region', (SELECT json_object_agg(area, amount::text) FROM grouped
                  WHERE g_area = 0 AND g_district = 1 AND g_channel = 1 AND g_unit = 1),
    'by_channel', (SELECT json_object_agg(channel, amount::text) FROM grouped
                   WHERE g_channel = 0 AND g_district = 1 AND g_area = 1 AND g_unit = 1),
    'outlets_by_kind', (SELECT json_object_agg(kind, json_build_array(active, opened)) FROM (
        SELECT kind, count(*) FILTER (WHERE status = 'active') AS active,
               count(*) FILTER (WHERE opened_on BETWEEN %(first)s AND %(last)s) AS opened
        FROM outlets_outlet GROUP BY kind) AS k),
    'certified_total', (SELECT count(DISTINCT product_id) FROM certified),
    'certified_by_scheme', (SELECT json_object_agg(scheme_id, n) FROM (
        SELECT scheme_id, count(DISTINCT product_id) AS n FROM certified GROUP BY scheme_id) AS c)
)
"""

# A unit's ledger page as the clerk sees it: 50 records newest first with their supplier,
# product and voucher count, and the totals over all the unit's records the page shows.
LEDGER = """
SELECT r.id, r.purchased_on, r.amount, r.channel, r.status, so.name, p.name,
       (SELECT count(*) FROM procurement_voucher AS v WHERE v.record_id = r.id),
       count(*) OVER (), sum(r.amount) FILTER (WHERE r.status <> 'rejected') OVER ()
FROM procurement_procurementrecord AS r
JOIN portal_organisation AS so ON so.id = r.supplier_id
LEFT JOIN products_product AS p ON p.id = r.product_id
WHERE r.budget_unit_id = %(unit)s
ORDER BY r.purchased_on DESC, r.id DESC
LIMIT 50 OFFSET %(offset)s
"""

# The public catalogue's search: listed products of active suppliers holding a certificate
# valid today whose name, supplier or specification contains the words; a page of 24 by name,
# and the number found.
CATALOGUE = """
SELECT p.id, p.name, p.price, so.name, count(*) OVER ()
FROM products_product AS p
JOIN products_supplier AS s ON s.organisation_ptr_id = p.supplier_id
JOIN portal_organisation AS so ON so.id = p.supplier_id
WHERE p.status = 'listed' AND s.status = 'active'
  AND EXISTS (SELECT 1 FROM products_certificate AS c WHERE c.product_id = p.id
              AND c.status = 'valid' AND c.valid_from <= %(today)s AND c.valid_until >= %(today)s)
  AND (p.name ILIKE %(like)s OR so.name ILIKE %(like)s OR p.specification ILIKE %(like)s)
ORDER BY p.name, p.id
LIMIT 24
"""

# The public outlet finder's first page: active outlets in district, kind, name order with the
# listed products each carries, and the number of active outlets.
FINDER = """
SELECT o.id, o.name, o.kind, d.name, o.address,
       count(p.id) FILTER (WHERE p.status = 'listed'), count(*) OVER ()
FROM outlets_outlet AS o
JOIN portal_region AS d ON d.code = o.district_id
LEFT JOIN outlets_outlet_products AS op ON op.outlet_id = o.id
LEFT JOIN products_product AS p ON p.id = op.product_id
WHERE o.status = 'active'
GROUP BY o.id, d.name
ORDER BY o.district_id, o.kind, o.name, o.id
LIMIT 24
"""


def year_params(year: int, today: datetime.date) -> dict:
    return {
        "year": year,
        "first": datetime.date(year, 1, 1),
        "last": datetime.date(year, 12, 31),
        "last_first": datetime.date(year - 1, 1, 1),
        "today": today,
    }


def compliance_rows(rows) -> dict[int, tuple]:
    """Unit id → (agri, assistance, last year, share, shortfall, meets share, meets growth)."""
    return {
        row[0]: (
            Decimal(row[3]),
            Decimal(row[4]),
            Decimal(row[5]),
            None if row[6] is None else Decimal(row[6]),
            Decimal(row[7]),
            bool(row[8]),
            bool(row[9]),
        )
        for row in rows
    }


def compliance_api_rows(results: list[dict]) -> dict[int, tuple]:
    """The same shape from the API's rows (money and shares are decimal strings)."""

    def number(value):
        return None if value is None else Decimal(str(value))

    return {
        row["budget_unit"]: (
            number(row["agri_total"]),
            number(row["assistance_total"]),
            number(row["last_year_total"]),
            number(row["share"]),
            number(row["shortfall"]),
            bool(row["meets_share"]),
            bool(row["meets_growth"]),
        )
        for row in results
    }


def dashboard_from_api(data: dict) -> dict:
    """The API's summary in the floor's shape."""

    def money(value) -> Decimal:
        return Decimal(str(value))

    return {
        "total_assistance": money(data["total_assistance"]),
        "units_total": data["units_total"],
        "units_compliant": data["units_compliant"],
        "by_district": {
            row["district"]: money(row["amount"])
            for row in data["by_district"]
            if money(row["amount"])
        },
        "by_region": {
            row["region"]: money(row["amount"]) for row in data["by_region"] if money(row["amount"])
        },
        "by_channel": {
            row["channel"]: money(row["amount"])
            for row in data["by_channel"]
            if money(row["amount"])
        },
        "outlets_by_kind": {
            row["kind"]: [row["active"], row["opened"]]
            for row in data["outlets_by_kind"]
            if row["active"] or row["opened"]
        },
        "certified_total": data["certified_products"]["total"],
        "certified_by_scheme": {
            row["scheme"]: row["count"]
            for row in data["certified_products"]["by_scheme"]
            if row["count"]
        },
    }


def dashboard_from_sql(document: dict) -> dict:
    def money_map(values) -> dict:
        return {key: Decimal(value) for key, value in (values or {}).items() if Decimal(value)}

    return {
        "total_assistance": Decimal(document["total_assistance"]),
        "units_total": document["units_total"],
        "units_compliant": document["units_compliant"],
        "by_district": money_map(document["by_district"]),
        "by_region": money_map(document["by_region"]),
        "by_channel": money_map(document["by_channel"]),
        "outlets_by_kind": {
            kind: counts
            for kind, counts in (document["outlets_by_kind"] or {}).items()
            if any(counts)
        },
        "certified_total": document["certified_total"],
        "certified_by_scheme": dict(document["certified_by_scheme"] or {}),
    }


def differences(portal: dict, floor: dict, *, limit: int = 5) -> list[str]:
    """Where two answers disagree, key by key (at most ``limit`` lines)."""
    found = []
    for key in sorted(set(portal) | set(floor), key=str):
        if portal.get(key) != floor.get(key):
            found.append(f"{key}: portal {portal.get(key)!r} ≠ SQL {floor.get(key)!r}")
            if len(found) >= limit:
                break
    return found
