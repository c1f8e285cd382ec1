"""What every step of the demo builder shares: the run's parameters, deterministic random
streams, the idempotent upsert, and small date and money helpers.

Each concern draws from its own ``random.Random`` keyed by the seed and a stable name (a
credit code, an outlet name …), never from one stream shared by the whole run: a re-run that
skips work already done must not shift the numbers of the work it still does.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

# The demo's history starts with the 2025 fiscal year.
PERIOD_START = datetime.date(2025, 1, 1)

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


@dataclass
class SeedContext:
    """The parameters of one run and its bookkeeping (rows created and updated per model)."""

    seed: int
    as_of: datetime.date
    password: str
    units: int
    records: int
    log: Callable[[str], None] = print
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def rng(self, *key: object) -> random.Random:
        """A random stream for one concern; the same key gives the same numbers on every run.

        Not for secrets: this is demo data, reproducibility is the point.
        """
        return random.Random(":".join([str(self.seed), *map(str, key)]))  # noqa: S311

    def count_created(self, model: type[models.Model], n: int = 1) -> None:
        self.created[model._meta.label] += n

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        """An aware datetime on ``day`` in the portal's time zone (Asia/Shanghai)."""
        return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)


def upsert(ctx: SeedContext, model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Get the row ``lookup`` names, create it with ``values``, or bring it back to ``values``.

    Unlike ``update_or_create`` this saves only when a value differs, so a re-run leaves the
    row untouched (``auto_now`` timestamps included). FKs are passed as ``<name>_id``.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        # A lookup like district__isnull=True finds the row but cannot build it: leave it out.
        obj = model(**{k: v for k, v in lookup.items() if "__" not in k}, **values)
        obj.save()
        ctx.count_created(model)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        ctx.updated[model._meta.label] += 1
    return obj


def yuan(cents: int) -> Decimal:
    """Money from an integer number of cents: exact, never through float."""
    return Decimal(cents).scaleb(-2)


def random_day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A uniformly drawn day in [start, end]."""
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def weighted_pick(rng: random.Random, options: dict[T, float]) -> T:
    return rng.choices(list(options), weights=list(options.values()))[0]


def weighted_sample(rng: random.Random, options: dict[T, float], k: int) -> list[T]:
    """``k`` distinct options, drawn with probability proportional to their weight."""
    pool = dict(options)
    chosen: list[T] = []
    while pool and len(chosen) < k:
        pick = weighted_pick(rng, pool)
        chosen.append(pick)
        del pool[pick]
    return chosen


def person_name(rng: random.Random, surnames: str, given: Iterable[str]) -> str:
    return rng.choice(surnames) + rng.choice(list(given))


def phone(rng: random.Random, area_code: str = "0755") -> str:
    """A landline in the given area code: 8 digits in Shenzhen, 7 elsewhere."""
    digits = 8 if area_code == "0755" else 7
    return f"{area_code}-{rng.randint(2, 8)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
