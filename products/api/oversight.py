"""The city office's dynamic exit (动态退出) and monitoring over the API, on the services of
the pages.

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

routes: list[tuple] = []
