"""Placeholder: filled by the projection slice."""

urlpatterns: list = []
