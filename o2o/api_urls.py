"""The REST API under /api/v1/ (DESIGN §5). Each app contributes its routes here."""

from rest_framework.routers import DefaultRouter

from catalog.api import ProductViewSet
from inventory.api import StockAdjustmentViewSet, StockCountViewSet, StockLevelViewSet
from members.api import MemberViewSet
from members.ledger_api import FollowUpViewSet, PointsEntryViewSet
from orders.api import OrderChangesViewSet, OrderViewSet
from orders.pos_api import PosSaleViewSet
from promotions.api import CouponViewSet
from stores.api import StoreViewSet

router = DefaultRouter()
router.register("stock/adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
router.register("stock/counts", StockCountViewSet, basename="stock-count")
router.register("stock", StockLevelViewSet, basename="stock")
router.register("stores", StoreViewSet, basename="store")
router.register("products", ProductViewSet, basename="product")
# Before "orders": its detail route would take "changes" for an order number.
router.register("orders/changes", OrderChangesViewSet, basename="order-change")
router.register("orders", OrderViewSet, basename="order")
router.register("members", MemberViewSet, basename="member")
router.register("points", PointsEntryViewSet, basename="points-entry")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("pos/sales", PosSaleViewSet, basename="pos-sale")
router.register("coupons", CouponViewSet, basename="coupon")

urlpatterns = router.urls
