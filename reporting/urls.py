from .views import bulletins, dashboard, home, quota_rules, reports

app_name = "reporting"

urlpatterns = [
    *home.urlpatterns,
    *dashboard.urlpatterns,
    *reports.urlpatterns,
    *bulletins.urlpatterns,
    *quota_rules.urlpatterns,
]
