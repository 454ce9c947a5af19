"""Every public method of Binance's SDK REST client (binance-sdk-spot ``SpotRestAPI``)
against the local server, each answer parsed by the SDK's own pydantic models (run in a
child process, as in test_client_library).

For each call the child reports the model the SDK built (a bare dict means the SDK gave up
parsing) and every model field left ``None``; a field the documents show in every answer
(rest-api.md, each endpoint's Response) must be there, and only the documented conditional
order fields (rest-api.md, Conditional fields in Order Responses) may be missing. The SDK
logs a warning when it has to relax its types or return the raw payload: none may be logged.
Skipped when the SDK is not installed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_ccxt_sdk import version
from tests.server.test_client_library import run_client
from tests.server.test_client_sdk import SDK_REST_HEAD
from transports.sim.exchange import SimExchange
from transports.sim.markets import default_markets
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.market_maker import MarketMaker

# Child-script code shared with test_sdk_ws_sweep: ``audit(model)`` lists the paths of the
# fields a parsed SDK model left None; ``logged`` collects the SDK's warnings (a relaxed or
# failed parse, an event no model took).
SDK_AUDIT = """
import logging
from pydantic import BaseModel

logged = []
# The SDK logs every error answer too (the calls record those); not them.
_ANSWERS = ("Error received from server", "Connection with user closed")
class _Grab(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if record.levelno >= logging.WARNING and not message.startswith(_ANSWERS):
            logged.append(message[:300])
logging.getLogger().addHandler(_Grab())

def audit(value, path=""):
    if isinstance(value, list):
        return [n for i, v in enumerate(value[:3]) for n in audit(v, path)]
    if not isinstance(value, BaseModel):
        return []
    if "actual_instance" in type(value).model_fields:
        return audit(value.actual_instance, path)
    nones = []
    for name, field in type(value).model_fields.items():
        if name == "additional_properties":
            continue
        inner = getattr(value, name)
        where = path + "." + (field.alias or name)
        nones += [where] if inner is None else audit(inner, where)
    return nones
"""

SCRIPT = (
    SDK_REST_HEAD
    + SDK_AUDIT
    + """
import inspect
from binance_sdk_spot.rest_api.rest_api import SpotRestAPI

S = "BTCUSDT"
called = set()
state = {}

def call(label, fn):
    called.add(label.split("(")[0].split(" ")[0])
    try:
        data = fn().data()
    except BadRequestError as exc:
        out[label] = {"error": str(exc)}
        return None
    out[label] = {"model": type(data).__name__, "nones": sorted(set(audit(data)))}
    return data

def clear():
    try:
        api.delete_open_orders(symbol=S)
    except BadRequestError:
        pass  # -2011: nothing open

call("ping", lambda: api.ping())
call("time", lambda: api.time())
call("exchange_info", lambda: api.exchange_info(symbol=S))
call("execution_rules", lambda: api.execution_rules(symbols=[S, "ETHUSDT"]))
call("depth", lambda: api.depth(symbol=S, limit=5))
call("new_order MARKET", lambda: api.new_order(
    symbol=S, side="BUY", type="MARKET", quantity=0.01, new_order_resp_type="FULL"))
call("get_trades", lambda: api.get_trades(symbol=S, limit=5))
call("historical_trades", lambda: api.historical_trades(symbol=S, limit=5, from_id=0))
call("agg_trades", lambda: api.agg_trades(symbol=S, limit=5))
call("klines", lambda: api.klines(symbol=S, interval="1h", time_zone="+08:00", limit=5))
call("ui_klines", lambda: api.ui_klines(symbol=S, interval="1m", limit=5))
call("avg_price", lambda: api.avg_price(symbol=S))
call("ticker24hr", lambda: api.ticker24hr(symbols=[S, "ETHUSDT"]))
call("ticker_trading_day", lambda: api.ticker_trading_day(symbol=S))
call("ticker", lambda: api.ticker(symbol=S, window_size="1h"))
call("ticker_price", lambda: api.ticker_price())
call("ticker_book_ticker", lambda: api.ticker_book_ticker(symbol=S))
call("reference_price", lambda: api.reference_price(symbol=S))
call("reference_price_calculation", lambda: api.reference_price_calculation(symbol=S))
call("historical_block_trades", lambda: api.historical_block_trades(symbol=S, from_id=0))
call("get_account", lambda: api.get_account(omit_zero_balances=True, recv_window=5000.5))
call("account_commission", lambda: api.account_commission(symbol=S))
call("rate_limit_order", lambda: api.rate_limit_order())
call("my_trades", lambda: api.my_trades(symbol=S))
call("my_prevented_matches", lambda: api.my_prevented_matches(symbol=S, prevented_match_id=1))
call("my_allocations", lambda: api.my_allocations(symbol=S))
call("my_filters", lambda: api.my_filters(symbol=S))
limit = call("new_order LIMIT", lambda: api.new_order(
    symbol=S, side="BUY", type="LIMIT", time_in_force="GTC", quantity=0.01, price=55000.0,
    new_client_order_id="sweep1", strategy_id=7, strategy_type=1000000,
    self_trade_prevention_mode="EXPIRE_TAKER"))
call("order_test", lambda: api.order_test(
    symbol=S, side="BUY", type="LIMIT", time_in_force="GTC", quantity=0.01, price=55000.0,
    compute_commission_rates=True))
call("get_order", lambda: api.get_order(symbol=S, orig_client_order_id="sweep1"))
call("get_open_orders", lambda: api.get_open_orders(symbol=S))
call("all_orders", lambda: api.all_orders(symbol=S, limit=5))
call("order_amend_keep_priority", lambda: api.order_amend_keep_priority(
    symbol=S, order_id=limit.order_id, new_qty=0.005))
call("order_amendments", lambda: api.order_amendments(symbol=S, order_id=limit.order_id))
replaced = call("order_cancel_replace", lambda: api.order_cancel_replace(
    symbol=S, side="BUY", type="LIMIT", cancel_replace_mode="STOP_ON_FAILURE",
    time_in_force="GTC", quantity=0.01, price=55500.0, cancel_order_id=limit.order_id))
call("delete_order", lambda: api.delete_order(
    symbol=S, order_id=replaced.new_order_response.order_id))
oco = call("order_list_oco", lambda: api.order_list_oco(
    symbol=S, side="SELL", quantity=0.002, above_type="LIMIT_MAKER", above_price=62000.0,
    below_type="STOP_LOSS_LIMIT", below_price=57000.0, below_stop_price=57500.0,
    below_time_in_force="GTC"))
call("get_order_list", lambda: api.get_order_list(order_list_id=oco.order_list_id))
call("open_order_list", lambda: api.open_order_list())
call("all_order_list", lambda: api.all_order_list(limit=5))
call("delete_order_list", lambda: api.delete_order_list(
    symbol=S, order_list_id=oco.order_list_id))
call("order_oco", lambda: api.order_oco(
    symbol=S, side="SELL", quantity=0.002, price=62000.0, stop_price=57500.0,
    stop_limit_price=57000.0, stop_limit_time_in_force="GTC"))
clear()
working = dict(symbol=S, working_type="LIMIT", working_side="BUY", working_price=55000.0,
               working_quantity=0.001, working_time_in_force="GTC")
call("order_list_oto", lambda: api.order_list_oto(
    **working, pending_type="LIMIT_MAKER", pending_side="SELL", pending_price=65000.0,
    pending_quantity=0.001))
call("order_list_otoco", lambda: api.order_list_otoco(
    **working, pending_side="SELL", pending_quantity=0.001, pending_above_type="LIMIT_MAKER",
    pending_above_price=65000.0, pending_below_type="STOP_LOSS",
    pending_below_stop_price=50000.0))
clear()
call("order_list_opo", lambda: api.order_list_opo(
    **working, pending_type="LIMIT_MAKER", pending_side="SELL", pending_price=65000.0))
call("order_list_opoco", lambda: api.order_list_opoco(
    **working, pending_side="SELL", pending_above_type="LIMIT_MAKER",
    pending_above_price=65000.0, pending_below_type="STOP_LOSS",
    pending_below_stop_price=50000.0))
call("delete_open_orders", lambda: api.delete_open_orders(symbol=S))
call("sor_order", lambda: api.sor_order(symbol=S, side="BUY", type="MARKET", quantity=0.001))
call("sor_order_test", lambda: api.sor_order_test(
    symbol=S, side="BUY", type="MARKET", quantity=0.001, compute_commission_rates=True))
# Every list leg's documented peg parameters (rest-api.md, New Order list - OCO / OTO /
# OTOCO): read, and refused as a pegged order is (no symbol allows pegs).
peg = dict(peg_price_type="PRIMARY_PEG", peg_offset_type="PRICE_LEVEL", peg_offset_value=1)
legs = lambda prefix: {f"{prefix}_{k}": v for k, v in peg.items()}
call("order_list_oco(peg)", lambda: api.order_list_oco(
    symbol=S, side="SELL", quantity=0.002, above_type="LIMIT_MAKER", above_price=62000.0,
    **legs("above"), below_type="STOP_LOSS", below_stop_price=57500.0))
call("order_list_oto(peg)", lambda: api.order_list_oto(
    **working, **legs("working"), pending_type="LIMIT_MAKER", pending_side="SELL",
    pending_price=65000.0, pending_quantity=0.001))
call("order_list_otoco(peg)", lambda: api.order_list_otoco(
    **working, pending_side="SELL", pending_quantity=0.001, pending_above_type="LIMIT_MAKER",
    pending_above_price=65000.0, pending_below_type="STOP_LOSS",
    pending_below_stop_price=50000.0, **legs("pending_below")))
call("new_order(peg)", lambda: api.new_order(
    symbol=S, side="BUY", type="LIMIT", time_in_force="GTC", quantity=0.001, **peg))

methods = {n for n, _ in inspect.getmembers(SpotRestAPI, inspect.isfunction)
           if not n.startswith("_")}
out["not_called"] = sorted(methods - called)
out["logged"] = logged
print(json.dumps(out, default=str))
"""
)

# rest-api.md, Conditional fields in Order Responses (and trailingTime with trailingDelta,
# the peg fields of Pegged Orders): an order answer may lack these, and only these.
CONDITIONAL = {
    "icebergQty",
    "preventedMatchId",
    "preventedQuantity",
    "stopPrice",
    "strategyId",
    "strategyType",
    "trailingDelta",
    "trailingTime",
    "usedSor",
    "workingFloor",
    "pegPriceType",
    "pegOffsetType",
    "pegOffsetValue",
    "peggedPrice",
    "expiryReason",
}
PEGS_REFUSED = "(-2010, 'Pegged orders are not supported for this symbol.')"


def exchange() -> SimExchange:
    """The default markets, quoted, and a demo account holding both sides of BTCUSDT."""
    exchange = SimExchange(clock=wall_clock_ms, config=default_markets())
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    MarketMaker(exchange).quote_all()
    return exchange


def leaves(nones: list[str]) -> set[str]:
    return {path.rsplit(".", 1)[-1] for path in nones}


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_every_rest_method_parses(serve: ServeFactory) -> None:
    out: dict[str, Any] = await run_client(serve, exchange(), SCRIPT)
    # The two generic senders are broken in the SDK itself (``send_request[T](...)`` on a
    # function: TypeError before anything is sent); every endpoint method was called.
    assert out.pop("not_called") == ["send_request", "send_signed_request"]
    assert out.pop("logged") == []
    errors = {name: r["error"] for name, r in out.items() if "error" in r}
    assert errors == {
        # No reference price is ever set (docs/local-exchange-coverage.md).
        "reference_price": '(-2043, "This symbol doesn\'t have a reference price.")',
        "reference_price_calculation": '(-2043, "This symbol doesn\'t have a reference price.")',
        "order_list_oco(peg)": PEGS_REFUSED,
        "order_list_oto(peg)": PEGS_REFUSED,
        "order_list_otoco(peg)": PEGS_REFUSED,
        "new_order(peg)": PEGS_REFUSED,
    }
    parsed = {name: r for name, r in out.items() if "model" in r}
    # The SDK declares no model for ping's ``{}``; every other answer became its model.
    assert {n for n, r in parsed.items() if r["model"] in ("dict", "NoneType")} == {"ping"}
    # Market data, account, list and test answers: every field of the SDK's model is there
    # (exchangeInfo is left out: its filters' priceExponent / qtyExponent are SBE-only).
    for name in (
        "depth",
        "ticker24hr",
        "ticker_trading_day",
        "ticker",
        "get_account",
        "account_commission",
        "my_trades",
        "get_order_list",
        "open_order_list",
        "order_amendments",
        "sor_order",
        "order_test",
    ):
        assert parsed[name]["nones"] == [], name
    # Full answers of placements and queries: only the documented conditional fields.
    for name in (
        "new_order MARKET",
        "new_order LIMIT",
        "get_order",
        "get_open_orders",
        "all_orders",
        "order_amend_keep_priority",
        "order_cancel_replace",
        "delete_order",
        "order_list_oco",
        "delete_order_list",
        "order_list_oto",
        "order_list_otoco",
    ):
        extra = leaves(parsed[name]["nones"]) - CONDITIONAL - {"listStatus"}
        assert extra == set(), (name, extra)
    # A strategy order reports its strategy (rest-api.md, Conditional fields).
    assert {"strategyId", "strategyType"}.isdisjoint(leaves(parsed["get_order"]["nones"]))
