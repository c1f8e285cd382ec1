"""Time the portal on one bench database (``python -m bench.measure --records N``), each page
and API through Django's full request stack (the test client: middleware, views, templates,
serializers) against its floor in ``bench.sql``, and check the two answers agree.

Writes one JSON document to ``--out``: the measurements, each with its median and p95 over the
timed runs after warm-up, the floor's, the query count of one profiled run and the plan of its
slowest query (EXPLAIN ANALYZE), and whether portal and floor agree.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LEDGER_PAGE = 50  # procurement.views.records.LEDGER_PAGE_SIZE
SLOW_MS = 2000
SLOW_RUNS = 3
RECORD_LINK = re.compile(r'href="/procurement/records/(\d+)/"')
PRODUCT_LINK = re.compile(r'href="/products/catalogue/(\d+)/')
OUTLET_LINK = re.compile(r'href="/outlets/(\d+)/')


@dataclass(frozen=True)
class Plan:
    """How many times to run each kind of measurement."""

    warmup: int
    runs: int
    job_warmup: int  # imports and report builds: seconds each
    job_runs: int
    import_rows: int


FULL_PLAN = Plan(warmup=2, runs=7, job_warmup=1, job_runs=3, import_rows=10_000)
QUICK_PLAN = Plan(warmup=1, runs=3, job_warmup=0, job_runs=1, import_rows=500)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (with seven runs, p95 is the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timed(action: Callable[[], object], *, warmup: int, runs: int) -> tuple[list[float], object]:
    """Milliseconds of each timed run of ``action`` and the last run's result. An action whose
    first run takes longer than ``SLOW_MS`` is warmed up once and timed ``SLOW_RUNS`` times, so
    that a page taking a minute does not hold the bench for a quarter of an hour."""
    result = None
    for attempt in range(warmup):
        started = time.perf_counter()
        result = action()
        if attempt == 0 and (time.perf_counter() - started) * 1000 > SLOW_MS:
            runs = min(runs, SLOW_RUNS)
            break
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


@dataclass
class Measurement:
    name: str
    samples: list[float]
    sql_samples: list[float] | None = None
    rows_per_s: float | None = None
    errors: int | None = None
    check: str | None = None  # "ok", or what disagrees
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        median = statistics.median(self.samples) if self.samples else None
        sql = statistics.median(self.sql_samples) if self.sql_samples else None
        return {
            "name": self.name,
            "median_ms": round(median, 2) if median is not None else None,
            "p95_ms": round(percentile(self.samples, 0.95), 2) if self.samples else None,
            "sql_median_ms": round(sql, 2) if sql is not None else None,
            "ratio": round(median / sql, 2) if median and sql else None,
            "rows_per_s": round(self.rows_per_s, 1) if self.rows_per_s else None,
            "errors": self.errors,
            "runs": len(self.samples),
            "samples_ms": [round(sample, 1) for sample in self.samples],
            "check": self.check,
            **self.details,
        }


class Bench:
    """One size's measurements; ``self.out`` collects them."""

    def __init__(self, *, plan: Plan, log: Callable[[str], None]):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from portal.periods import last_ended_quarter, today

        self.plan, self.log = plan, log
        self.connection = connection
        self.today = today()
        self.year = self.today.year
        self.report_quarter = last_ended_quarter(as_of=self.today)
        users = get_user_model().objects
        self.city_user = users.get(username="bench_city")
        self.city = Client()
        self.city.force_login(self.city_user)
        self.public = Client()
        self.results: list[Measurement] = []
        self.plans: dict[str, str] = {}
        self.mismatches: list[str] = []
        # The clerk of the unit that logged most: the longest ledger in the city.
        self.big_unit, self.big_count = self.fetch(
            "SELECT budget_unit_id, count(*) FROM procurement_procurementrecord "
            "GROUP BY budget_unit_id ORDER BY count(*) DESC, budget_unit_id LIMIT 1"
        )[0]
        self.clerk_user = users.get(
            membership__organisation_id=self.big_unit, membership__role="unit_clerk"
        )
        self.clerk = Client()
        self.clerk.force_login(self.clerk_user)

    # --- helpers ------------------------------------------------------------------------------

    def fetch(self, query: str, params: dict | None = None) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(query, params)  # None: no %-interpolation of the text
            return cursor.fetchall()

    def get(self, client, url: str, *, expect: int = 200):
        response = client.get(url)
        if response.status_code != expect:
            raise RuntimeError(f"GET {url} answered {response.status_code}, not {expect}")
        return response

    def floor(self, query: str, params: dict | None) -> tuple[list[float], list[tuple]]:
        return timed(
            lambda: self.fetch(query, params), warmup=self.plan.warmup, runs=self.plan.runs
        )

    def profile(self, name: str, action: Callable[[], object]) -> dict:
        """Run ``action`` once more with every query captured: how many, how long in the
        database, and the plan of the slowest (EXPLAIN ANALYZE), for whoever optimises next."""
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as captured:
            action()
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        if not queries:
            return {"queries": 0}
        slowest_ms, slowest_sql = max(queries)
        if slowest_sql.lstrip().upper().startswith("SELECT"):
            plan = self.fetch("EXPLAIN (ANALYZE, BUFFERS) " + slowest_sql)
            self.plans[name] = "\n".join(
                [f"-- {name}: slowest of {len(queries)} queries, {slowest_ms:.1f} ms", slowest_sql]
                + [line for (line,) in plan]
            )
        return {
            "queries": len(queries),
            "db_ms": round(sum(ms for ms, _sql in queries), 2),
            "slowest_query_ms": round(slowest_ms, 2),
        }

    def record(self, measurement: Measurement) -> None:
        if measurement.check not in (None, "ok"):
            self.mismatches.append(f"{measurement.name}: {measurement.check}")
            self.log(f"MISMATCH {measurement.name}: {measurement.check}")
        self.results.append(measurement)
        summary = measurement.as_dict()
        self.log(
            f"{summary['name']}: {summary['median_ms']} ms"
            + (f" (SQL {summary['sql_median_ms']} ms)" if summary["sql_median_ms"] else "")
            + (f", {summary['rows_per_s']} rows/s" if summary["rows_per_s"] else "")
        )

    def page(self, name: str, client, url: str, *, check: Callable[[object], str | None]) -> list:
        samples, response = timed(
            lambda: self.get(client, url), warmup=self.plan.warmup, runs=self.plan.runs
        )
        details = self.profile(name, lambda: self.get(client, url))
        details["url"] = url
        return [samples, check(response), details]

    # --- the measurements ---------------------------------------------------------------------

    def compliance(self) -> None:
        from . import sql

        params = sql.year_params(self.year, self.today)
        sql_samples, rows = self.floor(sql.COMPLIANCE, params)
        floor = sql.compliance_rows(rows)
        # Every unit in one request (the API takes ?page_size= up to 1,000); the walk follows
        # "next" all the same, should there be more.
        url = f"/api/v1/procurement/compliance/?year={self.year}&page_size=1000"

        def walk() -> list[dict]:
            results, next_url = [], url
            while next_url:
                data = self.get(self.city, next_url).json()
                results.extend(data["results"])
                next_url = data["next"]
            return results

        samples, results = timed(walk, warmup=self.plan.warmup, runs=self.plan.runs)
        portal = sql.compliance_api_rows(results)
        problems = sql.differences(portal, floor)
        details = self.profile("compliance_api", walk)
        details.update(url=url, units=len(results), pages=math.ceil(len(results) / 1000))
        check = "ok" if not problems else "; ".join(problems)
        self.record(
            Measurement("compliance_api", samples, sql_samples, check=check, details=details)
        )
        page_url = f"/procurement/compliance/?year={self.year}"
        samples, _verdict, details = self.page(
            "compliance_page", self.city, page_url, check=lambda response: None
        )
        self.record(Measurement("compliance_page", samples, sql_samples, details=details))

    def dashboard(self) -> None:
        from . import sql

        params = sql.year_params(self.year, self.today)
        sql_samples, rows = self.floor(sql.DASHBOARD, params)
        floor = sql.dashboard_from_sql(rows[0][0])

        def check(response) -> str:
            problems = sql.differences(sql.dashboard_from_api(response.json()), floor)
            return "ok" if not problems else "; ".join(problems)

        url = f"/api/v1/dashboard/summary/?year={self.year}"
        samples, verdict, details = self.page("dashboard_summary", self.city, url, check=check)
        self.record(
            Measurement("dashboard_summary", samples, sql_samples, check=verdict, details=details)
        )

    def listing(self, name, client, url, query, params, link) -> None:
        """A list page against its LIMIT query: the same rows in the same order."""
        sql_samples, rows = self.floor(query, params)
        expected = [row[0] for row in rows]

        def check(response) -> str:
            found = [int(pk) for pk in dict.fromkeys(link.findall(response.content.decode()))]
            return "ok" if found == expected else f"page shows {found[:5]}…, SQL {expected[:5]}…"

        samples, verdict, details = self.page(name, client, url, check=check)
        details["rows"] = len(expected)
        self.record(Measurement(name, samples, sql_samples, check=verdict, details=details))

    def ledger(self) -> None:
        from . import sql

        last = max(1, math.ceil(self.big_count / LEDGER_PAGE))
        for name, page in (("ledger_first_page", 1), ("ledger_deep_page", last)):
            url = "/procurement/records/" + (f"?page={page}" if page > 1 else "")
            params = {"unit": self.big_unit, "offset": (page - 1) * LEDGER_PAGE}
            self.listing(name, self.clerk, url, sql.LEDGER, params, RECORD_LINK)
            self.results[-1].details.update(unit_records=self.big_count, page=page)

    def catalogue(self) -> None:
        from . import sql
        from .vocabulary import CATALOGUE_QUERY

        url = f"/products/catalogue/?q={CATALOGUE_QUERY}"
        params = {"today": self.today, "like": f"%{CATALOGUE_QUERY}%"}
        self.listing("catalogue_search", self.public, url, sql.CATALOGUE, params, PRODUCT_LINK)

    def finder(self) -> None:
        from . import sql

        self.listing("outlet_finder", self.public, "/outlets/", sql.FINDER, None, OUTLET_LINK)

    def run_all(self, *, skip: set[str]) -> None:
        from .integrity import integrity_checks
        from .jobs import import_file, quarterly_report
        from .review import review_pages
        from .trace import trace_page

        steps = (
            ("compliance", self.compliance),
            ("dashboard", self.dashboard),
            ("ledger", self.ledger),
            ("catalogue", self.catalogue),
            ("finder", self.finder),
            ("import", lambda: import_file(self)),
            ("report", lambda: quarterly_report(self)),
            ("integrity", lambda: integrity_checks(self)),
            ("review", lambda: review_pages(self)),
            ("trace", lambda: trace_page(self)),
        )
        for step, action in steps:
            if step in skip:
                continue
            try:
                action()
            except Exception as error:  # one broken measurement must not hide the others
                self.log(f"FAILED {step}: {error!r}")
                self.mismatches.append(f"{step}: failed: {error!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", required=True)
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out")
    args = parser.parse_args(argv)
    import django

    django.setup()

    def log(message: str) -> None:
        print(f"    {message}", file=sys.stderr, flush=True)

    bench = Bench(plan=QUICK_PLAN if args.quick else FULL_PLAN, log=log)
    bench.run_all(skip=set(filter(None, args.skip.split(","))))
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "measurements": [m.as_dict() for m in bench.results],
                "plans": bench.plans,
                "mismatches": bench.mismatches,
                "as_of": bench.today.isoformat(),
            },
            handle,
            ensure_ascii=False,
            indent=1,
        )


if __name__ == "__main__":
    main()
