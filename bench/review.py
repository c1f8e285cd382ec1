"""The offices' review pages of issue 9 at city scale, as the city office reads them: the
year-end projection (API, every unit in one request), the quarterly submissions table, the
integrity review queue (with the flags of a whole nightly run in it) and the 832
reconciliation page. Each is a page of bounded queries; the measurement shows the cost does
not grow with the purchases."""

from __future__ import annotations

import datetime

from .measure import Measurement

# name -> the URL, given the bench's year
PAGES = {
    "projection_api": "/api/v1/procurement/projection/?year={year}&page_size=1000",
    "submission_status_page": "/procurement/quarters/status/?year={year}",
    "integrity_queue_page": "/procurement/integrity/",
    "reconciliation_page": "/procurement/reconciliation/",
}


def review_pages(bench) -> None:
    from django.urls import reverse

    from procurement.integrity import integrity_checks_run
    from procurement.models import IntegrityFlag

    urls = {
        "projection_api": PAGES["projection_api"].format(year=bench.year),
        "submission_status_page": f"{reverse('procurement:submission_status')}?year={bench.year}",
        "integrity_queue_page": reverse("procurement:integrity_flags"),
        "reconciliation_page": reverse("procurement:reconciliation"),
    }
    flagged = integrity_checks_run(first=datetime.date(bench.year - 1, 1, 1))
    try:
        for name, url in urls.items():
            samples, _verdict, details = bench.page(name, bench.city, url, check=lambda r: None)
            if name == "integrity_queue_page":
                details["flags"] = IntegrityFlag.objects.count()
            bench.record(Measurement(name, samples, details=details))
    finally:
        IntegrityFlag.objects.all().delete()
    bench.log(f"review pages measured ({flagged!r} flags in the queue)")
