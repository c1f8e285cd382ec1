"""``manage.py seed_demo``: fill the database with the demo city of api.md.

Idempotent: run it twice and the second run changes nothing. The generation itself lives in
``reporting.demo``; this command only reads options and prints.
"""

from __future__ import annotations

import datetime
import os
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from portal.periods import today
from reporting.demo.build import seed_demo
from reporting.demo.context import PERIOD_START

DEFAULT_PASSWORD = "portal-demo"  # noqa: S105 - api.md's published demo password
DEFAULT_UNITS = 60
# About 23 months from 2025-01-01 for 60 units: ~3 purchases a unit a month.
DEFAULT_RECORDS = 4000
DEFAULT_SEED = 20250101


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = "Create (or complete) the demo city: accounts, units, suppliers, records, outlets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=DEFAULT_UNITS, help="budget units")
        parser.add_argument(
            "--records",
            type=int,
            default=DEFAULT_RECORDS,
            help="procurement records in all, spread over the units by size",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="the demo's today, YYYY-MM-DD (default: today in Asia/Shanghai)",
        )

    def handle(self, *args, **options) -> None:
        as_of = options["as_of"] or today()
        if isinstance(as_of, str):  # call_command(as_of="…") skips the parser's type
            as_of = _date(as_of)
        units, records = options["units"], options["records"]
        if units < 2:
            raise CommandError("--units must be at least 2 (budget units A and B).")
        if records < 0:
            raise CommandError("--records may not be negative.")
        if as_of < PERIOD_START + datetime.timedelta(days=90):
            raise CommandError(
                f"--as-of must fall after the demo's first quarter ({PERIOD_START})."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        started = time.monotonic()
        self.stdout.write(
            f"生成演示数据 (seeding the demo): {units} units, {records:,} records, "
            f"seed {options['seed']}, as of {as_of}"
        )
        # The demo's notifications (a published bulletin's, say) stay in the portal: no mail
        # leaves while the demo city is built.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            counts = seed_demo(
                seed=options["seed"],
                as_of=as_of,
                units=units,
                records=records,
                password=password,
                log=self.stdout.write,
            )
        self.stdout.write("汇总 (summary): rows per table")
        for label, count in counts.items():
            self.stdout.write(f"  {label:<36} {count:>10,}")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"完成 (done) in {elapsed:.1f} s"))
