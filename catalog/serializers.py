"""Shapes of the products API (DESIGN §5): products with their SKUs, prices in integer fen."""

from rest_framework import serializers

from catalog.models import SKU, Product
from o2o.api_fields import StrictIntegerField

MAX_PRICE = 100_000_000  # ¥1,000,000 in fen: far above any garment, far below the column's end


class SkuSerializer(serializers.ModelSerializer):
    code = serializers.SlugField(max_length=64, help_text="Stable SKU code (printed on labels).")
    # No defaults: a field left out of an update keeps its value.
    color = serializers.CharField(max_length=32, required=False, allow_blank=True)
    size = serializers.CharField(max_length=32, required=False, allow_blank=True)
    barcode = serializers.CharField(
        max_length=32, required=False, allow_blank=True, allow_null=True
    )
    price_override = StrictIntegerField(
        min_value=0,
        max_value=MAX_PRICE,
        required=False,
        allow_null=True,
        help_text="Fen; null sells at the product's base price.",
    )
    is_active = serializers.BooleanField(required=False)
    price = serializers.IntegerField(read_only=True, help_text="What it sells for (fen).")

    class Meta:
        model = SKU
        fields = ["code", "color", "size", "barcode", "price_override", "is_active", "price"]
        # The model's unique checks would run one query per SKU; the service answers 409.
        validators = []


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugField(source="category.slug", help_text="Category slug.")
    skus = SkuSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "description",
            "brand",
            "category",
            "base_price",
            "is_active",
            "skus",
            "updated_at",
        ]
        read_only_fields = fields


class ProductUpsertSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=64, help_text="Your product code; the upsert key.")
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    brand = serializers.CharField(required=False, allow_blank=True, max_length=64)
    category = serializers.SlugField(max_length=64, help_text="Category slug (made in the admin).")
    base_price = StrictIntegerField(min_value=0, max_value=MAX_PRICE, help_text="Fen.")
    is_active = serializers.BooleanField(required=False, default=True)
    skus = SkuSerializer(many=True, help_text="Matched by code; SKUs left out stay as they are.")

    def validate_skus(self, skus):
        codes = [sku["code"] for sku in skus]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("Each SKU code once.")
        if len(codes) > 500:
            raise serializers.ValidationError("At most 500 SKUs per product.")
        return skus


class ProductFilterSerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601; only products changed (or whose SKUs changed) at or after this time.",
    )
