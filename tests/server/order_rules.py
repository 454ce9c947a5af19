"""Shared harness of the order-acceptance audits (``test_order_rules_*.py``): a served exchange
with one extra symbol whose filters make every boundary reachable, and a probe that sends one
request over REST and over the WebSocket API and checks that both answer alike and that a
refusal leaves no trace.

Rules:
- A refusal answers the same HTTP status, ``code`` and ``msg`` over REST and the WebSocket
  API (web-socket-api.md, General information: "the same ... as the REST API"; errors.md).
- A refused request changes nothing: no order (open or in allOrders), no open list, no
  balance (free or locked), no user-data event on alice's subscribed connection (a ``ping``
  round trip on it is the barrier) and no unfilled order count ("Every successful request
  to place an order adds to the unfilled order count", faqs/order_count_decrement.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, START_MS, Harness, ServeFactory
from transports.sim.config import make_symbol
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import default_markets
from transports.sim.server.rest import STATE_KEY

# LOTUSDT: tick 0.01, step 0.01, minQty 0.10, maxQty 1000, MARKET_LOT_SIZE maxQty 500, NOTIONAL
# minNotional 0.5 (applyMinToMarket), reference price 10 (PERCENT_PRICE_BY_SIDE 2 .. 50); its
# STP modes are those of faqs/stp_faq.md's example: NONE, EXPIRE_TAKER, EXPIRE_BOTH.
LOT = "LOTUSDT"
LOT_INFO = msgspec.structs.replace(
    make_symbol(
        LOT,
        "LOT",
        "USDT",
        tick="0.01",
        step="0.01",
        min_qty="0.10",
        max_qty="1000",
        market_max_qty="500",
        min_notional="0.5",
        max_num_orders=4,
        default_stp="EXPIRE_TAKER",
    ),
    allowed_self_trade_prevention_modes=("NONE", "EXPIRE_TAKER", "EXPIRE_BOTH"),
)
# POSUSDT lists the two filters no default symbol has (filters.md): PERCENT_PRICE (0.7 .. 1.3
# around the reference price 10) and MAX_POSITION (10 POS), as a [[markets]] entry's raw
# ``filters`` may; tick 0.01, step 0.01.
POS = "POSUSDT"
POS_INFO = msgspec.structs.replace(
    make_symbol(POS, "POS", "USDT", tick="0.01", step="0.01", min_notional="1"),
    filters=(
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.01", "maxQty": "1000", "stepSize": "0.01"},
        {"filterType": "PERCENT_PRICE", "multiplierUp": "1.3", "multiplierDown": "0.7",
         "avgPriceMins": 5},
        {"filterType": "MAX_POSITION", "maxPosition": "10.00000000"},
    ),
)  # fmt: skip
FUNDS = {
    "USDT": Decimal("1000000"),
    "BTC": Decimal("100"),
    "ETH": Decimal("1000"),
    "BNB": Decimal("1000"),
    "LOT": Decimal("100000"),
    "POS": Decimal("4"),
}
ASSETS = tuple(FUNDS)
SYMBOLS = ("BTCUSDT", "BNBUSDT", LOT, POS)

WS_METHODS = {
    ("POST", "/v3/order"): "order.place",
    ("POST", "/v3/order/test"): "order.test",
    ("POST", "/v3/orderList/oco"): "orderList.place.oco",
    ("POST", "/v3/orderList/oto"): "orderList.place.oto",
    ("POST", "/v3/orderList/otoco"): "orderList.place.otoco",
    ("POST", "/v3/order/oco"): "orderList.place",
    ("POST", "/v3/order/cancelReplace"): "order.cancelReplace",
    ("PUT", "/v3/order/amend/keepPriority"): "order.amend.keepPriority",
    ("POST", "/v3/sor/order"): "sor.order.place",
}


async def serve_rules(serve: ServeFactory) -> Harness:
    """The default markets plus LOTUSDT and POSUSDT; alice, bob and carol funded."""
    clock = ManualClock(START_MS)
    base = default_markets()
    config = msgspec.structs.replace(
        base,
        symbols=(*base.symbols, LOT_INFO, POS_INFO),
        reference_prices={**base.reference_prices, LOT: Decimal("10"), POS: Decimal("10")},
    )
    exchange = SimExchange(clock=clock, config=config)
    for name in ("alice", "bob", "carol"):
        exchange.create_account(name, FUNDS)
    return await serve(exchange=exchange, clock=clock)


class Probe:
    """Alice's requests over both transports, on a connection subscribed to her user data."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.rest = h.rest()

    async def start(self) -> Probe:
        self.ws = await self.h.ws()
        subscribed = await self.ws.call(
            "userDataStream.subscribe.signature", self.ws.signed_params(ALICE_KEY, ALICE_SECRET)
        )
        assert subscribed["status"] == 200, subscribed
        return self

    def snapshot(self) -> tuple[object, ...]:
        """Everything a refusal must leave as it was."""
        ex = self.h.exchange
        orders = tuple(
            (o.symbol, o.order_id, o.client_order_id, o.status, o.orig_qty, o.executed_qty)
            for o in ex.open_orders("alice")
        )
        every = tuple(len(ex.all_orders("alice", s, limit=1000)) for s in SYMBOLS)
        lists = tuple(x.order_list_id for x in ex.open_order_lists("alice"))
        balances = tuple(ex.balance("alice", a) for a in ASSETS)
        counts = self.h.server.app[STATE_KEY].limiter.order_counts("alice")
        return orders, every, lists, balances, counts

    async def quiet(self) -> list[dict[str, Any]]:
        """The user-data events heard since the last call (the ping is the barrier)."""
        assert (await self.ws.call("ping"))["status"] == 200
        events, self.ws.events = self.ws.events, []
        return events

    async def both(
        self, path: str, params: dict[str, Any], *, method: str = "POST"
    ) -> tuple[tuple[int, Any], tuple[int, Any]]:
        """(status, body) over REST, then (status, result or error) over the WebSocket API."""
        reply = await self.rest.signed(method, path, params)
        signed = self.ws.signed_params(ALICE_KEY, ALICE_SECRET, **params)
        answer = await self.ws.call(WS_METHODS[(method, path)], signed)
        ws_body = answer.get("error", answer.get("result"))
        return (reply.status, reply.json()), (answer["status"], ws_body)

    async def refused(
        self,
        path: str,
        params: dict[str, Any],
        code: int,
        msg: str,
        *,
        method: str = "POST",
        status: int = 400,
    ) -> None:
        """Both transports refuse with exactly ``status``, ``code`` and ``msg``; no trace."""
        await self.quiet()
        before = self.snapshot()
        rest, ws = await self.both(path, params, method=method)
        expected = (status, {"code": code, "msg": msg})
        assert rest == expected, (params, rest)
        assert ws == expected, (params, ws)
        assert await self.quiet() == [], params
        assert self.snapshot() == before, params

    async def tested(self, params: dict[str, Any]) -> None:
        """``order/test`` accepts ``params`` over both transports (and changes nothing)."""
        before = self.snapshot()
        rest, ws = await self.both("/v3/order/test", params)
        assert rest == (200, {}), (params, rest)
        assert ws == (200, {}), (params, ws)
        assert self.snapshot() == before

    async def place(self, path: str, params: dict[str, Any], *, method: str = "POST") -> Any:
        """One accepted request over REST only; its answer."""
        reply = await self.rest.signed(method, path, params)
        assert reply.status == 200, (params, reply.json())
        return reply.json()
