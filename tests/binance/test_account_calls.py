"""BinanceClient's account calls (allOrders, commission, unfilled order count) against the
local server, and the cancel-all answer that mixes single orders and order lists."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec

from oms.wire.enums import OrderStatus, OrderType, Side
from tests.binance.test_local_server import ServerFactory, limit, serve
from transports.binance.client import split_cancel_all
from transports.sim.server.core import wall_clock_ms

# rest-api.md, Cancel All Open Orders on a Symbol: the documented answer, one single order
# and one OCO with its order reports.
CANCEL_ALL = [
    {
        "symbol": "BTCUSDT",
        "origClientOrderId": "E6APeyTJvkMvLMYMqu1KQ4",
        "orderId": 11,
        "orderListId": -1,
        "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx",
        "transactTime": 1684804350068,
        "price": "0.089853",
        "origQty": "0.178622",
        "executedQty": "0.000000",
        "origQuoteOrderQty": "0.000000",
        "cummulativeQuoteQty": "0.000000",
        "status": "CANCELED",
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "selfTradePreventionMode": "NONE",
    },
    {
        "orderListId": 1929,
        "contingencyType": "OCO",
        "listStatusType": "ALL_DONE",
        "listOrderStatus": "ALL_DONE",
        "listClientOrderId": "2inzWQdDvZLHbbAmAozX2N",
        "transactionTime": 1585230948299,
        "symbol": "BTCUSDT",
        "orders": [
            {"symbol": "BTCUSDT", "orderId": 20, "clientOrderId": "CwOOIPHSmYywx6jZX77TdL"},
            {"symbol": "BTCUSDT", "orderId": 21, "clientOrderId": "461cPg51vQjV3zIMOXNz39"},
        ],
        "orderReports": [
            {
                "symbol": "BTCUSDT",
                "origClientOrderId": "CwOOIPHSmYywx6jZX77TdL",
                "orderId": 20,
                "orderListId": 1929,
                "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx",
                "transactTime": 1688005070874,
                "price": "0.668611",
                "origQty": "0.690354",
                "executedQty": "0.000000",
                "origQuoteOrderQty": "0.000000",
                "cummulativeQuoteQty": "0.000000",
                "status": "CANCELED",
                "timeInForce": "GTC",
                "type": "STOP_LOSS_LIMIT",
                "side": "BUY",
                "stopPrice": "0.378131",
                "icebergQty": "0.017083",
                "selfTradePreventionMode": "NONE",
            },
            {
                "symbol": "BTCUSDT",
                "origClientOrderId": "461cPg51vQjV3zIMOXNz39",
                "orderId": 21,
                "orderListId": 1929,
                "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx",
                "transactTime": 1688005070874,
                "price": "0.008791",
                "origQty": "0.690354",
                "executedQty": "0.000000",
                "origQuoteOrderQty": "0.000000",
                "cummulativeQuoteQty": "0.000000",
                "status": "CANCELED",
                "timeInForce": "GTC",
                "type": "LIMIT_MAKER",
                "side": "BUY",
                "icebergQty": "0.639962",
                "selfTradePreventionMode": "NONE",
            },
        ],
    },
]


def test_cancel_all_answer_with_an_order_list_is_decoded() -> None:
    entries = msgspec.json.decode(json.dumps(CANCEL_ALL).encode(), type=list[msgspec.Raw])
    orders, lists = split_cancel_all(entries)
    assert [o.order_id for o in orders] == [11]
    [oco] = lists
    assert (oco.order_list_id, oco.contingency_type) == (1929, "OCO")
    assert [o.order_id for o in oco.orders] == [20, 21]
    assert [r.type for r in oco.order_reports] == [OrderType.STOP_LOSS_LIMIT, OrderType.LIMIT_MAKER]
    assert oco.order_reports[0].stop_price == Decimal("0.378131")


async def test_all_orders_commission_and_order_count(aiohttp_server: ServerFactory) -> None:
    local = await serve(aiohttp_server)
    async with local.client() as client:
        first_ms = wall_clock_ms()
        placed = await client.place_spot_order(limit(Side.BUY, "0.01", "59000"))
        await client.place_spot_order(limit(Side.BUY, "0.01", "59100"))
        cancelled = await client.cancel_open_orders("BTCUSDT")
        assert {c.status for c in cancelled} == {OrderStatus.CANCELED}
        history = await client.get_all_orders("BTCUSDT")
        assert [o.order_id for o in history][-2:] == [placed.order_id, placed.order_id + 1]
        since = await client.get_all_orders("BTCUSDT", order_id=placed.order_id + 1)
        assert [o.order_id for o in since] == [placed.order_id + 1]
        commission = await client.get_commission("BTCUSDT")
        assert commission.symbol == "BTCUSDT"
        counts = await client.get_order_rate_limits()
        # The 10 s count runs in fixed windows (rest-api.md, Query Unfilled Order Count):
        # both orders count in it unless a window boundary fell during the test.
        same_window = first_ms // 10_000 == wall_clock_ms() // 10_000
        assert [(c.interval, c.count) for c in counts] == [
            ("SECOND", 2 if same_window else counts[0].count),
            ("DAY", 2),
        ]
        assert counts[0].count <= 2
