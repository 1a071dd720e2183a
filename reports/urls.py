"""HQ's report pages, mounted under /staff/ by the URL root beside the back office's own."""

from django.urls import include, path

from reports import reconciliation_views, settlement_views, views

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

dashboard_urls += [
    path("settlements/", settlement_views.settlements, name="settlements"),
    path(
        "settlements/prepare/",
        settlement_views.settlements_prepare_view,
        name="settlements_prepare",
    ),
    path("settlements/<int:pk>/move/", settlement_views.statement_move_view, name="statement_move"),
]

statement_urls = [
    path("", settlement_views.store_statements, name="list"),
    path("<int:pk>/", settlement_views.store_statement, name="detail"),
    path("<int:pk>/export.csv", settlement_views.store_statement_export, name="export"),
    path("<int:pk>/statement.pdf", settlement_views.store_statement_pdf, name="pdf"),
]

urlpatterns = [
    path("hq/reports/", include((dashboard_urls, "reports_backoffice"))),
    path("statements/", include((statement_urls, "statements_backoffice"))),
]
