"""HQ's report pages, mounted under /staff/ by the URL root beside the back office's own."""

from django.urls import include, path

from reports import views

dashboard_urls = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:table>.csv", views.export, name="export"),
]

urlpatterns = [
    path("hq/reports/", include((dashboard_urls, "reports_backoffice"))),
]
