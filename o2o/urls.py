from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from o2o import views
from o2o.login_throttle import ThrottledAdminAuthenticationForm

admin.site.site_header = _("O2O chain-store platform · HQ")
admin.site.site_title = _("O2O HQ")
# Password guesses are throttled on both login pages, with one allowance per account.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("o2o.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("wechat/pay/", include("orders.pay_urls")),
    path("wechat/", include("members.wechat_urls")),
    path("staff/", include("backoffice.urls")),
    path("m/", include("members.urls")),
    path("m/", include("members.loyalty_urls")),
    path("b/", include("members.binding_urls")),
    path("", include("members.favorite_urls")),
    path("", include("orders.urls")),
    path("stores/", include("stores.urls")),
    path("stock/", include("inventory.urls")),
    path("", include("catalog.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
