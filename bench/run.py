"""The benchmark of issue 8: the portal at city scale against its SQL floor.

    .venv/bin/python bench/run.py [--quick] [--sizes 100000,1000000] [--rebuild]
                                  [--skip-load-test] [--results-dir DIR]

For each size (records): build or reuse the bench database ``portal_bench_<size>`` (copied
from a migrated template, filled by bulk SQL, analysed), time every measurement through the
portal's request stack against its floor (``bench.measure`` in a child process with the
production settings), then drive concurrent clerks against gunicorn (``bench.load``). Writes
``bench/results/<stamp>.json`` and ``.md``, ``latest.json`` and README.md's table (full runs
only), and prints the table. ``--quick`` runs tiny sizes into a temporary folder: the CI
check that every measurement still produces a figure.

Exit status: 0, or 1 when a measurement produced no figure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env, output
from bench.load import LOAD_INVOICE_PREFIX, Gunicorn, run_load

FULL_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000)
LOAD_SECONDS = {"full": 30.0, "quick": 5.0}
LOAD_CLERKS = {"full": 16, "quick": 4}
GUNICORN_WORKERS = 4
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.0f}s] {message}", file=sys.stderr, flush=True)


def city_today() -> datetime.date:
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _python(module: str, *args: str, database: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and modules
        [sys.executable, "-m", module, *args],
        cwd=env.ROOT,
        env=env.child_env(database),
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )


def ensure_database(records: int, *, quick: bool, rebuild: bool, migrations: str) -> dict:
    """The bench database of ``records``, reused when it was built by this version of the
    generator, on the current migrations, in the current quarter (its open quarter and its
    submitted ones are those of the day it was built)."""
    name = env.database_name(records, quick=quick)
    today = city_today()
    wanted = {
        "version": env.DATASET_VERSION,
        "migrations": migrations,
        "records": str(records),
        "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
    }
    marker = env.read_marker(name)
    if not rebuild and all(marker.get(key) == value for key, value in wanted.items()):
        log(f"reusing {name} (built {marker.get('built_at', '?')})")
        return json.loads(marker.get("summary", "{}"))
    log(f"building {name}: {records:,} records")
    started = time.monotonic()
    env.drop(name)
    env.create(name, template=env.TEMPLATE_DB)
    args = ["--records", str(records), *(["--quick"] if quick else [])]
    summary = json.loads(_python("bench.dataset", *args, database=name).stdout)
    summary["build_seconds"] = round(time.monotonic() - started, 1)
    env.write_marker(
        name,
        {
            **wanted,
            "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "summary": json.dumps(summary),
        },
    )
    log(f"built {name} in {summary['build_seconds']} s: {summary}")
    return summary


def measure(name: str, *, quick: bool, skip: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = [
            "--out",
            out.name,
            *(["--quick"] if quick else []),
            *(["--skip", skip] if skip else []),
        ]
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.measure", *args],
            cwd=env.ROOT,
            env=env.child_env(name),
            check=True,
        )
        return json.loads(Path(out.name).read_text(encoding="utf-8"))


def _remove_load_rows(name: str) -> None:
    _python("bench.cleanup", "--invoice-prefix", LOAD_INVOICE_PREFIX, database=name)


def load_test(name: str, *, quick: bool) -> dict:
    """Clerks of distinct units (django-axes counts sign-ins per user) post and read for a
    bounded time against gunicorn; their purchases are removed afterwards."""
    mode = "quick" if quick else "full"
    with env.cursor(name) as cursor:
        cursor.execute(
            "SELECT username FROM auth_user WHERE username LIKE 'clerk\\_%%' "
            "ORDER BY username OFFSET 10 LIMIT %s",
            [LOAD_CLERKS[mode]],
        )
        usernames = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT p.supplier_id, p.id FROM products_product AS p "
            "JOIN products_supplier AS s ON s.organisation_ptr_id = p.supplier_id "
            "WHERE p.status = 'listed' AND s.status = 'active' ORDER BY p.id LIMIT 500"
        )
        products = cursor.fetchall()
    _remove_load_rows(name)
    server = Gunicorn(name, workers=GUNICORN_WORKERS)
    try:
        server.wait_ready()
        stats = run_load(
            port=server.port,
            usernames=usernames,
            password=env.BENCH_PASSWORD,
            products=products,
            purchased_on=city_today().isoformat(),
            seconds=LOAD_SECONDS[mode],
        )
    finally:
        server.stop()
        _remove_load_rows(name)
    post = stats["post"]
    log(f"load_post_purchase: p50 {post['p50_ms']} ms, p95 {post['p95_ms']} ms, {stats}")
    return {
        "name": "load_post_purchase",
        "median_ms": post["p50_ms"],
        "p95_ms": post["p95_ms"],
        "p99_ms": post["p99_ms"],
        "sql_median_ms": None,
        "rows_per_s": stats["posts_per_s"],
        "errors": stats["errors"],
        "workers": GUNICORN_WORKERS,
        **stats,
    }


def _load_average() -> str:
    """The 1-minute load average: other work on the machine shows in the figures."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The portal at city scale against SQL.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, results to a temp dir")
    parser.add_argument("--sizes", help="comma-separated record counts")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the bench databases")
    parser.add_argument("--skip-load-test", action="store_true")
    parser.add_argument("--skip", default="", help="measurement steps to leave out (debugging)")
    parser.add_argument("--results-dir", type=Path)
    args = parser.parse_args(argv)
    sizes = (
        sorted(int(size) for size in args.sizes.split(","))
        if args.sizes
        else list(QUICK_SIZES if args.quick else FULL_SIZES)
    )
    results_dir = args.results_dir or (
        Path(tempfile.mkdtemp(prefix="portal-bench-")) if args.quick else env.RESULTS_DIR
    )
    machine = env.machine()
    load_before = _load_average()
    log(f"machine: {machine['summary']}; sizes {sizes}")
    migrations = env.ensure_template(log=log)
    env.collect_static(log=log)

    results: dict[int, dict[str, dict]] = {}
    datasets, plans, mismatches = {}, {}, []
    for size in sizes:
        datasets[size] = ensure_database(
            size, quick=args.quick, rebuild=args.rebuild, migrations=migrations
        )
        name = env.database_name(size, quick=args.quick)
        log(f"measuring {name}")
        measured = measure(name, quick=args.quick, skip=args.skip)
        results[size] = {m["name"]: m for m in measured["measurements"]}
        plans[size] = measured["plans"]
        mismatches += [f"@{size} {line}" for line in measured["mismatches"]]
        if not args.skip_load_test:
            try:
                results[size]["load_post_purchase"] = load_test(name, quick=args.quick)
            except Exception as error:  # reported as a missing figure, with the reason
                log(f"FAILED load test: {error!r}")
                mismatches.append(f"@{size} load: failed: {error!r}")

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    table = output.table(results)
    gaps = output.missing(results) if not args.skip_load_test and not args.skip else []
    notes = [f"- MISMATCH {line}" for line in mismatches] + [f"- NO FIGURE {g}" for g in gaps]
    machine["load_average"] = f"{load_before} before, {_load_average()} after"
    inside = output.details_table(results[sizes[-1]])
    markdown = (
        f"# Benchmark {stamp}\n\nMachine: {machine['summary']} (load average "
        f"{machine['load_average']}).\n\n{table}\n"
        + ("\n" + "\n".join(notes) + "\n" if notes else "")
        + f"\nInside, at {sizes[-1]:,} records (one profiled request each):\n\n{inside}\n"
    )
    document = {
        "generated_at": stamp,
        "machine": machine,
        "quick": args.quick,
        "sizes": sizes,
        "datasets": datasets,
        "results": {str(size): list(found.values()) for size, found in results.items()},
        "mismatches": mismatches,
        "missing": gaps,
        "plans": {str(size): found for size, found in plans.items()},
    }
    full = not args.quick and not args.skip
    latest = output.latest_document(results, machine["summary"]) if full else None
    paths = output.write(results_dir, stamp, document, markdown, latest=latest)
    paths.append(results_dir / f"{stamp}-plans.md")
    paths[-1].write_text(f"# Query plans {stamp}\n\n" + output.plans_markdown(plans), "utf-8")
    if full and args.results_dir is None:
        output.update_readme(f"Latest run ({stamp[:8]}), on {machine['summary']}:\n\n{table}\n")
    print(markdown)
    log("wrote " + ", ".join(str(path) for path in paths))
    for line in notes:
        log(line)
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
