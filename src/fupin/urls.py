from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language is chosen by cookie, not URL)
from django.contrib import admin
from django.urls import include, path

from fupin.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("fupin.core.urls")),
    path("jobs/", include("fupin.core.job_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("households/", include("fupin.registry.urls")),
    path("villages/", include("fupin.areas.urls")),
    path("exchange/", include("fupin.exchange.urls")),
    path("policy/", include("fupin.policy.urls")),
    path("funds/", include("fupin.funds.urls")),
    path("reports/", include("fupin.reports.urls")),
    path("procedures/", include("fupin.procedures.urls")),
    path("benefits/", include("fupin.benefits.urls")),
    path("monitoring/", include("fupin.monitoring.urls")),
    path("assistance/", include("fupin.assistance.urls")),
    path("api/v1/", include("fupin.api_urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", core_views.favicon, name="favicon"),
]

# Error pages in Chinese inside the site's layout (JSON under /api/).
handler400 = "fupin.core.views.bad_request"
handler403 = "fupin.core.views.permission_denied"
handler404 = "fupin.core.views.page_not_found"
handler500 = "fupin.core.views.server_error"
