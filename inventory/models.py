"""Later issues fill this app: stock per store and SKU, movements, reservations, transfers, replenishment."""
