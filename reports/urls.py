"""HQ's report pages, mounted under /staff/ by the URL root beside the back office's own."""

from django.urls import include, path

from reports import reconciliation_views, views

dashboard_urls = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("reconciliation/", reconciliation_views.reconciliation, name="reconciliation"),
    path("reconciliation/fetch/", reconciliation_views.bill_fetch_view, name="bill_fetch"),
    path("reconciliation/upload/", reconciliation_views.bill_upload_view, name="bill_upload"),
    path(
        "reconciliation/<int:pk>/resolve/",
        reconciliation_views.difference_resolve_view,
        name="difference_resolve",
    ),
]

urlpatterns = [
    path("hq/reports/", include((dashboard_urls, "reports_backoffice"))),
]
