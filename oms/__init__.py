"""oms: an order-management core for Binance Spot."""
