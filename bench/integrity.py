"""The integrity checks' cost (issue 9, point 4): the nightly run over the whole city's two
years of purchases, and the run after one unit's import (its unit, the import's dates: the
quarter under way). Called directly, as the Celery task does (eager or on a worker alike).

Every run starts from no flags, so each does the whole work (finding and inserting); the flags
are removed after the last, leaving the database as it was built."""

from __future__ import annotations

import datetime
import time

from .jobs import IMPORT_CLERK
from .measure import Measurement


def _clear() -> None:
    from procurement.models import IntegrityFlag

    IntegrityFlag.objects.all().delete()


def _timed(bench, name: str, run, details: dict) -> None:
    from django.test.utils import CaptureQueriesContext

    _clear()
    samples, found, errors = [], {}, 0
    for attempt in range(bench.plan.job_warmup + bench.plan.job_runs):
        started = time.perf_counter()
        try:
            found = run()
        except Exception as error:  # reported as an error of the measurement, with the reason
            errors += 1
            bench.log(f"{name} failed: {error!r}")
            continue
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            _clear()
        if attempt >= bench.plan.job_warmup:
            samples.append(elapsed)
    with CaptureQueriesContext(bench.connection) as captured:
        run()
    _clear()
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    slowest_ms, slowest_sql = max(queries) if queries else (0.0, "")
    bench.plans[name] = f"-- {name}: slowest of {len(queries)} queries, {slowest_ms:.1f} ms\n"
    bench.plans[name] += slowest_sql
    bench.record(
        Measurement(
            name,
            samples,
            errors=errors,
            details={
                **details,
                "new_flags": found,
                "queries": len(queries),
                "db_ms": round(sum(ms for ms, _sql in queries), 2),
                "slowest_query_ms": round(slowest_ms, 2),
            },
        )
    )


def integrity_checks(bench) -> None:
    from django.contrib.auth import get_user_model

    from portal.periods import Quarter
    from procurement.integrity import integrity_checks_run

    first = datetime.date(bench.today.year - 1, 1, 1)
    _timed(
        bench,
        "integrity_nightly",
        lambda: integrity_checks_run(first=first),
        {"scope": f"every unit, {first.isoformat()} to today"},
    )
    clerk = get_user_model().objects.select_related("membership").get(username=IMPORT_CLERK)
    unit_id = clerk.membership.organisation_id
    quarter_first = Quarter.of(bench.today).first_day
    _timed(
        bench,
        "integrity_after_import",
        lambda: integrity_checks_run(unit_id=unit_id, first=quarter_first, last=bench.today),
        {"scope": f"unit {unit_id}, {quarter_first.isoformat()} to today"},
    )
