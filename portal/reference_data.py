"""The reference data the portal ships: the regions the city works with (codes from the
official GB/T 2260 division list) and the pairing of its districts with the regions they help.

Loaded by a data migration and by ``seed_demo``; loading is idempotent.
"""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_regions(region_model, pairing_model) -> None:
    """Upsert every shipped region (parents first) and pairing."""
    for row in read_rows("regions.csv"):  # the file lists parents before children
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent_id": row["parent"] or None,
            },
        )
    for row in read_rows("pairings.csv"):
        pairing_model.objects.update_or_create(
            district_id=row["district"],
            region_id=row["region"],
            defaults={"since_year": int(row["since_year"])},
        )
