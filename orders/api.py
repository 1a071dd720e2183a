"""Orders API for the ERP / CRM (DESIGN §5): list with filters, detail by number. Read-only.

Staff tokens only (the project default, IsAdminUser). The `store` filter means the fulfilling
store; every order also carries its `credited_store` (who gets the sale).
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from inventory.services import store_resolve
from o2o.api import ERROR_SCHEMA, query_filters
from o2o.api_pagination import KeysetCursorPagination
from orders.models import Order, OrderEvent, OrderLine
from orders.serializers import OrderDetailSerializer, OrderFilterSerializer, OrderSerializer


def orders_listed():
    return Order.objects.select_related(
        "fulfilling_store", "credited_store", "credited_clerk", "assisted_by", "member"
    ).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("id"))
    )


def orders_filtered(request, orders=None):
    """The orders of the list filters in `request` (store, status, updated_since)."""
    orders = orders_listed() if orders is None else orders
    data = query_filters(OrderFilterSerializer, request)
    if "store" in data:
        orders = orders.filter(fulfilling_store=store_resolve(data["store"]))
    if "status" in data:
        orders = orders.filter(status=data["status"])
    if "updated_since" in data:
        # Inclusive, so an order changed in the same instant as the last sync is seen.
        orders = orders.filter(updated_at__gte=data["updated_since"])
    return orders


@extend_schema_view(
    list=extend_schema(
        summary="List orders",
        description=(
            "Orders ordered by (updated_at, id), so paging with `updated_since` and "
            "`limit`/`offset` is stable. `store` filters by the fulfilling store. An unknown "
            "store answers 400 `unknown_store`; a bad status or date answers 400 `invalid`."
        ),
        parameters=[OrderFilterSerializer],
        responses={
            200: OrderSerializer(many=True),
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid filter, unknown_store"),
        },
    ),
    retrieve=extend_schema(
        summary="One order by number",
        description="With its lines and timeline (events). Amounts are integer fen.",
        responses={
            200: OrderDetailSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="a malformed order number"),
            404: OpenApiResponse(ERROR_SCHEMA),
        },
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Za-z-]+"

    def get_serializer_class(self):
        return OrderDetailSerializer if self.action == "retrieve" else OrderSerializer

    def get_queryset(self):
        orders = orders_listed()
        if self.action == "retrieve":
            return orders.prefetch_related(
                Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id"))
            )
        return orders_filtered(self.request, orders).order_by("updated_at", "id")


class OrderChangeSerializer(OrderSerializer):
    """The order list's rows; its own name gives the cursor page its own schema component."""


@extend_schema_view(
    list=extend_schema(
        summary="Orders changed since a time, paged by cursor",
        description=(
            "The orders of the filters (as the order list), paged by an opaque `cursor` over "
            "the order id: each order comes once however orders change while a client pages "
            "(one changed again after it was read comes back in the next sync from the latest "
            "`updated_at` seen). Keep the filters the same on every page."
        ),
        parameters=[OrderFilterSerializer],
        responses={
            200: OrderChangeSerializer(many=True),
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid filter, unknown_store"),
        },
    )
)
class OrderChangesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderChangeSerializer
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return orders_filtered(self.request)
