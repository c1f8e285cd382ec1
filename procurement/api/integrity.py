"""Placeholder: filled by the integrity slice."""

urlpatterns: list = []
