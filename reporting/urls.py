from .views import bulletins, dashboard, home, reports

app_name = "reporting"

urlpatterns = [
    *home.urlpatterns,
    *dashboard.urlpatterns,
    *reports.urlpatterns,
    *bulletins.urlpatterns,
]
