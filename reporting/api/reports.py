"""The reports API of api.md: ``reports/`` (POST ``{"year", "quarter"}`` → 202 ``{"id",
"status"}``; GET ``reports/{id}/`` → ``status``, ``xlsx_url``, ``pdf_url``).

``routes`` lists (prefix, viewset, basename) for ``reporting.api_urls``."""

routes: list[tuple] = []
