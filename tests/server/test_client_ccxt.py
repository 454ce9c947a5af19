"""ccxt's binance exchange, pointed at the local server, places a stop-limit order and an OCO
(run in a child process, as in test_client_library). ccxt loads markets from exchangeInfo only
(``fetchMarkets: spot``, no margin pairs, no currencies: those are wallet and margin
endpoints the server does not serve). Skipped when ccxt is not installed."""

from __future__ import annotations

import importlib.metadata
from decimal import Decimal

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import run_client
from transports.sim.exchange import SimExchange
from transports.sim.server.core import wall_clock_ms

CCXT: str | None
try:
    CCXT = importlib.metadata.version("ccxt")
except importlib.metadata.PackageNotFoundError:
    CCXT = None

# ccxt's binance (``ex``), spot only, pointed at the server, markets loaded.
CCXT_HEAD = """
import json, sys
import ccxt

base, key, secret = sys.argv[1:]
ex = ccxt.binance({"apiKey": key, "secret": secret, "enableRateLimit": False,
                   "options": {"fetchMarkets": ["spot"], "fetchCurrencies": False,
                               "fetchMargins": False, "adjustForTimeDifference": False}})
for name, url in list(ex.urls["api"].items()):
    if isinstance(url, str) and url.startswith("https://api.binance.com/api"):
        ex.urls["api"][name] = url.replace("https://api.binance.com/api", base)
ex.load_markets()
"""
SCRIPT = (
    CCXT_HEAD
    + """out = {}
stop = ex.create_order("BTC/USDT", "STOP_LOSS_LIMIT", "sell", 0.01, 58000,
                       {"stopPrice": 58500, "timeInForce": "GTC"})
out["stop"] = stop["info"]
out["oco"] = ex.private_post_orderlist_oco({
    "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01",
    "aboveType": "LIMIT_MAKER", "abovePrice": "62000",
    "belowType": "STOP_LOSS_LIMIT", "belowPrice": "57000", "belowStopPrice": "57500",
    "belowTimeInForce": "GTC"})
out["open"] = [o["info"] for o in ex.fetch_open_orders("BTC/USDT")]
print(json.dumps(out))
"""
)


@pytest.mark.skipif(CCXT is None, reason="ccxt is not installed")
async def test_ccxt_stop_limit_and_oco(serve: ServeFactory) -> None:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    out = await run_client(serve, exchange, SCRIPT)
    stop = out["stop"]
    assert (stop["type"], stop["status"], stop["stopPrice"]) == (
        "STOP_LOSS_LIMIT", "NEW", "58500.00000000",
    )  # fmt: skip
    assert stop["workingTime"] == -1
    oco = out["oco"]
    assert (oco["contingencyType"], oco["listOrderStatus"]) == ("OCO", "EXECUTING")
    assert len(out["open"]) == 3
    assert exchange.balance("demo", "BTC") == (Decimal("0.98"), Decimal("0.02"))
