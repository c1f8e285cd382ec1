"""The browser side of the reporting app, one module per journey; each module lists its own
``urlpatterns``, which ``reporting.urls`` puts together."""
