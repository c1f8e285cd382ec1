"""Bulletins (通报) and the annual targets the dashboards measure against."""

urlpatterns: list = []
