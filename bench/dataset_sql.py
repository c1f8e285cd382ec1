"""The bulk half of the bench city: procurement records and what grows with them, made by
``INSERT … SELECT generate_series`` inside PostgreSQL (a million records in well under a
minute), on the real tables and their constraints.

How the records are spread: a unit's share of the records falls off with its rank (the unit
at rank ``r`` of ``U`` gets about ``(r/U)^(1/1.6)``, so the largest unit logs ~1% of the
city's records, a typical one a tenth of a percent); 70% of a unit's purchases go to its forty
regular products, the rest anywhere; purchase dates are uniform from 1 January of last year to
today; amounts are log-uniform between ¥800 and ¥80,000; 1% are rejected. Quarters that have
ended are submitted (their records ``submitted``), the quarter under way is open.
"""

from __future__ import annotations

import datetime
import io

from portal.periods import Quarter

RECORD_INSERT = """
INSERT INTO procurement_procurementrecord
    (budget_unit_id, purchased_on, supplier_id, product_id, amount, quantity, unit, channel,
     purpose, invoice_no, status, rejection_reason, created_by_id, created_at, updated_at)
SELECT u.unit_id, g.day, p.supplier_id, p.product_id, g.amount,
       greatest(round(g.amount / greatest(p.price, 1), 3), 0.001), '件',
       CASE WHEN g.r1 < 0.25 THEN 'platform_832' WHEN g.r1 < 0.45 THEN 'outlet'
            WHEN g.r1 < 0.65 THEN 'online_mall' WHEN g.r1 < 0.90 THEN 'direct'
            WHEN g.r1 < 0.95 THEN 'buy_for_donation' ELSE 'other' END,
       CASE WHEN g.r2 < 0.60 THEN 'canteen' WHEN g.r2 < 0.85 THEN 'union_welfare'
            WHEN g.r2 < 0.95 THEN 'gifts' ELSE 'other' END,
       'FP' || lpad(g.i::text, 10, '0'),
       CASE WHEN g.r3 < 0.01 THEN 'rejected'
            WHEN g.day < %(open_first)s THEN 'submitted' ELSE 'recorded' END,
       '', u.clerk_id, t.stamp, t.stamp
FROM (
    SELECT i, least(floor(%(units)s * power(random(), 1.6))::int, %(units)s - 1) AS uidx,
           random() AS rp, random() AS rq,
           %(first)s::date + least(floor(random() * %(days)s)::int, %(days)s - 1) AS day,
           round(exp(ln(800) + random() * ln(100))::numeric, 2) AS amount,
           random() AS r1, random() AS r2, random() AS r3
    FROM generate_series(1, %(records)s) AS i
) AS g
CROSS JOIN LATERAL (
    SELECT ((g.day + time '08:30' + g.r3 * interval '10 hours')
            AT TIME ZONE 'Asia/Shanghai') AS stamp
) AS t
JOIN bench_units AS u ON u.idx = g.uidx
JOIN bench_products AS p ON p.idx = CASE
    WHEN g.rp < 0.7 THEN mod(g.uidx * 7919 + floor(g.rq * 40)::int, %(products)s)
    ELSE least(floor(g.rq * %(products)s)::int, %(products)s - 1) END
ORDER BY g.day, g.i
"""
# Three vouchers in five records: the ledger counts them on every line.
VOUCHER_INSERT = """
INSERT INTO procurement_voucher
    (record_id, file, original_name, content_type, size, sha256, uploaded_by_id, uploaded_at)
SELECT r.id, 'vouchers/bench/' || r.id || '.pdf', '发票' || r.invoice_no || '.pdf',
       'application/pdf', 60000 + mod(r.id, 90000), encode(sha256(r.id::text::bytea), 'hex'),
       r.created_by_id, r.created_at
FROM procurement_procurementrecord AS r
WHERE random() < 0.6
"""
# Each unit declares each ended quarter (and half of them the quarter under way): the total is
# what it bought in the quarter over a share between 12% and 62%, so about a third of the
# unit-quarters fall short of 30%. One unit in fifty never declares (no share at all).
DECLARATION_INSERT = """
INSERT INTO procurement_declaration
    (budget_unit_id, year, quarter, agri_total, canteen_total, union_welfare_total,
     declared_by_id, declared_at)
SELECT u.unit_id, q.y, q.q,
       CASE WHEN coalesce(s.total, 0) > 0 THEN round(s.total / (0.12 + random() * 0.5)::numeric, 2)
            ELSE round((50000 + random() * 450000)::numeric, 2) END,
       0, 0, u.clerk_id, now()
FROM bench_units AS u
CROSS JOIN bench_quarters AS q
LEFT JOIN (
    SELECT budget_unit_id, extract(year FROM purchased_on)::int AS y,
           extract(quarter FROM purchased_on)::int AS q, sum(amount) AS total
    FROM procurement_procurementrecord
    WHERE status <> 'rejected'
    GROUP BY 1, 2, 3
) AS s ON s.budget_unit_id = u.unit_id AND s.y = q.y AND s.q = q.q
WHERE mod(u.idx, 50) <> 7 AND (q.ended OR random() < 0.5)
"""
SUBMISSION_INSERT = """
INSERT INTO procurement_quartersubmission
    (budget_unit_id, year, quarter, status, submitted_by_id, submitted_at, reopen_reason)
SELECT u.unit_id, q.y, q.q, 'submitted', u.clerk_id,
       (q.last_day + 5 + time '10:00') AT TIME ZONE 'Asia/Shanghai', ''
FROM bench_units AS u
JOIN bench_quarters AS q ON q.ended
"""
CARRIED_INSERT = """
INSERT INTO outlets_outlet_products (outlet_id, product_id)
SELECT DISTINCT x.outlet_id, p.product_id
FROM (
    SELECT o.id AS outlet_id, least(floor(random() * %(products)s)::int, %(products)s - 1) AS pidx
    FROM outlets_outlet AS o, generate_series(1, 5 + mod(o.id * 37, 36)) AS s
) AS x
JOIN bench_products AS p ON p.idx = x.pidx
"""
SALES_INSERT = """
INSERT INTO outlets_outletsalesreport (outlet_id, year, month, amount, reported_at)
SELECT o.id, extract(year FROM m)::int, extract(month FROM m)::int,
       round(((CASE o.kind WHEN 'hall' THEN 400000 WHEN 'centre' THEN 900000
                           WHEN 'zone' THEN 150000 ELSE 60000 END)
              * (0.5 + random()))::numeric, 2),
       m + interval '1 month 3 days'
FROM outlets_outlet AS o
CROSS JOIN generate_series(%(first)s::date, %(last_month)s::date, interval '1 month') AS m
WHERE m >= date_trunc('month', o.opened_on) AND (o.exited_on IS NULL OR m < o.exited_on)
"""
POLICY_INSERT = """
INSERT INTO procurement_quotapolicy (year, ratio, growth_required, note)
VALUES (%(last_year)s, 0.300, true, ''), (%(year)s, 0.300, true, '')
"""
# Targets a little above what last year bought: the city's, each district's, each paired
# region's (this year only).
TARGET_INSERT = """
INSERT INTO procurement_annualtarget (year, district_id, region_id, amount)
SELECT y.year, NULL, NULL, round(greatest(t.total, 1000) * y.factor, -3)
FROM (SELECT sum(amount) AS total FROM procurement_procurementrecord
      WHERE purchased_on < make_date(%(year)s, 1, 1)) AS t,
     (VALUES (%(last_year)s, 0.95), (%(year)s, 1.10)) AS y(year, factor)
UNION ALL
SELECT y.year, d.code, NULL, round(greatest(coalesce(t.total, 0), 1000) * y.factor, -3)
FROM unnest(%(districts)s::text[]) AS d(code)
LEFT JOIN (
    SELECT o.region_id, sum(r.amount) AS total
    FROM procurement_procurementrecord AS r
    JOIN portal_organisation AS o ON o.id = r.budget_unit_id
    WHERE r.purchased_on < make_date(%(year)s, 1, 1)
    GROUP BY o.region_id
) AS t ON t.region_id = d.code
CROSS JOIN (VALUES (%(last_year)s, 0.95), (%(year)s, 1.10)) AS y(year, factor)
UNION ALL
SELECT %(year)s, NULL, r.code, 10000000
FROM (SELECT DISTINCT unnest(%(paired)s::text[]) AS code) AS r
"""
COUNTS = """
SELECT (SELECT count(*) FROM procurement_procurementrecord),
       (SELECT count(*) FROM procurement_voucher),
       (SELECT count(*) FROM procurement_declaration),
       (SELECT count(*) FROM procurement_quartersubmission),
       (SELECT count(*) FROM outlets_outlet_products),
       (SELECT count(*) FROM outlets_outletsalesreport)
"""


def _tsv(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(cursor, model, rows: list[dict]) -> None:
    """COPY ``rows`` (dicts keyed by field name) into ``model``'s table."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(f'"{field.column}"' for field in fields)
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_tsv(value) for value in row.values()))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', buffer)


def _copy(cursor, table: str, rows: list[tuple]) -> None:
    buffer = io.StringIO("".join("\t".join(str(v) for v in row) + "\n" for row in rows))
    cursor.copy_expert(f"COPY {table} FROM STDIN", buffer)


def _quarters(first_day: datetime.date, as_of: datetime.date) -> list[tuple]:
    rows, quarter = [], Quarter.of(first_day)
    while quarter <= Quarter.of(as_of):
        ended = quarter.has_ended(as_of=as_of)
        rows.append((quarter.year, quarter.quarter, "t" if ended else "f", quarter.last_day))
        quarter = quarter.next()
    return rows


def fill(
    cursor,
    *,
    records: int,
    units: list[tuple[int, int]],
    first_day: datetime.date,
    as_of: datetime.date,
    open_quarter: Quarter,
    districts: list[str],
    paired: list[str],
) -> dict[str, int]:
    """Insert the records and what grows with them; ``units`` are (unit id, clerk id) with
    the unit that buys most first."""
    cursor.execute("SELECT setseed(0.2026)")
    cursor.execute(
        "CREATE TEMP TABLE bench_units (idx int PRIMARY KEY, unit_id bigint, clerk_id int)"
    )
    _copy(cursor, "bench_units", [(i, unit, clerk) for i, (unit, clerk) in enumerate(units)])
    cursor.execute("CREATE TEMP TABLE bench_quarters (y int, q int, ended boolean, last_day date)")
    _copy(cursor, "bench_quarters", _quarters(first_day, as_of))
    # The products a unit can buy: those of active suppliers (each holds a recognition over the
    # whole period, see dataset.CityBuilder.certificates).
    cursor.execute(
        "CREATE TEMP TABLE bench_products AS "
        "SELECT (row_number() OVER (ORDER BY p.id) - 1)::int AS idx, p.id AS product_id, "
        "p.supplier_id, p.price FROM products_product AS p "
        "JOIN products_supplier AS s ON s.organisation_ptr_id = p.supplier_id "
        "WHERE s.status = 'active'"
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_products (idx)")
    cursor.execute("SELECT count(*) FROM bench_products")
    products = cursor.fetchone()[0]
    last_month = (as_of.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    params = {
        "records": records,
        "units": len(units),
        "products": products,
        "first": first_day,
        "days": (as_of - first_day).days + 1,
        "open_first": open_quarter.first_day,
        "last_month": last_month,
        "year": as_of.year,
        "last_year": as_of.year - 1,
        "districts": districts,
        "paired": paired,
    }
    for statement in (
        RECORD_INSERT,
        VOUCHER_INSERT,
        DECLARATION_INSERT,
        SUBMISSION_INSERT,
        CARRIED_INSERT,
        SALES_INSERT,
        POLICY_INSERT,
        TARGET_INSERT,
    ):
        cursor.execute(statement, params)
    cursor.execute(COUNTS)
    names = ("records", "vouchers", "declarations", "submissions", "carried", "sales")
    return dict(zip(names, cursor.fetchone(), strict=True))
