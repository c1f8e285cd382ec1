"""The demo city behind ``manage.py seed_demo``.

Generation is deterministic (one ``random.Random`` per concern, seeded from ``--seed`` and a
stable key) and idempotent (natural keys for the small tables; bulk tables filled only for units
and outlets that have none), so a second run changes nothing.
"""
