"""Stock API for the ERP (DESIGN §5): list levels, post adjustments and stocktake counts.

Staff tokens only (the project default, IsAdminUser). Views parse, call one service, present;
every rule about stock lives in `inventory.services`.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from catalog.models import SKU
from inventory.models import StockLevel
from inventory.serializers import (
    StockAdjustmentResultSerializer,
    StockAdjustmentSerializer,
    StockCountResultSerializer,
    StockCountSerializer,
    StockLevelFilterSerializer,
    StockLevelSerializer,
    StockMovementSerializer,
)
from inventory.services import (
    sku_resolve,
    stock_adjust,
    stock_count_apply,
    stock_count_set,
    store_resolve,
)
from o2o.api import STOCK_ERROR_SCHEMA, query_filters
from o2o.api_parsers import BoundedJSONParser
from o2o.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent


@extend_schema_view(
    list=extend_schema(
        summary="List stock levels",
        description=(
            "Stock per (store, SKU), ordered by (updated_at, id) so that paging with "
            "`updated_since` and `limit`/`offset` is stable. An unknown store or SKU in the "
            "filters answers 400 `unknown_store` / `unknown_sku`, not an empty list."
        ),
        parameters=[StockLevelFilterSerializer],
        responses={
            200: StockLevelSerializer(many=True),
            400: OpenApiResponse(
                STOCK_ERROR_SCHEMA, description="invalid filter, unknown_store, unknown_sku"
            ),
        },
    )
)
class StockLevelViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = StockLevelSerializer

    def get_queryset(self):
        filters = query_filters(StockLevelFilterSerializer, self.request)
        levels = StockLevel.objects.select_related("store", "sku").order_by("updated_at", "id")
        if "store" in filters:
            levels = levels.filter(store=store_resolve(filters["store"]))
        if "sku" in filters:
            levels = levels.filter(sku=sku_resolve(filters["sku"]))
        if "updated_since" in filters:
            # Inclusive, so a row changed in the same instant as the client's last sync is seen.
            levels = levels.filter(updated_at__gte=filters["updated_since"])
        return levels


class StockAdjustmentViewSet(viewsets.GenericViewSet):
    serializer_class = StockAdjustmentSerializer
    # Unit counts must be JSON integers; a form body would turn them into strings.
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="Adjust stock, or record a stocktake count",
        description=(
            "Send `delta` with a `reason` (receipt, return, adjustment, sale), or `count` "
            "(reason stocktake, implied). Errors: 400 `invalid` / `invalid_quantity` / "
            "`unknown_store` / `unknown_sku` / `inactive_store`; 409 `insufficient_stock` with "
            "`shortages` when stock would fall below zero or below what is reserved. A refused "
            "request writes nothing."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=StockAdjustmentSerializer,
        responses={
            201: StockAdjustmentResultSerializer,
            400: OpenApiResponse(STOCK_ERROR_SCHEMA, description="invalid input"),
            409: OpenApiResponse(
                STOCK_ERROR_SCHEMA, description="insufficient_stock, idempotency_key_reused"
            ),
        },
        examples=[
            OpenApiExample(
                "Receipt",
                value={
                    "store": "sh01",
                    "sku": "wom-01-1",
                    "delta": 12,
                    "reason": "receipt",
                    "reference": "DN-2024-0117",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Stocktake",
                value={"store": "sh01", "sku": "wom-01-1", "count": 7, "reference": "ST-0423"},
                request_only=True,
            ),
        ],
    )
    @idempotent
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = store_resolve(data["store"])
        sku = sku_resolve(data["sku"])
        common = {
            "store": store,
            "sku": sku,
            "reference": data["reference"],
            "note": data["note"],
            "actor": request.user,
        }
        if "count" in data:
            level = stock_count_set(count=data["count"], **common)
        else:
            level = stock_adjust(delta=data["delta"], reason=data["reason"], **common)
        level.store, level.sku = store, sku  # already loaded: no query per field presented
        return Response(StockAdjustmentResultSerializer(level).data, status=status.HTTP_201_CREATED)


class StockCountViewSet(viewsets.GenericViewSet):
    serializer_class = StockCountSerializer
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="Apply a store's stocktake in one request",
        description=(
            "Each counted number becomes on-hand through a stocktake movement of the "
            "difference; with `full`, the store's SKUs left out are counted as zero. All lines "
            "or none. Applied once per (store, `reference`): a repeat answers the movements of "
            "the first. Errors: 400 `invalid` / `unknown_store` / `unknown_sku` / "
            "`inactive_store`; 409 `insufficient_stock` (a count below what shoppers have "
            "reserved) with `shortages`."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=StockCountSerializer,
        responses={
            201: StockCountResultSerializer,
            400: OpenApiResponse(STOCK_ERROR_SCHEMA, description="invalid input"),
            409: OpenApiResponse(
                STOCK_ERROR_SCHEMA, description="insufficient_stock, idempotency_key_reused"
            ),
        },
        examples=[
            OpenApiExample(
                "Full count",
                value={
                    "store": "sh01",
                    "reference": "ST-2026-12-05",
                    "full": False,
                    "lines": [{"sku": "wom-01-1", "count": 9}],
                },
                request_only=True,
            )
        ],
    )
    @idempotent
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = store_resolve(data["store"])
        skus = {line["sku"]: sku_resolve(line["sku"]) for line in data["lines"]}
        movements = stock_count_apply(
            store=store,
            counts={skus[line["sku"]].pk: line["count"] for line in data["lines"]},
            reference=data["reference"],
            full=data["full"],
            actor=request.user,
        )
        codes = dict(
            SKU.objects.filter(pk__in={m.sku_id for m in movements}).values_list("pk", "code")
        )
        body = {
            "store": store.code,
            "reference": data["reference"],
            "movements": [
                {**StockMovementSerializer(m).data, "sku": codes[m.sku_id]} for m in movements
            ],
        }
        return Response(body, status=status.HTTP_201_CREATED)
