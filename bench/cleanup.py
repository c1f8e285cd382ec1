"""Keep a bench database as it was built: remove the purchases a measurement added, and
recompute what the portal derives from the purchases after any write that bypassed its
services (``python -m bench.cleanup --invoice-prefix LOAD-``).

The generated records are inserted by SQL and the measured purchases removed by SQL, neither
through the services that keep derived data (``procurement.totals``'s running totals) up to
date; ``rebuild_derived`` recomputes them, so the portal reads the same figures as the floor.
"""

from __future__ import annotations

import argparse
import importlib

# Recomputed from the purchases after a bulk write: (module, function) of the project, called
# when the project has it.
DERIVED = (("procurement.totals", "totals_rebuild"),)
HISTORY_TABLE = "procurement_historicalprocurementrecord"
RECORD_TABLE = "procurement_procurementrecord"
FLAG_TABLE = "procurement_integrityflag"


def rebuild_derived() -> list[str]:
    """Run every rebuild of ``DERIVED`` the project has; the names of those run."""
    done = []
    for module_name, function_name in DERIVED:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        rebuild = getattr(module, function_name, None)
        if rebuild is not None:
            rebuild()
            done.append(f"{module_name}.{function_name}")
    return done


def remove_records(prefix: str, *, unit_id: int | None = None) -> int:
    """Delete the purchases whose invoice number starts with ``prefix`` (of one unit, if
    given), with their audit-trail rows and vouchers, then rebuild the derived data."""
    from django.db import connection, transaction

    where = "invoice_no LIKE %s" + (" AND budget_unit_id = %s" if unit_id else "")
    params = [prefix + "%", *([unit_id] if unit_id else [])]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {HISTORY_TABLE} WHERE {where}", params)  # noqa: S608 - fixed
        cursor.execute(
            "DELETE FROM procurement_voucher WHERE record_id IN "  # noqa: S608 - fixed names
            f"(SELECT id FROM {RECORD_TABLE} WHERE {where})",
            params,
        )
        # The integrity checks run after an import may have flagged them (or named them as
        # the other side of a flag): Django's CASCADE and SET_NULL, by hand.
        removed_ids = f"(SELECT id FROM {RECORD_TABLE} WHERE {where})"  # noqa: S608 - fixed
        cursor.execute(
            f"DELETE FROM {FLAG_TABLE} WHERE record_id IN {removed_ids}",  # noqa: S608 - fixed
            params,
        )
        cursor.execute(
            f"UPDATE {FLAG_TABLE} SET related_record_id = NULL "  # noqa: S608 - fixed names
            f"WHERE related_record_id IN {removed_ids}",
            params,
        )
        cursor.execute(f"DELETE FROM {RECORD_TABLE} WHERE {where}", params)  # noqa: S608 - fixed
        removed = cursor.rowcount
    if removed:
        rebuild_derived()
    return removed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoice-prefix", required=True)
    args = parser.parse_args(argv)
    import django

    django.setup()
    remove_records(args.invoice_prefix)


if __name__ == "__main__":
    main()
