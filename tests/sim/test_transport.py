"""SimTransport: the Transport interface over the simulated exchange, faults included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from oms.errors import (
    CancelRejected,
    ClockSkewError,
    FilterFailure,
    InsufficientBalance,
    NoSuchOrder,
    OutcomeUnknown,
    RateLimited,
)
from oms.runtime.ports import Transport
from oms.testing.sim import BTC, limit, make_exchange, market
from oms.wire.enums import OrderStatus, Side
from oms.wire.events import ExecutionReport, OutboundAccountPosition
from oms.wire.requests import CancelOrder, QueryOrder
from oms.wire.rest import NewOrderFull
from oms.wire.stream import StreamGap, StreamItem
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

from .support import D

BUY, SELL = Side.BUY, Side.SELL


async def _take(stream: AsyncIterator[StreamItem], n: int) -> list[StreamItem]:
    out: list[StreamItem] = []
    async with asyncio.timeout(2):
        while len(out) < n:
            out.append(await anext(stream))
    return out


async def test_is_a_transport_and_maps_errors() -> None:
    ex, _ = make_exchange("a")
    t = SimTransport(ex, "a")
    assert isinstance(t, Transport)
    r = await t.place_spot_order(limit(BUY, "0.1", "50000", cid="o1"))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.NEW
    q = await t.get_order(QueryOrder(symbol=BTC, orig_client_order_id="o1"))
    assert q.order_id == r.order_id
    assert [o.order_id for o in await t.get_open_orders(BTC)] == [r.order_id]
    with pytest.raises(FilterFailure) as ff:
        await t.place_spot_order(limit(BUY, "0.000015", "50000"))
    assert ff.value.filter_name == "LOT_SIZE"
    with pytest.raises(InsufficientBalance):
        await t.place_spot_order(limit(BUY, "100", "50000"))
    with pytest.raises(NoSuchOrder):
        await t.get_order(QueryOrder(symbol=BTC, order_id=99))
    await t.cancel_spot_order(CancelOrder(symbol=BTC, order_id=r.order_id))
    with pytest.raises(CancelRejected):
        await t.cancel_spot_order(CancelOrder(symbol=BTC, order_id=r.order_id))
    assert (await t.get_account()).balances[0].locked == 0
    assert await t.get_server_time() == ex.server_time()
    assert [s.symbol for s in (await t.get_exchange_info([BTC])).symbols] == [BTC]
    await t.close()


async def test_user_data_gap_then_events_in_binance_order() -> None:
    ex, _ = make_exchange("a", "m")
    t = SimTransport(ex, "a")
    stream = t.user_data()
    first = await _take(stream, 1)
    assert isinstance(first[0], StreamGap) and first[0].since_ms is None
    ex.place_order("m", limit(SELL, "0.1", "60000"))  # another account's action
    await t.place_spot_order(market(BUY, "0.1"))
    items = await _take(stream, 3)
    assert [type(i).__name__ for i in items] == [
        "ExecutionReport",
        "ExecutionReport",
        "OutboundAccountPosition",
    ]
    assert isinstance(items[1], ExecutionReport) and items[1].status is OrderStatus.FILLED
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    ex.place_order("a", limit(BUY, "0.1", "60000"))  # not through the transport: still seen
    items = await _take(stream, 3)
    assert isinstance(items[-1], OutboundAccountPosition)
    assert t.stats().connected
    await t.close()
    with pytest.raises(StopAsyncIteration):
        async with asyncio.timeout(1):
            await anext(stream)


async def test_outcome_unknown_after_execution() -> None:
    for config, code in (
        (FaultConfig(seed=1, error_after_execution=1.0), None),
        (FaultConfig(seed=2, timeout_after_execution=1.0), None),
    ):
        ex, _ = make_exchange("a")
        t = SimTransport(ex, "a", faults=config, request_timeout_s=0.001)
        with pytest.raises(OutcomeUnknown) as err:
            await t.place_spot_order(limit(BUY, "0.1", "50000", cid="u1"))
        assert code is None or err.value.code == code
        # The order executed although the answer was lost: only a query resolves it.
        q = await t.get_order(QueryOrder(symbol=BTC, orig_client_order_id="u1"))
        assert q.status is OrderStatus.NEW
        assert t.faults is not None and sum(t.faults.counts.values()) == 1


async def test_1007_and_5xx_both_occur_with_fixed_seed() -> None:
    async def kinds(seed: int) -> list[int | None]:
        ex, _ = make_exchange("a")
        t = SimTransport(ex, "a", faults=FaultConfig(seed=seed, error_after_execution=1.0))
        out = []
        for i in range(12):
            with pytest.raises(OutcomeUnknown) as err:
                await t.place_spot_order(limit(BUY, "0.001", str(50000 + i)))
            out.append(err.value.code)
        return out

    first = await kinds(4)
    assert set(first) == {None, -1007}
    assert await kinds(4) == first


async def test_rate_limited_orders_do_not_execute() -> None:
    ex, clock = make_exchange("a")
    t = SimTransport(ex, "a", faults=FaultConfig(orders_per_10s=2))
    clock.now_ms = 1_700_000_004_000
    for i in range(2):
        await t.place_spot_order(limit(BUY, "0.001", str(50000 + i)))
    with pytest.raises(RateLimited) as err:
        await t.place_spot_order(limit(BUY, "0.001", "50100"))
    assert (err.value.code, err.value.retry_after) == (-1015, 6.0)
    assert len(ex.open_orders("a")) == 2 and t.stats().order_count_10s == 2
    clock.advance(6000)
    await t.place_spot_order(limit(BUY, "0.001", "50100"))


async def test_clock_skew_until_time_sync() -> None:
    ex, _ = make_exchange("a")
    t = SimTransport(ex, "a", faults=FaultConfig(clock_skew_ms=8000))
    with pytest.raises(ClockSkewError):
        await t.place_spot_order(limit(BUY, "0.001", "50000"))
    assert ex.open_orders("a") == []
    await t.get_server_time()
    assert t.stats().clock_offset_ms == 8000
    await t.place_spot_order(limit(BUY, "0.001", "50000"))


async def test_disconnect_replays_nothing_and_yields_a_gap() -> None:
    ex, _ = make_exchange("a")
    t = SimTransport(ex, "a", faults=FaultConfig(disconnect_every=2))
    stream = t.user_data()
    await _take(stream, 1)
    await t.place_spot_order(limit(BUY, "0.001", "50000"))  # NEW + position: 2 events
    got = await _take(stream, 2)
    # The stream is down now; this action's events are lost for good.
    await t.place_spot_order(limit(BUY, "0.001", "50001"))
    gap = await _take(stream, 1)
    assert isinstance(gap[0], StreamGap) and gap[0].since_ms is not None
    assert t.stats().reconnects == 1
    await t.place_spot_order(limit(BUY, "0.001", "50002"))
    after = await _take(stream, 1)
    assert isinstance(after[0], ExecutionReport) and after[0].price == D("50002")
    assert isinstance(got[0], ExecutionReport) and got[0].price == D("50000")
    await t.close()


async def test_event_faults_pass_through_the_stream() -> None:
    ex, _ = make_exchange("a")
    t = SimTransport(ex, "a", faults=FaultConfig(seed=9, duplicate_event=1.0))
    stream = t.user_data()
    await _take(stream, 1)
    await t.place_spot_order(limit(BUY, "0.001", "50000"))
    a, b, c, d = await _take(stream, 4)
    assert a == b and c == d and isinstance(c, OutboundAccountPosition)
    await t.close()


async def test_lost_request_never_executes_and_its_outcome_is_unknown() -> None:
    ex, _ = make_exchange("a")
    t = SimTransport(ex, "a", faults=FaultConfig(seed=4, lose_request=1.0), request_timeout_s=0.001)
    with pytest.raises(OutcomeUnknown) as err:
        await t.place_spot_order(limit(BUY, "0.1", "50000", cid="lost1"))
    assert err.value.request_time_ms is not None and err.value.recv_window_ms == 5000
    # The request never reached the engine: the exchange has no such order.
    with pytest.raises(NoSuchOrder):
        await t.get_order(QueryOrder(symbol=BTC, orig_client_order_id="lost1"))
    assert t.faults is not None and t.faults.counts == {"lost": 1}
