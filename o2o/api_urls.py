"""The REST API under /api/v1/ (DESIGN §5). Each app contributes its routes here."""

from rest_framework.routers import DefaultRouter

from inventory.api import StockAdjustmentViewSet, StockLevelViewSet
from orders.api import OrderViewSet

router = DefaultRouter()
router.register("stock/adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
router.register("stock", StockLevelViewSet, basename="stock")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
