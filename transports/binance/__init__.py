"""The real Binance Spot transport: signed REST and the WebSocket API user-data stream."""

from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, ConfigError, load_config

__all__ = ["BinanceClient", "BinanceConfig", "ConfigError", "load_config"]
