"""Smart order routing on the simulated exchange: faqs/sor_faq.md's examples reproduced on the
default markets (BTCUSDT, BTCUSDC, BTCUSDP in one SOR), allocations, balances, a resting GTC
remainder, IOC / MARKET / FOK expiry, STP across books and the configuration."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from oms.testing import sim
from oms.wire.enums import (
    ExecutionType,
    OrderResponseType,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.events import ExecutionReport, UserDataEvent
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from tests.sim.support import assets_conserved
from transports.sim.config import SimConfig, SorGroup
from transports.sim.errors import SimError
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import default_markets, markets_from_config
from transports.wire import encode_json

D = Decimal
# faqs/sor_faq.md, Example 1: the ASK side of the three books.
FAQ_ASKS = (
    ("BTCUSDT", "3", "30800"),
    ("BTCUSDT", "3", "30500"),
    ("BTCUSDC", "1", "30000"),
    ("BTCUSDC", "1", "28000"),
    ("BTCUSDP", "1", "35000"),
    ("BTCUSDP", "1", "29000"),
)
# faqs/sor_faq.md, Example 4: the BID side.
FAQ_BIDS = (
    ("BTCUSDT", "5", "29500"),
    ("BTCUSDC", "5", "35000"),
    ("BTCUSDC", "5", "30000"),
    ("BTCUSDP", "5", "28000"),
)
BALANCES = {
    "USDT": D("1000000"),
    "USDC": D("1000000"),
    "USDP": D("1000000"),
    "BTC": D("100"),
}


def limit(
    symbol: str, side: Side, qty: str, price: str, tif: TimeInForce = TimeInForce.GTC, **kw: Any
) -> NewOrder:
    return sim.limit(side, qty, price, symbol=symbol, tif=tif, **kw)


def market(symbol: str, side: Side, qty: str) -> NewOrder:
    return sim.market(side, qty, symbol=symbol)


def faq_exchange(
    book: tuple[tuple[str, str, str], ...] = FAQ_ASKS,
    *,
    clock: Callable[[], int] | None = None,
    taker: str = "taker",
) -> SimExchange:
    """The default markets with ``book`` resting for ``maker`` (asks for FAQ_ASKS, bids for
    FAQ_BIDS), and a ``taker`` account; no events queued."""
    ex = SimExchange(clock=clock or ManualClock(), config=default_markets())
    ex.create_account(taker, BALANCES)
    ex.create_account("maker", BALANCES)
    side = Side.SELL if book is FAQ_ASKS else Side.BUY
    for symbol, qty, price in book:
        ex.place_order("maker", limit(symbol, side, qty, price))
    ex.drain_events(taker)
    ex.drain_events("maker")
    return ex


def body(answer: object) -> dict[str, object]:
    out = msgspec.json.decode(encode_json(answer))
    assert isinstance(out, dict)
    return out


def fill(price: str, qty: str, alloc: int, asset: str = "BTC") -> dict[str, object]:
    return {
        "matchType": "ONE_PARTY_TRADE_REPORT",
        "price": f"{D(price):.8f}",
        "qty": f"{D(qty):.8f}",
        "commission": "0.00000000",
        "commissionAsset": asset,
        "tradeId": -1,
        "allocId": alloc,
    }


def executions(events: list[UserDataEvent]) -> list[ExecutionReport]:
    return [e for e in events if isinstance(e, ExecutionReport)]


def test_example_1_takes_the_best_ask_across_the_books() -> None:
    ex = faq_exchange()
    answer = body(ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "0.5", "31000")))
    assert answer["status"] == "FILLED"
    assert answer["executedQty"] == "0.50000000"
    assert answer["cummulativeQuoteQty"] == "14000.00000000"
    assert answer["fills"] == [fill("28000", "0.5", 0)]
    assert answer["workingFloor"] == "SOR" and answer["usedSor"] is True
    assert (answer["type"], answer["timeInForce"], answer["price"]) == (
        "LIMIT",
        "GTC",
        "31000.00000000",
    )
    # "You would spend 14,000 USDT (not USDC!) and receive 0.5 BTC."
    assert ex.balance("taker", "USDT") == (D("986000"), D(0))
    assert ex.balance("taker", "USDC") == (BALANCES["USDC"], D(0))
    assert ex.balance("taker", "BTC")[0] == D("100.5")
    # The maker sold on BTCUSDC and received USDC.
    assert ex.balance("maker", "USDC")[0] == D("1014000")
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})
    assert ex.book("BTCUSDC")[1] == [(D("28000"), D("0.5")), (D("30000"), D("1"))]


def test_example_2_fills_across_three_books_as_allocations() -> None:
    ex = faq_exchange()
    answer = body(ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "5", "31000")))
    assert answer["status"] == "FILLED"
    assert answer["cummulativeQuoteQty"] == "148000.00000000"
    assert answer["fills"] == [
        fill("28000", "1", 0),
        fill("29000", "1", 1),
        fill("30000", "1", 2),
        fill("30500", "2", 3),
    ]
    assert ex.balance("taker", "USDT")[0] == D("1000000") - D("148000")
    assert ex.balance("taker", "BTC")[0] == D("105")
    # Each maker was paid in its own book's quote asset.
    assert ex.balance("maker", "USDC")[0] == D("1000000") + D("58000")
    assert ex.balance("maker", "USDP")[0] == D("1000000") + D("29000")
    assert ex.balance("maker", "USDT")[0] == D("1000000") + D("61000")
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})
    # What is left: 1 BTCUSDT at 30,500, 3 at 30,800, 1 BTCUSDP at 35,000.
    assert ex.book("BTCUSDT")[1] == [(D("30500"), D("1")), (D("30800"), D("3"))]
    assert ex.book("BTCUSDC")[1] == []
    assert ex.book("BTCUSDP")[1] == [(D("35000"), D("1"))]
    allocations = [body(a) for a in ex.my_allocations("taker", "BTCUSDT")]
    assert [(a["allocationId"], a["price"], a["qty"], a["quoteQty"]) for a in allocations] == [
        (0, "28000.00000000", "1.00000000", "28000.00000000"),
        (1, "29000.00000000", "1.00000000", "29000.00000000"),
        (2, "30000.00000000", "1.00000000", "30000.00000000"),
        (3, "30500.00000000", "2.00000000", "61000.00000000"),
    ]
    first = allocations[0]
    assert first["symbol"] == "BTCUSDT" and first["allocationType"] == "SOR"
    assert first["orderId"] == answer["orderId"] and first["orderListId"] == -1
    assert (first["isBuyer"], first["isMaker"], first["isAllocator"]) == (True, False, False)
    assert (first["commission"], first["commissionAsset"]) == ("0.00000000", "BTC")
    # Allocations are not trades; the makers' trades are on their own books.
    assert ex.my_trades("taker", "BTCUSDT") == []
    maker_trades = ex.my_trades("maker", "BTCUSDC")
    assert [(t.id, t.price, t.is_maker) for t in maker_trades] == [
        (1, D("28000"), True),
        (2, D("30000"), True),
    ]
    assert [t.price for t in ex.market_data("BTCUSDP").trades] == [D("29000")]


def test_example_3_market_order_expires_what_the_books_cannot_fill() -> None:
    ex = faq_exchange()
    answer = body(ex.place_sor_order("taker", market("BTCUSDT", Side.BUY, "11")))
    assert answer["status"] == "EXPIRED"
    assert (answer["origQty"], answer["executedQty"]) == ("11.00000000", "10.00000000")
    assert answer["cummulativeQuoteQty"] == "305900.00000000"
    assert (answer["price"], answer["timeInForce"], answer["type"]) == (
        "0.00000000",
        "GTC",
        "MARKET",
    )
    assert answer["fills"] == [
        fill("28000", "1", 0),
        fill("29000", "1", 1),
        fill("30000", "1", 2),
        fill("30500", "3", 3),
        fill("30800", "3", 4),
        fill("35000", "1", 5),
    ]
    assert answer["expiryReason"] == "INSUFFICIENT_LIQUIDITY"
    assert answer["workingFloor"] == "SOR"
    # The MARKET BUY's lock was its walk across the books; nothing stays locked.
    assert ex.balance("taker", "USDT") == (D("1000000") - D("305900"), D(0))
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})


def test_example_4_sell_receives_the_submitted_quote_asset() -> None:
    ex = faq_exchange(FAQ_BIDS)
    answer = body(ex.place_sor_order("taker", limit("BTCUSDT", Side.SELL, "10", "29000")))
    assert answer["status"] == "FILLED"
    assert answer["cummulativeQuoteQty"] == "325000.00000000"
    assert answer["fills"] == [
        fill("35000", "5", 0, "USDT"),
        fill("30000", "5", 1, "USDT"),
    ]
    assert ex.balance("taker", "USDT")[0] == D("1325000")
    assert ex.balance("taker", "BTC") == (D("90"), D(0))
    assert ex.balance("maker", "BTC")[0] == D("110")
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})
    assert ex.book("BTCUSDT")[0] == [(D("29500"), D("5"))]  # untouched


def test_the_same_order_without_sor_stays_on_its_book() -> None:
    ex = faq_exchange()
    answer = body(ex.place_order("taker", limit("BTCUSDT", Side.BUY, "0.5", "31000")))
    assert answer["fills"][0]["price"] == "30500.00000000"  # type: ignore[index]
    assert "usedSor" not in answer and "workingFloor" not in answer


def test_a_gtc_remainder_rests_on_the_submitted_book() -> None:
    ex = faq_exchange()
    answer = body(ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "5", "30000")))
    assert answer["status"] == "PARTIALLY_FILLED"
    assert answer["executedQty"] == "3.00000000"
    assert [f["allocId"] for f in answer["fills"]] == [0, 1, 2]  # type: ignore[union-attr]
    # The remainder now works on BTCUSDT: its last activity is on the exchange's book.
    assert answer["workingFloor"] == "EXCHANGE" and answer["usedSor"] is True
    assert ex.book("BTCUSDT")[0] == [(D("30000"), D("2"))]
    order_id = int(str(answer["orderId"]))
    query = body(ex.query_order("taker", QueryOrder(symbol="BTCUSDT", order_id=order_id)))
    assert (query["usedSor"], query["workingFloor"], query["status"]) == (
        True,
        "EXCHANGE",
        "PARTIALLY_FILLED",
    )
    assert [body(o)["usedSor"] for o in ex.open_orders("taker", "BTCUSDT")] == [True]
    assert body(ex.all_orders("taker", "BTCUSDT")[-1])["workingFloor"] == "EXCHANGE"
    # Only the remainder's price times quantity stays locked (the lock was at 30,000).
    assert ex.balance("taker", "USDT") == (D("1000000") - D("87000") - D("60000"), D("60000"))
    events = executions(ex.drain_events("taker"))
    assert [(e.execution_type, e.working_floor, e.used_sor) for e in events] == [
        (ExecutionType.NEW, "SOR", True),
        (ExecutionType.TRADE, "SOR", True),
        (ExecutionType.TRADE, "SOR", True),
        (ExecutionType.TRADE, "SOR", True),
    ]
    assert [(e.trade_id, e.match_type, e.allocation_id) for e in events[1:]] == [
        (-1, "ONE_PARTY_TRADE_REPORT", 0),
        (-1, "ONE_PARTY_TRADE_REPORT", 1),
        (-1, "ONE_PARTY_TRADE_REPORT", 2),
    ]
    assert events[-1].is_working is True
    # A seller hits the resting remainder on BTCUSDT: an ordinary trade with a trade id.
    ex.place_order("maker", limit("BTCUSDT", Side.SELL, "1", "30000"))
    trade = executions(ex.drain_events("taker"))[-1]
    assert (trade.execution_type, trade.trade_id > 0, trade.match_type) == (
        ExecutionType.TRADE,
        True,
        None,
    )
    assert (trade.working_floor, trade.used_sor, trade.is_maker) == ("EXCHANGE", True, True)
    assert [t.price for t in ex.my_trades("taker", "BTCUSDT")] == [D("30000")]
    assert len(ex.my_allocations("taker", "BTCUSDT")) == 3
    # And it cancels like any order.
    cancelled = body(ex.cancel_order("taker", CancelOrder(symbol="BTCUSDT", order_id=order_id)))
    assert (cancelled["status"], cancelled["usedSor"], cancelled["workingFloor"]) == (
        "CANCELED",
        True,
        "EXCHANGE",
    )
    assert ex.balance("taker", "USDT")[1] == D(0)
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})


def test_ioc_and_fok_remainders_expire() -> None:
    ex = faq_exchange()
    ioc = body(
        ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "5", "30000", TimeInForce.IOC))
    )
    assert (ioc["status"], ioc["executedQty"], ioc["expiryReason"]) == (
        "EXPIRED",
        "3.00000000",
        "UNFILLED_IOC_QUANTITY_EXPIRED",
    )
    assert ioc["workingFloor"] == "SOR"
    assert ex.open_orders("taker") == []
    assert ex.balance("taker", "USDT")[1] == D(0)
    fok = body(
        ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "7", "30800", TimeInForce.FOK))
    )
    assert (fok["status"], fok["executedQty"], fok["expiryReason"]) == (
        "EXPIRED",
        "0.00000000",
        "UNFILLED_FOK_ORDER_EXPIRED",
    )
    assert fok["fills"] == []
    whole = body(
        ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "6", "30800", TimeInForce.FOK))
    )
    assert (whole["status"], whole["executedQty"]) == ("FILLED", "6.00000000")
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})


def test_response_types_and_ids() -> None:
    ex = faq_exchange()
    ack = body(
        ex.place_sor_order(
            "taker",
            limit(
                "BTCUSDT",
                Side.BUY,
                "1",
                "31000",
                cid="mySor1",
                resp=OrderResponseType.ACK,
            ),
        )
    )
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    assert ack["clientOrderId"] == "mySor1"
    result = body(
        ex.place_sor_order(
            "taker",
            limit("BTCUSDT", Side.BUY, "1", "31000", resp=OrderResponseType.RESULT),
        )
    )
    assert "fills" not in result and result["usedSor"] is True
    assert int(str(result["orderId"])) == int(str(ack["orderId"])) + 1
    # Allocation ids go on per submitted symbol.
    assert [a.allocation_id for a in ex.my_allocations("taker", "BTCUSDT")] == [0, 1]
    order_id = int(str(result["orderId"]))
    mine = ex.my_allocations("taker", "BTCUSDT", order_id=order_id)
    assert [a.order_id for a in mine] == [order_id]


def test_self_trade_prevention_applies_across_the_books() -> None:
    ex = faq_exchange()
    ex.place_order("taker", limit("BTCUSDC", Side.SELL, "1", "27000"))  # taker's own ask
    answer = body(
        ex.place_sor_order(
            "taker",
            limit(
                "BTCUSDT",
                Side.BUY,
                "1",
                "31000",
                stp=SelfTradePreventionMode.EXPIRE_MAKER,
            ),
        )
    )
    # The own ask at 27,000 expired; the order took the maker's 28,000.
    assert answer["fills"] == [fill("28000", "1", 0)]
    assert ex.open_orders("taker", "BTCUSDC") == []
    prevented = ex.prevented_matches("taker", "BTCUSDT")
    assert [(m["symbol"], m["makerSymbol"]) for m in prevented] == [("BTCUSDT", "BTCUSDC")]
    reports = executions(ex.drain_events("taker"))
    expired = [r for r in reports if r.execution_type is ExecutionType.TRADE_PREVENTION]
    assert [(r.symbol, r.counter_symbol) for r in expired] == [("BTCUSDC", "BTCUSDT")]
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})


def test_refusals_change_nothing() -> None:
    ex = faq_exchange()
    before = ex.balance("taker", "USDT")
    with pytest.raises(SimError) as stop:
        ex.place_sor_order(
            "taker",
            NewOrder(
                symbol="BTCUSDT",
                side=Side.BUY,
                order_type=OrderType.LIMIT_MAKER,
                quantity=D(1),
                price=D(20000),
            ),
        )
    assert stop.value.code == -1116
    with pytest.raises(SimError) as stop:
        ex.place_sor_order("taker", limit("ETHUSDT", Side.BUY, "1", "3000"))
    assert stop.value.code == -1020
    with pytest.raises(SimError) as stop:
        ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "100", "31000"))
    assert stop.value.code == -2010  # 3,100,000 USDT is more than the taker holds
    ex.test_sor_order("taker", limit("BTCUSDT", Side.BUY, "1", "31000"))
    assert ex.balance("taker", "USDT") == before
    assert ex.drain_events("taker") == []
    assert ex.book("BTCUSDC")[1] == [(D("28000"), D("1")), (D("30000"), D("1"))]


def test_sors_in_exchange_info_only_when_configured() -> None:
    info = body(SimExchange(clock=ManualClock(), config=default_markets()).exchange_info())
    assert info["sors"] == [{"baseAsset": "BTC", "symbols": ["BTCUSDT", "BTCUSDC", "BTCUSDP"]}]
    ex = SimExchange(clock=ManualClock(), config=SimConfig())
    assert "sors" not in body(ex.exchange_info())
    ex.create_account("a", {"USDT": D(100000)})
    with pytest.raises(SimError) as stop:
        ex.test_sor_order("a", limit("BTCUSDT", Side.BUY, "1", "60000"))
    assert stop.value.code == -1020


def test_sors_config() -> None:
    markets = [
        {"symbol": s, "base": "BTC", "quote": q, "reference_price": "60000"}
        for s, q in (("BTCUSDT", "USDT"), ("BTCFDUSD", "FDUSD"))
    ]
    config = markets_from_config(
        {"markets": markets, "sors": [{"base_asset": "BTC", "symbols": ["BTCUSDT", "BTCFDUSD"]}]}
    )
    assert config.sors == (SorGroup(base_asset="BTC", symbols=("BTCUSDT", "BTCFDUSD")),)
    assert markets_from_config({"markets": markets}).sors == ()
    assert markets_from_config({}).sors == default_markets().sors
    with pytest.raises(ValueError, match="not a listed BTC market"):
        markets_from_config({"markets": markets, "sors": [{"base_asset": "BTC", "symbols": ["X"]}]})
    with pytest.raises(ValueError, match="two SOR"):
        markets_from_config(
            {
                "markets": markets,
                "sors": [
                    {"base_asset": "BTC", "symbols": ["BTCUSDT"]},
                    {"base_asset": "BTC", "symbols": ["BTCUSDT"]},
                ],
            }
        )


def test_commission_taker_in_the_received_asset_maker_on_its_own_book() -> None:
    config = msgspec.structs.replace(
        default_markets(), taker_commission=D("0.001"), maker_commission=D("0.002")
    )
    ex = SimExchange(clock=ManualClock(), config=config)
    ex.create_account("taker", BALANCES)
    ex.create_account("maker", BALANCES)
    ex.place_order("maker", limit("BTCUSDC", Side.SELL, "1", "28000"))
    answer = body(ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "0.5", "31000")))
    assert answer["fills"] == [
        {**fill("28000", "0.5", 0), "commission": "0.00050000", "commissionAsset": "BTC"}
    ]
    assert ex.balance("taker", "BTC")[0] == D("100.4995")
    assert ex.balance("maker", "USDC")[0] == D("1000000") + D("14000") - D("28")
    assert (ex.fees("BTC"), ex.fees("USDC")) == (D("0.0005"), D("28"))
    [allocation] = ex.my_allocations("taker", "BTCUSDT")
    assert (allocation.commission, allocation.commission_asset) == (D("0.0005"), "BTC")
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})


def test_market_sell_across_the_bids() -> None:
    ex = faq_exchange(FAQ_BIDS)
    answer = body(ex.place_sor_order("taker", market("BTCUSDT", Side.SELL, "12")))
    # 35,000 and 30,000 on BTCUSDC, then 29,500 on BTCUSDT.
    assert [(f["price"], f["qty"]) for f in answer["fills"]] == [  # type: ignore[union-attr]
        ("35000.00000000", "5.00000000"),
        ("30000.00000000", "5.00000000"),
        ("29500.00000000", "2.00000000"),
    ]
    assert answer["status"] == "FILLED"
    assert ex.balance("taker", "USDT")[0] == D("1000000") + D("175000") + D("150000") + D("59000")
    assets_conserved(ex, {a: 2 * v for a, v in BALANCES.items()})


def test_an_iceberg_remainder_rests_with_its_visible_part() -> None:
    ex = faq_exchange()
    order = msgspec.structs.replace(limit("BTCUSDT", Side.BUY, "5", "29000"), iceberg_qty=D("0.5"))
    answer = body(ex.place_sor_order("taker", order))
    assert (answer["executedQty"], answer["icebergQty"]) == ("2.00000000", "0.50000000")
    # 28,000 on BTCUSDC and 29,000 on BTCUSDP taken; 3 left, 0.5 of it shown.
    assert ex.book("BTCUSDT")[0] == [(D("29000"), D("0.5"))]
    assert answer["workingFloor"] == "EXCHANGE"
