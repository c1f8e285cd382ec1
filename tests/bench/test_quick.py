"""Issue 8: the benchmark harness still runs end to end and every measurement still produces a
figure (``bench/run.py --quick``: tiny databases, a short load). Speed is judged from the full
table (``make bench``), not here."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.support import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = (
    "compliance_api",
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
# Well under the five minutes CI allows on a 2-core machine (about one minute in practice).
TIMEOUT_SECONDS = 280


def _postgres_server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        skip_or_fail("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    return f"{parts.scheme}://{parts.netloc}"


def test_quick_benchmark_produces_every_figure(tmp_path):
    server = _postgres_server()
    environment = {**os.environ, "BENCH_POSTGRES_URL": server}
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--results-dir", str(tmp_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    (result_file,) = (path for path in tmp_path.glob("*.json") if path.name != "latest.json")
    document = json.loads(result_file.read_text(encoding="utf-8"))
    assert not (tmp_path / "latest.json").exists()  # a quick run never replaces the full one
    assert len(document["sizes"]) == 2
    for size, measurements in document["results"].items():
        found = {m["name"]: m for m in measurements}
        for name in REQUIRED:
            figure = found.get(name, {})
            assert figure.get("median_ms") or figure.get("rows_per_s"), f"{name}@{size}: no figure"
        for name in ("compliance_api", "dashboard_summary", "ledger_first_page"):
            assert found[name]["sql_median_ms"], f"{name}@{size}: no SQL floor"
        assert found["load_post_purchase"]["errors"] == 0, found["load_post_purchase"]
    # The portal and the hand-written SQL give the same answers.
    assert document["mismatches"] == []
    assert "| `compliance_api` |" in finished.stdout
