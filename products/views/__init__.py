"""The browser side of the products app, one module per journey; each module lists its own
``urlpatterns``, which ``products.urls`` puts together."""
