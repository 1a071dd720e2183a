"""Shapes of the orders API (DESIGN §5): amounts in fen, stores by code, people by their codes."""

from rest_framework import serializers

from orders.models import Order, OrderEvent, OrderLine


class OrderFilterSerializer(serializers.Serializer):
    """Query parameters of the order list."""

    store = serializers.CharField(
        required=False,
        help_text="Only orders fulfilled by this store (code). The credited store is in each "
        "order's `credited_store`; filter client-side if you report by credit.",
    )
    status = serializers.ChoiceField(
        choices=Order.Status.choices, required=False, help_text="Only orders in this status."
    )
    updated_since = serializers.DateTimeField(
        required=False,
        help_text=(
            "ISO 8601; only orders changed at or after this time (URL-encode a `+` offset, or use "
            "`Z`). Without an offset the time is Asia/Shanghai."
        ),
    )


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "product_name",
            "color",
            "size",
            "unit_price",
            "quantity",
            "discount_share",
            "refunded_quantity",
        ]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    # The order's own status enum documents the values; these stay plain codes ("" for none).
    from_status = serializers.CharField(read_only=True, help_text="Order status before, or empty.")
    to_status = serializers.CharField(read_only=True, help_text="Order status after, or empty.")

    class Meta:
        model = OrderEvent
        fields = ["kind", "from_status", "to_status", "actor_label", "note", "created_at"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """An order as the list shows it; amounts are integer fen."""

    fulfilling_store = serializers.CharField(
        source="fulfilling_store.code", allow_null=True, default=None, help_text="Store code."
    )
    credited_store = serializers.CharField(
        source="credited_store.code", allow_null=True, default=None, help_text="Store code."
    )
    credited_clerk = serializers.CharField(
        source="credited_clerk.staff_code",
        allow_null=True,
        default=None,
        help_text="Staff code of the clerk credited with the sale.",
    )
    assisted_by = serializers.CharField(
        source="assisted_by.staff_code", allow_null=True, default=None, help_text="Staff code."
    )
    member = serializers.CharField(
        source="member.member_code", allow_null=True, default=None, help_text="Member code."
    )
    lines = OrderLineSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "channel",
            "fulfillment",
            "fulfilling_store",
            "credited_store",
            "credited_clerk",
            "assisted_by",
            "member",
            "goods_amount",
            "discount_amount",
            "points_used",
            "points_discount_amount",
            "shipping_amount",
            "total_amount",
            "refunded_amount",
            "appointment_at",
            "external_id",
            "paid_at",
            "completed_at",
            "created_at",
            "updated_at",
            "lines",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    """One order with its timeline."""

    events = OrderEventSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = OrderSerializer.Meta.fields + ["address", "note", "events"]
        read_only_fields = fields
