"""The city-scale benchmark (issue 8): ``make bench`` / ``python bench/run.py``.

``run`` orchestrates; ``env`` holds the settings and the bench databases; ``dataset`` and
``dataset_sql`` build a city by bulk SQL; ``measure`` times the portal through Django's test
client against the floors of ``sql``; ``load`` drives clerks against gunicorn; ``output``
writes the results and the README's table.
"""
