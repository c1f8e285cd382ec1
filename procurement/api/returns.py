"""Placeholder: filled by the returns slice."""

urlpatterns: list = []
