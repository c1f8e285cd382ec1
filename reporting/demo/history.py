"""The first version of every demo record that has an audit trail.

The demo city is built by bulk inserts, which write no history; this step gives each record
without a version its first one ("Record created" on its page), dated when the record was
made where the record knows it, so every record page of the demo shows a trail.
"""

from __future__ import annotations

from itertools import islice

from django.utils import timezone
from simple_history.models import registered_models

from .context import SeedContext

REASON = "演示数据（初始登记）"
# One INSERT of 1,000 history rows is well under SQLite's 999-parameter split per batch and
# PostgreSQL's statement limits; the demo's largest table (purchases) takes a few batches.
BATCH = 1000


def seed_history(ctx: SeedContext) -> None:
    now = timezone.now()
    created = 0
    for model in sorted(set(registered_models.values()), key=lambda m: m._meta.label):
        manager = model.history
        missing = model._default_manager.exclude(pk__in=manager.values("id")).order_by("pk")
        rows = missing.iterator(chunk_size=BATCH)
        while chunk := list(islice(rows, BATCH)):
            for row in chunk:
                row._history_date = getattr(row, "created_at", None) or now
            manager.bulk_history_create(chunk, batch_size=BATCH, default_change_reason=REASON)
            created += len(chunk)
            ctx.count_created(manager.model, len(chunk))
    ctx.log(f"  留痕 (first versions of the audit trail): {created:,}")
