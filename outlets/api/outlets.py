"""The outlets API of api.md: ``outlets/`` (public read, office write) and
``outlets/{id}/status/``, on the services of the pages.

``routes`` lists (prefix, viewset, basename) for ``outlets.api_urls``."""

routes: list[tuple] = []
