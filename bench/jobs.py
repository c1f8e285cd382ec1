"""The two long jobs of the bench: a clerk's 10,000-row import and the whole city's quarterly
report. Each run is timed through the API (Django's test client) and undone afterwards, so the
database stays as it was built."""

from __future__ import annotations

import datetime
import io
import time

from .cleanup import remove_records
from .measure import Measurement

IMPORT_INVOICE_PREFIX = "BENCH-IMP-"
IMPORT_CLERK = "clerk_0001"  # the unit second in size: not the ledger's unit
CHANNELS = ("platform_832", "outlet", "online_mall", "direct", "buy_for_donation")
PURPOSES = ("canteen", "union_welfare", "gifts")


def import_workbook(bench, rows: int) -> bytes:
    """An .xlsx in the import template's shape (api.md, "Import file"): purchases of the open
    quarter from listed products of active suppliers, each with its own invoice number."""
    from openpyxl import Workbook

    from portal.periods import Quarter
    from procurement.imports import HEADERS

    choices = bench.fetch(
        "SELECT o.credit_code, o.name, p.name, p.price FROM products_product AS p "
        "JOIN products_supplier AS s ON s.organisation_ptr_id = p.supplier_id "
        "JOIN portal_organisation AS o ON o.id = p.supplier_id "
        "WHERE p.status = 'listed' AND s.status = 'active' ORDER BY p.id LIMIT 400"
    )
    first = Quarter.of(bench.today).first_day
    days = (bench.today - first).days + 1
    book = Workbook(write_only=True)
    sheet = book.create_sheet("采购记录")
    sheet.append(list(HEADERS))
    for index in range(rows):
        code, supplier, product, price = choices[(index * 7) % len(choices)]
        amount = round(500 + (index * 7919) % 50_000 + (index % 100) / 100, 2)
        # The quantity the amount buys at the catalogue price, as in the generated records: an
        # amount far from price × quantity is an integrity flag (procurement.integrity), which
        # an honest clerk's file does not raise by the thousand.
        quantity = max(round(amount / max(float(price), 1.0), 3), 0.001)
        sheet.append(
            [
                first + datetime.timedelta(days=index % days),
                code,
                supplier,
                product,
                amount,
                quantity,
                "件",
                CHANNELS[index % len(CHANNELS)],
                PURPOSES[index % len(PURPOSES)],
                f"{IMPORT_INVOICE_PREFIX}{index:06d}",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _remove_imported(bench, unit_id: int) -> None:
    remove_records(IMPORT_INVOICE_PREFIX, unit_id=unit_id)


def import_file(bench) -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    clerk_user = get_user_model().objects.select_related("membership").get(username=IMPORT_CLERK)
    unit_id = clerk_user.membership.organisation_id
    client = Client()
    client.force_login(clerk_user)
    rows = bench.plan.import_rows
    content = import_workbook(bench, rows)
    _remove_imported(bench, unit_id)
    samples, errors = [], 0
    for attempt in range(bench.plan.job_warmup + bench.plan.job_runs):
        upload = SimpleUploadedFile("采购记录.xlsx", content)
        started = time.perf_counter()
        response = client.post("/api/v1/procurement/imports/", {"file": upload})
        elapsed = (time.perf_counter() - started) * 1000
        created = response.json().get("created") if response.status_code in (201, 400) else None
        _remove_imported(bench, unit_id)
        if response.status_code != 201 or created != rows:
            errors += 1
            bench.log(f"import answered {response.status_code}: {response.content[:300]!r}")
            continue
        if attempt >= bench.plan.job_warmup:
            samples.append(elapsed)
    median = sorted(samples)[len(samples) // 2] if samples else None
    bench.record(
        Measurement(
            "import_10k_rows",
            samples,
            rows_per_s=rows / (median / 1000) if median else None,
            errors=errors,
            details={"rows": rows, "bytes": len(content)},
        )
    )


def quarterly_report(bench) -> None:
    """The city's report of the quarter just ended, requested through the API with Celery
    eager (no broker): the request returns once the workbook and the PDF are built and saved."""
    from portal.models import Notification
    from reporting.models import ReportRun

    def clear() -> None:
        for run in ReportRun.objects.all():
            for name in ("xlsx", "pdf"):
                if getattr(run, name):
                    getattr(run, name).delete(save=False)
        ReportRun.objects.all().delete()
        Notification.objects.filter(recipient=bench.city_user).delete()

    clear()
    quarter = bench.report_quarter
    body = {"year": quarter.year, "quarter": quarter.quarter}
    samples, errors, sizes = [], 0, {}
    for attempt in range(bench.plan.job_warmup + bench.plan.job_runs):
        started = time.perf_counter()
        response = bench.city.post("/api/v1/reports/", body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        data = response.json() if response.status_code == 202 else {}
        if data.get("status") != "succeeded":
            errors += 1
            bench.log(f"report answered {response.status_code}: {response.content[:300]!r}")
        else:
            run = ReportRun.objects.get(pk=data["id"])
            sizes = {"xlsx_bytes": run.xlsx.size, "pdf_bytes": run.pdf.size}
            if attempt >= bench.plan.job_warmup:
                samples.append(elapsed)
        clear()
    bench.record(
        Measurement(
            "quarterly_report",
            samples,
            errors=errors,
            details={"quarter": f"{quarter.year}Q{quarter.quarter}", **sizes},
        )
    )
