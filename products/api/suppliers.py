"""The API of suppliers, bases and products (api.md), on the services of the pages.

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

routes: list[tuple] = []
