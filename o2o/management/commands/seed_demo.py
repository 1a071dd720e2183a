"""Load the demo chain: stores and staff, then the catalog. Deterministic and idempotent."""

from django.core.management.base import BaseCommand

from catalog.demo import seed_catalog
from catalog.models import SKU
from catalog.qr import sku_qr_url
from commissions.demo import mature_demo_commissions, seed_commissions
from inventory.demo import seed_inventory
from orders.demo import seed_members_and_sales
from promotions.demo import seed_promotions
from stores.demo import seed_stores
from stores.models import Store


class Command(BaseCommand):
    help = "Load the demo chain (stores, staff, catalog, reviews). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has stores (used by the run command).",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Store.objects.exists():
            self.stdout.write("demo data: database already has data, left as it is")
        else:
            stores = seed_stores()
            catalog = seed_catalog()
            inventory = seed_inventory()
            commissions = seed_commissions()
            members = seed_members_and_sales()
            commissions["matured"] = mature_demo_commissions()
            promotions = seed_promotions()
            self.stdout.write(f"demo data: stores {stores}")
            self.stdout.write(f"demo data: catalog {catalog}")
            self.stdout.write(f"demo data: inventory {inventory}")
            self.stdout.write(f"demo data: members and sales {members}")
            self.stdout.write(f"demo data: commissions {commissions}")
            self.stdout.write(f"demo data: promotions {promotions}")
        shops = Store.objects.filter(is_active=True).exclude(kind=Store.Kind.WAREHOUSE)
        # The demo logins work at sh01, so its QR codes are the ones to try first.
        store = shops.filter(code="sh01").first() or shops.order_by("code").first()
        sku = SKU.objects.filter(is_active=True, product__is_active=True).order_by("code").first()
        if store and sku:
            self.stdout.write(f"sample QR landing: {sku_qr_url(sku, store)}")
