"""The dashboard API of api.md: ``dashboard/summary/?year=``.

``urlpatterns`` holds its path(s) for ``reporting.api_urls``."""

urlpatterns: list = []
