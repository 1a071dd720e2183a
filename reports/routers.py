"""Report reads on a read replica (DESIGN §6): `DATABASE_REPLICA_URL` adds a `replica`
database; without it every read stays on the primary.

The fact tables are read from the replica by the router; the dashboard's reads of other apps'
tables (stores, offers, order lines for the export) name the database explicitly with
`report_database()`, so no other app's reads move. Writes always go to the primary (the nightly
rebuild writes there), and only the primary is migrated.
"""

from django.conf import settings

REPLICA = "replica"


def report_database() -> str:
    return REPLICA if REPLICA in settings.DATABASES else "default"


class ReportsRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label == "reports":
            return report_database()
        return None

    def db_for_write(self, model, **hints):
        if model._meta.app_label == "reports":
            return "default"
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, **hints):
        if db == REPLICA:
            return False
        return None
