"""Products API for the ERP (DESIGN §5): list products with their SKUs, upsert by product code.

Staff tokens only (the project default, IsAdminUser). Lists page by cursor.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.models import SKU, Product
from catalog.serializers import ProductFilterSerializer, ProductSerializer, ProductUpsertSerializer
from catalog.upserts import product_upsert
from o2o.api import ERROR_SCHEMA, query_filters
from o2o.api_pagination import KeysetCursorPagination
from o2o.api_parsers import BoundedJSONParser
from o2o.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

UPSERT_EXAMPLE = {
    "code": "dress-silk",
    "name": "真丝连衣裙",
    "category": "women",
    "base_price": 59900,
    "skus": [
        {"code": "dress-silk-s", "color": "黑色", "size": "S", "barcode": "6901234500011"},
        {"code": "dress-silk-m", "color": "黑色", "size": "M", "barcode": "6901234500028"},
        {"code": "dress-silk-l", "color": "黑色", "size": "L", "price_override": 62900},
    ],
}


def products_with_skus():
    return Product.objects.select_related("category").prefetch_related(
        Prefetch("skus", queryset=SKU.objects.select_related("product").order_by("id"))
    )


@extend_schema_view(
    list=extend_schema(
        summary="List products with their SKUs",
        description="Paged by `cursor` (each product once, in creation order).",
        parameters=[ProductFilterSerializer],
        responses={200: ProductSerializer(many=True), 400: OpenApiResponse(ERROR_SCHEMA)},
    ),
    retrieve=extend_schema(
        summary="One product by code",
        responses={
            200: ProductSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="a malformed code"),
            404: OpenApiResponse(ERROR_SCHEMA),
        },
    ),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProductSerializer
    pagination_class = KeysetCursorPagination
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    parser_classes = [BoundedJSONParser]

    def get_queryset(self):
        products = products_with_skus()
        if self.action == "list":
            filters = query_filters(ProductFilterSerializer, self.request)
            if "updated_since" in filters:
                products = products.filter(updated_at__gte=filters["updated_since"])
        return products

    @extend_schema(
        summary="Create or update a product and its SKUs by code",
        description=(
            "201 when the product is new, 200 when it was updated. SKUs are matched by code; "
            "SKUs left out stay as they are. Errors: 400 `invalid` / `unknown_category`; 409 "
            "`sku_conflict` (a SKU code, barcode or colour and size of another product), "
            "`idempotency_key_reused`. A refused request writes nothing."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ProductUpsertSerializer,
        responses={
            200: ProductSerializer,
            201: ProductSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid, unknown_category"),
            409: OpenApiResponse(ERROR_SCHEMA, description="sku_conflict, idempotency_key_reused"),
        },
        examples=[OpenApiExample("Three SKUs", value=UPSERT_EXAMPLE, request_only=True)],
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def upsert(self, request):
        serializer = ProductUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product, created = product_upsert(**serializer.validated_data)
        body = ProductSerializer(products_with_skus().get(pk=product.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
