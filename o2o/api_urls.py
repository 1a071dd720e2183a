"""The REST API under /api/v1/ (DESIGN §5). Each app contributes its routes here."""

from rest_framework.routers import DefaultRouter

from catalog.api import ProductViewSet
from inventory.api import StockAdjustmentViewSet, StockCountViewSet, StockLevelViewSet
from members.api import MemberViewSet
from orders.api import OrderViewSet
from orders.pos_api import PosSaleViewSet
from stores.api import StoreViewSet

router = DefaultRouter()
router.register("stock/adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
router.register("stock/counts", StockCountViewSet, basename="stock-count")
router.register("stock", StockLevelViewSet, basename="stock")
router.register("stores", StoreViewSet, basename="store")
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("members", MemberViewSet, basename="member")
router.register("pos/sales", PosSaleViewSet, basename="pos-sale")

urlpatterns = router.urls
