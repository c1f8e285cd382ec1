"""Placeholder: filled by the reconciliation slice."""

urlpatterns: list = []
