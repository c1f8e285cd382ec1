"""The results: one JSON document and one Markdown table per run in ``bench/results/``, the
newest full run as ``bench/results/latest.json`` (the shape other tools read), and the table
in README.md's "Benchmark" section."""

from __future__ import annotations

import json
from pathlib import Path

from .env import ROOT

# The names latest.json promises, in the table's order (compliance_page is extra).
NAMES = (
    "compliance_api",
    "compliance_page",
    "dashboard_summary",
    "ledger_first_page",
    "ledger_deep_page",
    "catalogue_search",
    "outlet_finder",
    "import_10k_rows",
    "quarterly_report",
    "integrity_nightly",
    "integrity_after_import",
    "projection_api",
    "submission_status_page",
    "integrity_queue_page",
    "reconciliation_page",
    "trace_page",
    "load_post_purchase",
)
REQUIRED = tuple(name for name in NAMES if name != "compliance_page")
AGGREGATES = ("compliance_api", "compliance_page", "dashboard_summary")
LISTS = ("ledger_first_page", "ledger_deep_page", "catalogue_search", "outlet_finder")
# The offices' review pages of issue 9 (bench/review.py): no SQL floor, a page's time.
REVIEW = ("projection_api", "submission_status_page", "integrity_queue_page", "reconciliation_page")
TARGETS = {
    **dict.fromkeys(AGGREGATES, "≤ 1.5 × SQL and < 300 ms"),
    **dict.fromkeys(LISTS, "< 100 ms and ≤ 1.5 × the smaller size"),
    "import_10k_rows": "≥ 2,000 rows/s",
    "quarterly_report": "< 60 s",
    "integrity_nightly": "< 10 min",
    "integrity_after_import": "< 5 s",
    "load_post_purchase": "0 errors, p95 < 250 ms",
    **dict.fromkeys(REVIEW, "< 300 ms"),
    "trace_page": "< 100 ms",
}
README_START = "<!-- bench:table:start -->"
README_END = "<!-- bench:table:end -->"


def verdict(name: str, big: dict | None, small: dict | None) -> bool | None:
    """Whether the figure at the larger size meets issue 8's target (None: no figure)."""
    if not big or (big.get("median_ms") is None and big.get("rows_per_s") is None):
        return None
    median, sql = big.get("median_ms"), big.get("sql_median_ms")
    if name in AGGREGATES:
        return bool(sql) and median <= 1.5 * sql and median < 300
    if name in LISTS:
        grown = small is None or small.get("median_ms") is None
        return median < 100 and (grown or median <= 1.5 * small["median_ms"])
    if name == "import_10k_rows":
        return (big.get("rows_per_s") or 0) >= 2000
    if name == "quarterly_report":
        return median < 60_000
    if name == "integrity_nightly":  # a night's slot, between 02:30 and the offices' morning
        return median < 600_000
    if name == "integrity_after_import":  # the clerk's import waits for it with eager Celery
        return median < 5_000
    if name in REVIEW:
        return median < 300
    if name == "trace_page":  # a public page a phone opens from a label
        return median < 100
    if name == "load_post_purchase":
        return big.get("errors") == 0 and big.get("p95_ms") is not None and big["p95_ms"] < 250
    return None


def _ms(value) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.1f} ms"


def _count(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def table(results: dict[int, dict[str, dict]]) -> str:
    """``results``: size → name → measurement. The larger size's figures against the targets,
    the smaller's median beside them to show the growth."""
    sizes = sorted(results)
    small, big = sizes[0], sizes[-1]
    lines = [
        f"| measurement | {small:,} records | {big:,} records | SQL floor | ratio | p95 "
        "| rows/s | errors | target | met? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|:---:|",
    ]
    for name in NAMES:
        low, high = results[small].get(name), results[big].get(name)
        if low is None and high is None:
            continue
        high = high or {}
        met = verdict(name, high, low if small != big else None)
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{name}`",
                    _ms((low or {}).get("median_ms")),
                    _ms(high.get("median_ms")),
                    _ms(high.get("sql_median_ms")),
                    f"{high['ratio']:.2f}×" if high.get("ratio") else "—",
                    _ms(high.get("p95_ms")),
                    _count(high.get("rows_per_s")),
                    _count(high.get("errors")),
                    TARGETS.get(name, ""),
                    {True: "yes", False: "**no**", None: "—"}[met],
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def details_table(found: dict[str, dict]) -> str:
    """What each measurement cost inside: queries and database time of one profiled request,
    whether the portal's answer equals the floor's; the load test's reads and throughput."""
    lines = [
        "| measurement | queries | DB time | slowest query | agrees with SQL | notes |",
        "|---|---:|---:|---:|:---:|---|",
    ]
    for name in NAMES:
        entry = found.get(name)
        if entry is None:
            continue
        notes = []
        if name == "load_post_purchase":
            ledger = entry.get("ledger") or {}
            notes.append(
                f"{entry.get('clerks')} clerks (pausing {entry.get('think_seconds')} s) × "
                f"{entry.get('seconds')} s, "
                f"{entry.get('workers')} workers: {entry.get('requests_per_s')} requests/s; "
                f"p99 post {_ms(entry.get('p99_ms'))}; ledger under load "
                f"p50 {_ms(ledger.get('p50_ms'))}, p95 {_ms(ledger.get('p95_ms'))}"
            )
        for key in ("units", "pages", "unit_records", "page", "rows", "quarter"):
            if entry.get(key) is not None:
                notes.append(f"{key} {entry[key]}")
        check = entry.get("check")
        lines.append(
            f"| `{name}` | {_count(entry.get('queries'))} | {_ms(entry.get('db_ms'))} "
            f"| {_ms(entry.get('slowest_query_ms'))} "
            f"| {'—' if check is None else 'yes' if check == 'ok' else '**NO**'} "
            f"| {'; '.join(notes)} |"
        )
    return "\n".join(lines)


def plans_markdown(plans: dict[int, dict[str, str]]) -> str:
    """The slowest query of each measured request with its EXPLAIN (ANALYZE, BUFFERS)."""
    parts = []
    for size, found in sorted(plans.items()):
        for name, plan in found.items():
            parts.append(f"## {name} at {size:,} records\n\n```\n{plan}\n```\n")
    return "\n".join(parts)


def latest_document(results: dict[int, dict[str, dict]], machine: str) -> dict:
    """The shape of ``latest.json``: the larger size's figures by name, the smaller's as
    ``name@size``."""
    sizes = sorted(results)
    big = sizes[-1]
    measurements = []
    for size in reversed(sizes):
        for name in NAMES:
            found = results[size].get(name)
            if found is None:
                continue
            suffix = "" if size == big else f"@{size}"
            entry = {
                "name": name + suffix,
                "median_ms": found.get("median_ms"),
                "sql_median_ms": found.get("sql_median_ms"),
                "p95_ms": found.get("p95_ms"),
                "rows_per_s": found.get("rows_per_s"),
                "errors": found.get("errors"),
            }
            if size == big:
                smaller = results[sizes[0]].get(name) if sizes[0] != big else None
                entry["met"] = verdict(name, found, smaller)
            measurements.append(entry)
    return {"records": big, "machine": machine, "measurements": measurements}


def missing(results: dict[int, dict[str, dict]]) -> list[str]:
    """Required measurements (per size) that produced no figure."""
    gaps = []
    for size, found in results.items():
        for name in REQUIRED:
            entry = found.get(name) or {}
            if entry.get("median_ms") is None and entry.get("rows_per_s") is None:
                gaps.append(f"{name}@{size}")
    return gaps


def write(
    directory: Path, stamp: str, document: dict, markdown: str, *, latest: dict | None
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{stamp}.json", directory / f"{stamp}.md"]
    paths[0].write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    paths[1].write_text(markdown, encoding="utf-8")
    if latest is not None:
        paths.append(directory / "latest.json")
        paths[-1].write_text(
            json.dumps(latest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return paths


def update_readme(section: str) -> None:
    """Put ``section`` between the markers of README.md's "Benchmark" section (added at the end
    the first time)."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = f"{README_START}\n{section.strip()}\n{README_END}"
    if README_START in text and README_END in text:
        head, rest = text.split(README_START, 1)
        _old, tail = rest.split(README_END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Benchmark\n\n" + INTRO + "\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


INTRO = """\
`make bench` builds (or reuses) city-scale PostgreSQL databases — 1,000 budget units in
Shenzhen's districts, 3,000 suppliers with 10,000 products and their certificates, 3,000
outlets with their sales, and 100,000 or 1,000,000 procurement records over two years with
declarations, vouchers and submitted quarters — by bulk SQL, then times the portal through
its full request stack (each figure the median of repeated runs after warm-up) against the
floor: the same answer from one hand-written SQL query on the same database in the same run.
The concurrent load runs 16 clerks, pausing between clicks as people do, against gunicorn
(4 workers) on loopback. `make bench-quick` runs the same at a tiny size. Method and options:
`bench/README.md`; every run's JSON and table, with the plans of the slowest queries, are in
`bench/results/`.
"""
