"""Later issues fill this app: cart, checkout, orders, payments, refunds, dispatch."""
