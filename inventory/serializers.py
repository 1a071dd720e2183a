"""Shapes of the stock API (DESIGN §5): what the ERP sends and what it gets back."""

from rest_framework import serializers

from inventory.models import StockLevel, StockMovement
from inventory.services.stock import ADJUSTMENT_REASONS
from o2o.api_fields import StrictIntegerField

# The level columns are 32-bit; a bound far below that keeps a typo from reaching the database.
MAX_UNITS = 1_000_000


class StockLevelSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", help_text="Store code.")
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    available = serializers.IntegerField(help_text="on_hand − reserved: what can still be sold.")

    class Meta:
        model = StockLevel
        fields = ["store", "sku", "on_hand", "reserved", "available", "updated_at"]
        read_only_fields = fields


class StockLevelFilterSerializer(serializers.Serializer):
    """Query parameters of the stock list."""

    store = serializers.CharField(required=False, help_text="Only this store (code).")
    sku = serializers.CharField(required=False, help_text="Only this SKU (code).")
    updated_since = serializers.DateTimeField(
        required=False,
        help_text=(
            "ISO 8601; only levels whose on-hand stock changed at or after this time (URL-encode "
            "a `+` offset, or use `Z`). Without an offset the time is Asia/Shanghai. Checkout "
            "holds change `reserved` and `available` without moving `updated_at`."
        ),
    )


class StockMovementSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockMovement
        fields = ["id", "delta", "reason", "reference", "note", "created_at"]
        read_only_fields = fields


class StockAdjustmentSerializer(serializers.Serializer):
    """A change of on-hand stock: a `delta` with a reason, or an absolute `count` (stocktake)."""

    store = serializers.CharField(max_length=32, help_text="Store code.")
    sku = serializers.CharField(max_length=64, help_text="SKU code.")
    delta = StrictIntegerField(
        required=False,
        min_value=-MAX_UNITS,
        max_value=MAX_UNITS,
        help_text="Units to add (positive) or remove (negative); not zero. Needs a `reason`.",
    )
    count = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_UNITS,
        help_text="Units counted in a stocktake; on-hand becomes this number (reason `stocktake`).",
    )
    reason = serializers.ChoiceField(
        choices=sorted(ADJUSTMENT_REASONS) + [StockMovement.Reason.STOCKTAKE],
        required=False,
        help_text=(
            "With `delta`: receipt or return (positive), sale (negative), adjustment (either). "
            "With `count`: stocktake, or leave it out."
        ),
    )
    reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Your document number (delivery note, stocktake sheet).",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        has_delta, has_count = "delta" in attrs, "count" in attrs
        if has_delta == has_count:
            raise serializers.ValidationError("Send exactly one of `delta` and `count`.")
        reason = attrs.get("reason")
        if has_count:
            if reason not in (None, StockMovement.Reason.STOCKTAKE):
                raise serializers.ValidationError(
                    {"reason": "A `count` is a stocktake: send reason `stocktake` or leave it out."}
                )
            attrs["reason"] = StockMovement.Reason.STOCKTAKE
            return attrs
        if attrs["delta"] == 0:
            raise serializers.ValidationError({"delta": "A change of zero units changes nothing."})
        if reason is None:
            raise serializers.ValidationError({"reason": "A `delta` needs a reason."})
        if reason not in ADJUSTMENT_REASONS:
            allowed = ", ".join(sorted(ADJUSTMENT_REASONS))
            raise serializers.ValidationError(
                {"reason": f"With `delta` the reason is one of: {allowed}."}
            )
        return attrs


class StockAdjustmentResultSerializer(StockLevelSerializer):
    """The level after the change, and the movement written (null when a count matched on-hand)."""

    movement = StockMovementSerializer(allow_null=True)

    class Meta(StockLevelSerializer.Meta):
        fields = StockLevelSerializer.Meta.fields + ["movement"]
        read_only_fields = fields


class StockCountLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="SKU code.")
    count = StrictIntegerField(min_value=0, max_value=MAX_UNITS, help_text="Units counted.")


class StockCountSerializer(serializers.Serializer):
    """A store's stocktake in one request."""

    store = serializers.CharField(max_length=32, help_text="Store code.")
    reference = serializers.CharField(
        max_length=64, help_text="Your stocktake sheet number; a count is applied once per store."
    )
    full = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A full count: SKUs of the store left out were counted as zero.",
    )
    lines = StockCountLineSerializer(many=True, max_length=5000)

    def validate_lines(self, lines):
        codes = [line["sku"] for line in lines]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("Each SKU once.")
        return lines


class CountedMovementSerializer(StockMovementSerializer):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")

    class Meta(StockMovementSerializer.Meta):
        fields = ["sku", *StockMovementSerializer.Meta.fields]
        read_only_fields = fields


class StockCountResultSerializer(serializers.Serializer):
    store = serializers.CharField()
    reference = serializers.CharField()
    movements = CountedMovementSerializer(many=True, help_text="The differences written.")
