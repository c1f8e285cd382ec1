"""The browser side of the outlets app, one module per journey; each module lists its own
``urlpatterns``, which ``outlets.urls`` puts together."""
