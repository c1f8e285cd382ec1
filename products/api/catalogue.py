"""The public catalogue's API (api.md ``catalogue/``): no login.

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

routes: list[tuple] = []
