"""Monthly sales reports of the outlets: the operator or the district office reports a month,
missing reports are listed, and a month's sales of many outlets import from Excel."""

urlpatterns: list = []
