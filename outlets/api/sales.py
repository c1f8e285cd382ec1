"""The outlets' monthly sales reports over the API, on the services of the pages.

``routes`` lists (prefix, viewset, basename) for ``outlets.api_urls``."""

routes: list[tuple] = []
