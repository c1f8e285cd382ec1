from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from products.views.trace import short_urlpatterns

from . import accessibility, help_views, views

urlpatterns = [
    path("", include("reporting.urls")),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz/", views.healthz, name="healthz"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("accessibility/", accessibility.accessibility_set, name="accessibility"),
    path("help/", help_views.help_page, name="help"),
    path("help/tour/done/", help_views.help_tour_done, name="help_tour_done"),
    path("help/<slug:guide>/", help_views.help_guide, name="help_guide"),
    path("procurement/", include("procurement.urls")),
    path("products/", include("products.urls")),
    # 一品一码: the short public address of each product, printed as a QR code.
    *short_urlpatterns,
    path("outlets/", include("outlets.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("api/v1/", include("procurement.api_urls")),
    path("api/v1/", include("products.api_urls")),
    path("api/v1/", include("outlets.api_urls")),
    path("api/v1/", include("reporting.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
