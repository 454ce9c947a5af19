"""Liquidity provider, trade replay, and determinism of whole event logs."""

from __future__ import annotations

import pytest

from oms.testing.sim import BTC, START, limit, market
from oms.wire.enums import OrderStatus, Side, TimeInForce
from oms.wire.events import ExecutionReport
from oms.wire.requests import QueryOrder
from oms.wire.rest import NewOrderFull
from transports.sim.config import SimConfig
from transports.sim.errors import SimError
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.liquidity import LiquidityProvider, PricePath
from transports.sim.trade_replay import TradeReplay, parse_trades, read_trades, sample_trades_path
from transports.wire import encode_json

from .support import D, assets_conserved, book_not_crossed

BUY, SELL = Side.BUY, Side.SELL


def test_price_path_is_seeded_and_on_the_tick() -> None:
    p = PricePath(D("60000"), tick=D("0.01"), seed=4)
    q = PricePath(D("60000"), tick=D("0.01"), seed=4)
    path = [p.next() for _ in range(50)]
    assert path == [q.next() for _ in range(50)]
    assert path != [PricePath(D("60000"), tick=D("0.01"), seed=5).next() for _ in range(50)]
    assert all(x % D("0.01") == 0 for x in path) and len(set(path)) > 10


def test_liquidity_provider_quotes_and_fills_what_it_crosses() -> None:
    clock = ManualClock()
    ex = SimExchange(clock=clock)
    ex.create_account("me", START)
    lp = LiquidityProvider(ex, BTC, seed=1, levels=3, spacing_ticks=100)
    assert lp.quote(D("60000")) == 6
    bids, asks = ex.book(BTC)
    assert [p for p, _ in bids] == [D("59999"), D("59998"), D("59997")]
    assert [p for p, _ in asks] == [D("60001"), D("60002"), D("60003")]
    r = ex.place_order("me", market(BUY, "0.001"))
    assert isinstance(r, NewOrderFull) and r.fills[0].price == D("60001")
    rest = ex.place_order("me", limit(BUY, "0.001", "59990"))
    assert isinstance(rest, NewOrderFull)
    lp.quote(D("59900"))  # the market falls through my bid: the new ask takes it at 59990
    q = ex.query_order("me", QueryOrder(symbol=BTC, order_id=rest.order_id))
    assert q.status is OrderStatus.FILLED and q.cummulative_quote_qty == D("59.99")
    book_not_crossed(ex)


def test_replay_parses_the_sample_and_fills_resting_orders_at_their_price() -> None:
    trades = read_trades(sample_trades_path())
    assert len(trades) == 300 and trades[0].id == 4_000_000
    assert all(t.price * t.qty - t.quote_qty == 0 for t in trades[:20])
    clock = ManualClock(trades[0].time - 1000)
    ex = SimExchange(clock=clock)
    ex.create_account("me", START)
    low = min(t.price for t in trades)
    bid = ex.place_order("me", limit(BUY, "0.01", str(low + D("5"))))
    ask = ex.place_order("me", limit(SELL, "0.01", "99999"))  # never reached
    assert isinstance(bid, NewOrderFull) and isinstance(ask, NewOrderFull)
    replay = TradeReplay(ex, BTC, trades, clock=clock)
    assert replay.run() == 300
    assert clock.now_ms == trades[-1].time
    filled = ex.query_order("me", QueryOrder(symbol=BTC, order_id=bid.order_id))
    assert filled.status is OrderStatus.FILLED
    # At the order's own limit price, not the replayed trade's.
    assert filled.cummulative_quote_qty == (low + D("5")) * D("0.01")
    assert ex.query_order("me", QueryOrder(symbol=BTC, order_id=ask.order_id)).status == "NEW"
    assert ex.reference_price(BTC) == trades[-1].price
    reports = [e for e in ex.drain_events("me") if isinstance(e, ExecutionReport)]
    assert [r.execution_type for r in reports][-1] == "TRADE"


def test_parse_trades_accepts_header_and_microseconds_and_refuses_junk() -> None:
    rows = [
        "id,price,qty,quoteQty,time,isBuyerMaker,isBestMatch",
        "1,60000.01000000,0.00100000,60.00001000,1735689600000123,true,true",
    ]
    (trade,) = parse_trades(rows)
    assert trade.time == 1735689600000 and trade.is_buyer_maker and trade.price == D("60000.01")
    with pytest.raises(ValueError, match="line 2"):
        list(parse_trades(["1,2,3,4,5,true,true", "x,2,3,4,5,true,true"]))
    with pytest.raises(ValueError, match="7 fields"):
        list(parse_trades(["1,2,3"]))


def _session(seed: int) -> list[bytes]:
    """A busy run: liquidity, replay, several accounts, every order type; the event log."""
    clock = ManualClock()
    ex = SimExchange(
        clock=clock,
        seed=seed,
        config=SimConfig(maker_commission=D("0.001"), taker_commission=D("0.001")),
    )
    log: list[bytes] = []
    ex.set_listener(lambda account, event: log.append(account.encode() + b" " + encode_json(event)))
    for name in ("a", "b"):
        ex.create_account(name, START)
    lp = LiquidityProvider(ex, BTC, seed=seed, levels=4)
    replay = TradeReplay(ex, BTC, read_trades(sample_trades_path())[:60], clock=clock)
    initial = {a: ex.total(a) for a in ("BTC", "USDT")}
    for i in range(60):
        lp.step()
        replay.step()
        clock.advance(10)
        who = "a" if i % 2 else "b"
        orders = [
            market(BUY if i % 3 else SELL, "0.002"),
            limit(SELL if i % 4 else BUY, "0.003", str(lp.path.price + (i % 7 - 3) * 2)),
            limit(BUY, "0.002", str(lp.path.price), tif=TimeInForce.IOC),
            market(SELL, quote="150"),
        ]
        for order in orders:
            try:
                ex.place_order(who, order)
            except SimError as err:
                log.append(f"{who} refused {err.code}".encode())
    assets_conserved(ex, initial)
    assert ex.fees("BTC") > 0 and ex.fees("USDT") > 0
    return log


def test_same_seed_same_bytes() -> None:
    first = _session(11)
    assert len(first) > 500
    assert _session(11) == first
    assert _session(12) != first
