"""Binance's own SDK (``binance-sdk-spot``) places a stop-limit order and an OCO against the
local server and reads them back (run in a child process, as in test_client_library). The
SDK sends prices and quantities as floats; the server reads them as Binance does (decimal
text). Skipped when the SDK is not installed."""

from __future__ import annotations

import importlib.metadata
from decimal import Decimal

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import run_client
from transports.sim.exchange import SimExchange
from transports.sim.server.core import wall_clock_ms

SDK: str | None
try:
    SDK = importlib.metadata.version("binance-sdk-spot")
except importlib.metadata.PackageNotFoundError:
    SDK = None

# The opening of every binance-sdk-spot REST script the tests run in a child process:
# ``base, key, secret`` from argv, ``api`` (the REST client), ``dump`` (a model as JSON) and
# ``out`` (what the script prints).
SDK_REST_HEAD = """
import asyncio, json, sys
from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketAPI
from binance_common.errors import BadRequestError
from binance_sdk_spot.spot import Spot

base, key, secret = sys.argv[1:]
client = Spot(config_rest_api=ConfigurationRestAPI(
    api_key=key, api_secret=secret, base_path=base[: -len("/api")], timeout=10000))
api = client.rest_api
dump = lambda r: r.data().model_dump(by_alias=True, exclude_none=True)
out = {}
"""

SCRIPT = (
    SDK_REST_HEAD
    + """
stop = api.new_order(symbol="BTCUSDT", side="SELL", type="STOP_LOSS_LIMIT",
                     time_in_force="GTC", quantity=0.01, price=58000.0, stop_price=58500.0)
out["stop"] = stop.data().model_dump(by_alias=True, exclude_none=True)
oco = api.order_list_oco(symbol="BTCUSDT", side="SELL", quantity=0.01,
                         above_type="LIMIT_MAKER", above_price=62000.0,
                         below_type="STOP_LOSS_LIMIT", below_price=57000.0,
                         below_stop_price=57500.0, below_time_in_force="GTC")
out["oco"] = oco.data().model_dump(by_alias=True, exclude_none=True)
lists = api.open_order_list()
out["open_lists"] = [x.model_dump(by_alias=True, exclude_none=True) for x in lists.data()]
print(json.dumps(out, default=str))
"""
)


@pytest.mark.skipif(SDK is None, reason="binance-sdk-spot is not installed")
async def test_binance_sdk_spot_stop_limit_and_oco(serve: ServeFactory) -> None:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    out = await run_client(serve, exchange, SCRIPT)
    assert out["stop"]["orderListId"] == -1
    oco = out["oco"]
    assert oco["contingencyType"] == "OCO" and oco["listOrderStatus"] == "EXECUTING"
    assert [r["type"] for r in oco["orderReports"]] == ["LIMIT_MAKER", "STOP_LOSS_LIMIT"]
    assert [x["orderListId"] for x in out["open_lists"]] == [oco["orderListId"]]
    assert exchange.balance("demo", "BTC") == (Decimal("0.98"), Decimal("0.02"))
