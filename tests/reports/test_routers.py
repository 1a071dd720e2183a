"""Report reads go to the replica when DATABASE_REPLICA_URL configured one, else to the primary;
writes and migrations stay on the primary; other apps are left to Django."""

from orders.models import Order
from reports.models import StoreDay
from reports.routers import ReportsRouter, report_database


def test_without_a_replica_everything_reads_the_primary(settings):
    settings.DATABASES = {"default": settings.DATABASES["default"]}

    assert report_database() == "default"
    assert ReportsRouter().db_for_read(StoreDay) == "default"


def test_with_a_replica_report_reads_go_there_and_writes_do_not(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    router = ReportsRouter()

    assert report_database() == "replica"
    assert router.db_for_read(StoreDay) == "replica"
    assert router.db_for_write(StoreDay) == "default"
    assert router.db_for_read(Order) is None  # orders' own reads are not moved
    assert router.allow_migrate("replica", "reports") is False
    assert router.allow_migrate("default", "reports") is None
