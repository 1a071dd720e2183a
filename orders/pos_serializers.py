"""Shapes of the POS sales API (DESIGN §5): what the POS sends, and the order it gets back."""

from rest_framework import serializers

from inventory.serializers import MAX_UNITS, StrictIntegerField
from orders.models import Order, OrderLine

# Fen; far above any real till total, far below the 64-bit columns, so a typo stops here.
MAX_FEN = 10**12


class PosSaleLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="SKU code.")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_UNITS, help_text="Units sold, ≥ 1.")
    unit_price = StrictIntegerField(
        min_value=0, max_value=MAX_FEN, help_text="Price of one unit as rung up, in fen (≥ 0)."
    )


class PosSaleSerializer(serializers.Serializer):
    """An offline sale. `member` (code) or `member_phone` identify the shopper; both optional."""

    store = serializers.CharField(max_length=32, help_text="Code of the store where it was sold.")
    clerk = serializers.CharField(
        max_length=32,
        required=False,
        help_text="Staff code of the selling clerk: an active clerk of `store`.",
    )
    member = serializers.CharField(
        max_length=16, required=False, help_text="Member code of the shopper."
    )
    member_phone = serializers.CharField(
        max_length=32,
        required=False,
        help_text="The shopper's mobile number; a number not yet a member becomes one (joined "
        "via pos). Send `member` or `member_phone`, not both.",
    )
    lines = PosSaleLineSerializer(
        many=True,
        allow_empty=False,
        max_length=500,
        help_text="What was sold. Lines with the same SKU and unit price are merged into one; "
        "the same SKU at two prices stays two lines.",
    )
    amount_paid = StrictIntegerField(
        min_value=0,
        max_value=MAX_FEN,
        help_text="What the shopper paid, in fen: at most the sum of the lines; the difference is "
        "the discount, shared over the lines pro rata.",
    )
    external_id = serializers.CharField(
        max_length=64,
        help_text="The POS's id for this sale (receipt number). The sale is recorded once per id.",
    )
    sold_at = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 time of the sale (default: now); it dates the points and follow-ups. "
        "Without an offset the time is Asia/Shanghai.",
    )

    def validate(self, attrs):
        if "member" in attrs and "member_phone" in attrs:
            raise serializers.ValidationError("Send `member` or `member_phone`, not both.")
        merged: dict[tuple[str, int], int] = {}
        for line in attrs["lines"]:
            key = (line["sku"], line["unit_price"])
            merged[key] = merged.get(key, 0) + line["quantity"]
        if any(quantity > MAX_UNITS for quantity in merged.values()):
            raise serializers.ValidationError({"lines": f"At most {MAX_UNITS} units of a SKU."})
        attrs["lines"] = [
            {"sku": sku, "unit_price": unit_price, "quantity": quantity}
            for (sku, unit_price), quantity in merged.items()
        ]
        return attrs


class PosSaleLineResultSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")

    class Meta:
        model = OrderLine
        fields = ["sku", "product_name", "quantity", "unit_price", "discount_share"]
        read_only_fields = fields


class PosSaleResultSerializer(serializers.ModelSerializer):
    """The order the sale became, with what it did for the member. Amounts are integer fen."""

    store = serializers.CharField(source="fulfilling_store.code", help_text="Store code.")
    credited_store = serializers.CharField(source="credited_store.code", help_text="Store code.")
    credited_clerk = serializers.CharField(
        source="credited_clerk.staff_code",
        allow_null=True,
        default=None,
        help_text="Staff code of the clerk credited: the member's bound clerk if active, else the "
        "selling clerk.",
    )
    clerk = serializers.CharField(
        source="assisted_by.staff_code",
        allow_null=True,
        default=None,
        help_text="Staff code of the selling clerk.",
    )
    member = serializers.CharField(
        source="member.member_code", allow_null=True, default=None, help_text="Member code."
    )
    sold_at = serializers.DateTimeField(source="completed_at")
    points_earned = serializers.IntegerField(help_text="Points the member earned for this sale.")
    follow_up_tasks = serializers.IntegerField(
        help_text="Follow-up tasks (机会窗) the sale created for the member's clerk or store."
    )
    lines = PosSaleLineResultSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "external_id",
            "status",
            "store",
            "credited_store",
            "credited_clerk",
            "clerk",
            "member",
            "goods_amount",
            "discount_amount",
            "total_amount",
            "sold_at",
            "points_earned",
            "follow_up_tasks",
            "lines",
        ]
        read_only_fields = fields
