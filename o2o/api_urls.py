"""The REST API under /api/v1/ (DESIGN §5). Each app contributes its routes here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
