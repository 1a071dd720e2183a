"""Stores API for the ERP (DESIGN §5): list, create, update by code. Lists page by cursor.

Staff tokens only (the project default, IsAdminUser). Coordinates are GCJ-02.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from o2o.api import ERROR_SCHEMA, query_filters
from o2o.api_pagination import KeysetCursorPagination
from o2o.api_parsers import BoundedJSONParser
from o2o.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from stores.models import Store, validate_opening_hours
from stores.services import store_create, store_update

STORE_EXAMPLE = {
    "code": "sh09",
    "name": "上海静安嘉里中心店",
    "region": "sh",
    "city": "上海",
    "district": "静安区",
    "address": "南京西路 1515 号",
    "latitude": "31.226700",
    "longitude": "121.448600",
    "phone": "021-60000009",
    "opening_hours": {"mon": ["10:00", "22:00"], "sun": None},
    "delivers": True,
    "delivery_radius_km": "5.00",
}


class StoreSerializer(serializers.ModelSerializer):
    code = serializers.SlugField(max_length=32, help_text="Stable store code (in QR codes).")
    region = serializers.SlugField(source="region.code", max_length=32, help_text="Region code.")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, help_text="GCJ-02."
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, help_text="GCJ-02."
    )
    delivery_radius_km = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, required=False
    )
    opening_hours = serializers.JSONField(
        required=False, help_text='{"mon": ["10:00", "22:00"], ..., "sun": null}; null = closed.'
    )

    class Meta:
        model = Store
        fields = [
            "code",
            "name",
            "kind",
            "region",
            "city",
            "district",
            "address",
            "latitude",
            "longitude",
            "phone",
            "opening_hours",
            "is_active",
            "delivers",
            "delivery_radius_km",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators = []  # the code's uniqueness is the service's 409, not a query here

    def validate_opening_hours(self, value):
        try:
            validate_opening_hours(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class StoreUpdateSerializer(StoreSerializer):
    class Meta(StoreSerializer.Meta):
        read_only_fields = ["code", "updated_at"]


class StoreFilterSerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False, help_text="ISO 8601; only stores changed at or after this time."
    )


def _flatten(data: dict) -> dict:
    """The serializer nests `region` as {"code": ...}; the services take codes."""
    data = dict(data)
    if "region" in data:
        data["region"] = data["region"]["code"]
    return data


@extend_schema_view(
    list=extend_schema(
        summary="List stores",
        description="Paged by `cursor` (each store once, in creation order).",
        parameters=[StoreFilterSerializer],
        responses={200: StoreSerializer(many=True), 400: OpenApiResponse(ERROR_SCHEMA)},
    ),
    retrieve=extend_schema(
        summary="One store by code",
        responses={
            200: StoreSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="a malformed code"),
            404: OpenApiResponse(ERROR_SCHEMA),
        },
    ),
)
class StoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StoreSerializer
    pagination_class = KeysetCursorPagination
    parser_classes = [BoundedJSONParser]
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        stores = Store.objects.select_related("region")
        if self.action == "list":
            filters = query_filters(StoreFilterSerializer, self.request)
            if "updated_since" in filters:
                stores = stores.filter(updated_at__gte=filters["updated_since"])
        return stores

    @extend_schema(
        summary="Create a store",
        description="Errors: 400 `invalid` / `unknown_region`; 409 `store_exists`.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=StoreSerializer,
        responses={
            201: StoreSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid, unknown_region"),
            409: OpenApiResponse(ERROR_SCHEMA, description="store_exists, idempotency_key_reused"),
        },
        examples=[OpenApiExample("New store", value=STORE_EXAMPLE, request_only=True)],
    )
    @idempotent
    def create(self, request):
        serializer = StoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        store = store_create(**_flatten(serializer.validated_data))
        return Response(StoreSerializer(store).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a store by code",
        description="Only the fields sent change; the code never does. 400 `unknown_region`.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=StoreUpdateSerializer,
        responses={
            200: StoreSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid, unknown_region"),
            404: OpenApiResponse(ERROR_SCHEMA),
            409: OpenApiResponse(ERROR_SCHEMA, description="idempotency_key_reused"),
        },
        examples=[OpenApiExample("Stop delivering", value={"delivers": False}, request_only=True)],
    )
    @idempotent
    def partial_update(self, request, code=None):
        store = self.get_object()
        serializer = StoreUpdateSerializer(store, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        store = store_update(store=store, **_flatten(serializer.validated_data))
        return Response(StoreSerializer(store).data)
