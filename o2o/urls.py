from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from o2o import views
from o2o.login_throttle import ThrottledAdminAuthenticationForm

admin.site.site_header = _("O2O chain-store platform · HQ")
admin.site.site_title = _("O2O HQ")
# Password guesses are throttled on both login pages, with one allowance per account.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("o2o.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("wechat/pay/", include("orders.pay_urls")),
    path("wechat/", include("members.wechat_urls")),
    # The back office and HQ's reports share /staff/ (its layout, access checks and the
    # permission table that walks it); the back office does not import reports.
    path(
        "staff/", include([path("", include("reports.urls")), path("", include("backoffice.urls"))])
    ),
    path("m/addresses/", include("members.address_urls")),
    path("m/", include("members.urls")),
    path("m/", include("members.loyalty_urls")),
    path("m/", include("commissions.urls")),
    path("b/", include("members.binding_urls")),
    path("delivery/", include("dispatch.urls")),
    path("", include("promotions.urls")),
    path("", include("members.favorite_urls")),
    path("", include("orders.urls")),
    path("stores/", include("stores.urls")),
    path("stock/", include("inventory.urls")),
    path("", include("catalog.urls")),
]

# Error pages for each audience: shopper, back office, API (JSON), plain (o2o.error_pages).
handler400 = "o2o.error_pages.bad_request"
handler403 = "o2o.error_pages.permission_denied"
handler404 = "o2o.error_pages.page_not_found"
handler500 = "o2o.error_pages.server_error"

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", views.media),
    ]
