"""Writing an order's lines: the one place that snapshots products and spreads discounts."""

from __future__ import annotations

from o2o.money import allocate_pro_rata
from orders.models import Order, OrderLine


def order_lines_create(*, order: Order, lines, discount: int = 0) -> list[OrderLine]:
    """Create `lines` [(sku, quantity, unit_price), ...] on `order`.

    Product name, colour and size are copied so the receipt keeps what was bought whatever the
    catalog says later. An order-level `discount` (fen) is spread over the lines in proportion to
    their amounts, exactly, so refunds and commission by line add up to the order's figures.
    """
    shares = allocate_pro_rata(
        discount, [unit_price * quantity for _sku, quantity, unit_price in lines]
    )
    return OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                sku=sku,
                product_name=sku.product.name,
                color=sku.color,
                size=sku.size,
                unit_price=unit_price,
                quantity=quantity,
                discount_share=share,
            )
            for (sku, quantity, unit_price), share in zip(lines, shares, strict=True)
        ]
    )
