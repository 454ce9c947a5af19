"""BinanceClient against the local Binance server (``transports.sim.server.app``) over 127.0.0.1.

Every client call, the stream carrying the events of orders placed through the client, and
each server fault mode giving its typed outcome. The exchange behind the server is a real
``SimExchange`` on the wall clock; the assertions look at both the client's answers and the
exchange's own state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from oms.errors import (
    CancelRejected,
    FilterFailure,
    InsufficientBalance,
    NewOrderRejected,
    NoSuchOrder,
    OutcomeUnknown,
    RateLimited,
)
from oms.runtime.ports import Transport
from oms.wire.enums import OrderResponseType, OrderStatus, OrderType, Side, TimeInForce
from oms.wire.events import BalanceUpdate, ExecutionReport, OutboundAccountPosition
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import NewOrderAck, NewOrderFull, NewOrderResult
from oms.wire.stream import StreamGap, StreamItem
from transports.binance.client import BinanceClient
from transports.binance.clock import ServerClock, TimeSample
from transports.binance.config import BinanceConfig, Environment, StreamAuth
from transports.binance.signing import Ed25519Signer, HmacSigner, Secret
from transports.sim.exchange import SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.markets import default_markets
from transports.sim.server.app import ApiAccount, ServerOptions, make_app

pytestmark = pytest.mark.timeout(30)
ServerFactory = Callable[..., Any]
D = Decimal

KEY = "omsLocalKey0000000000000000000000000000000000000000000000000000001"
SECRET = "omsLocalSecret00000000000000000000000000000000000000000000000001"
ED_KEY = "omsLocalEd25519Key000000000000000000000000000000000000000000001"
ED_PRIVATE = Ed25519PrivateKey.generate()
SERVER_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "transports.sim")


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def exchange() -> SimExchange:
    sim = SimExchange(clock=wall_ms)
    sim.create_account("maker", {"BTC": D("10"), "USDT": D("1000000")})
    sim.create_account("alice", {"USDT": D("100000"), "BTC": D("1")})
    sim.create_account("carol", {"USDT": D("1000")})
    # Liquidity for the client's market orders: asks at 60000 and 60010.
    for price in ("60000", "60010"):
        sim.place_order(
            "maker",
            NewOrder(
                symbol="BTCUSDT",
                side=Side.SELL,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=D("1"),
                price=D(price),
            ),
        )
    return sim


def accounts() -> list[ApiAccount]:
    public = ED_PRIVATE.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return [
        ApiAccount(account="alice", api_key=KEY, secret=SECRET),
        ApiAccount(account="carol", api_key=ED_KEY, ed25519_public_key=public.decode()),
    ]


class Local:
    def __init__(self, sim: SimExchange, server: TestServer) -> None:
        self.sim = sim
        self.server = server

    def config(self, **overrides: Any) -> BinanceConfig:
        base: dict[str, Any] = {
            "environment": Environment.LOCAL,
            "rest_url": str(self.server.make_url("/api")),
            "ws_api_url": str(self.server.make_url("/ws-api/v3")).replace("http", "ws", 1),
            "api_key": Secret(KEY),
            "signer": HmacSigner(Secret(SECRET)),
            "time_samples": 3,
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.05,
            "stream_status_timeout_s": 2.0,
        }
        base.update(overrides)
        return BinanceConfig(**base)

    def client(self, **overrides: Any) -> BinanceClient:
        return BinanceClient(self.config(**overrides), rng=lambda: 0.5)


async def serve(aiohttp_server: ServerFactory, options: ServerOptions | None = None) -> Local:
    sim = exchange()
    server = await aiohttp_server(make_app(sim, accounts(), options))
    return Local(sim, server)


@pytest.fixture
async def local(aiohttp_server: ServerFactory) -> Local:
    return await serve(aiohttp_server)


def order(**fields: Any) -> NewOrder:
    base: dict[str, Any] = {"symbol": "BTCUSDT", "side": Side.BUY, "order_type": OrderType.MARKET}
    base.update(fields)
    return NewOrder(**base)


def limit(side: Side, qty: str, price: str, **fields: Any) -> NewOrder:
    return order(
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=fields.pop("time_in_force", TimeInForce.GTC),
        quantity=D(qty),
        price=D(price),
        **fields,
    )


class Collector:
    """Runs ``user_data()`` in a task and keeps what it yields."""

    def __init__(self, client: BinanceClient) -> None:
        self.items: list[StreamItem] = []
        self._client = client
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for item in self._client.user_data():
            self.items.append(item)

    async def wait_for(self, check: Callable[[list[StreamItem]], bool], timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while not check(self.items):
            assert time.monotonic() < deadline, f"stream never got there: {self.items}"
            await asyncio.sleep(0.01)

    def gaps(self) -> list[StreamGap]:
        return [i for i in self.items if isinstance(i, StreamGap)]

    def reports(self, client_order_id: str) -> list[ExecutionReport]:
        return [
            i
            for i in self.items
            if isinstance(i, ExecutionReport)
            and client_order_id in (i.client_order_id, i.orig_client_order_id)
        ]

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_every_client_call(local: Local) -> None:
    async with local.client() as client:
        assert isinstance(client, Transport)
        assert abs(await client.get_server_time() - wall_ms()) < 5_000
        info = await client.get_exchange_info()
        assert {"BTCUSDT", "ETHUSDT"} <= {s.symbol for s in info.symbols}
        two = await client.get_exchange_info(["BTCUSDT", "ETHUSDT"])
        assert [s.symbol for s in two.symbols] == ["BTCUSDT", "ETHUSDT"]
        one = await client.get_exchange_info(["BNBUSDT"])
        assert [s.symbol for s in one.symbols] == ["BNBUSDT"]

        await client.test_order(order(quantity=D("0.01")))
        with pytest.raises(FilterFailure):
            await client.test_order(order(quantity=D("0.000001")))

        # MARKET by quantity: FULL by default, fills from the maker's ask.
        bought = await client.place_spot_order(order(quantity=D("0.01"), client_order_id="mkt-qty"))
        assert isinstance(bought, NewOrderFull) and bought.status is OrderStatus.FILLED
        assert bought.executed_qty == D("0.01") and bought.fills[0].price == D("60000")
        # MARKET by quote quantity.
        spent = await client.place_spot_order(
            order(quote_order_qty=D("600"), client_order_id="mkt-quote")
        )
        assert isinstance(spent, NewOrderFull) and spent.cummulative_quote_qty <= D("600")
        assert spent.executed_qty > 0

        # LIMIT GTC resting, RESULT response; LIMIT_MAKER with ACK.
        rest = await client.place_spot_order(
            limit(
                Side.BUY,
                "0.01",
                "50000",
                client_order_id="gtc-1",
                response_type=OrderResponseType.RESULT,
            )
        )
        assert isinstance(rest, NewOrderResult) and rest.status is OrderStatus.NEW
        maker = await client.place_spot_order(
            order(
                order_type=OrderType.LIMIT_MAKER,
                quantity=D("0.01"),
                price=D("50001"),
                client_order_id="mk-1",
            )
        )
        assert type(maker) is NewOrderAck
        with pytest.raises(NewOrderRejected, match="immediately match"):
            await client.place_spot_order(
                order(order_type=OrderType.LIMIT_MAKER, quantity=D("0.01"), price=D("60000"))
            )
        # IOC and FOK against the ask at 60000.
        ioc = await client.place_spot_order(
            limit(Side.BUY, "0.02", "60000", time_in_force=TimeInForce.IOC)
        )
        assert ioc.status is OrderStatus.FILLED  # type: ignore[union-attr]
        fok = await client.place_spot_order(
            limit(Side.BUY, "1.5", "60000", time_in_force=TimeInForce.FOK)
        )
        assert fok.status is OrderStatus.EXPIRED  # type: ignore[union-attr]

        by_id = await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=rest.order_id))
        by_client = await client.get_order(
            QueryOrder(symbol="BTCUSDT", orig_client_order_id="gtc-1")
        )
        assert by_id == by_client and by_id.price == D("50000")
        with pytest.raises(NoSuchOrder):
            await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="never"))
        opened = await client.get_open_orders("BTCUSDT")
        assert {o.client_order_id for o in opened} == {"gtc-1", "mk-1"}
        assert len(await client.get_open_orders()) == 2

        canceled = await client.cancel_spot_order(
            CancelOrder(symbol="BTCUSDT", orig_client_order_id="gtc-1")
        )
        assert canceled.status is OrderStatus.CANCELED and canceled.orig_client_order_id == "gtc-1"
        with pytest.raises(CancelRejected):
            await client.cancel_spot_order(CancelOrder(symbol="BTCUSDT", order_id=rest.order_id))
        again = await client.place_spot_order(
            limit(Side.BUY, "0.01", "49000", client_order_id="gtc-2")
        )
        by_order_id = await client.cancel_spot_order(
            CancelOrder(symbol="BTCUSDT", order_id=again.order_id)
        )
        assert by_order_id.order_id == again.order_id
        swept = await client.cancel_open_orders("BTCUSDT")
        assert [c.orig_client_order_id for c in swept] == ["mk-1"]
        assert await client.get_open_orders("BTCUSDT") == []

        account = await client.get_account()
        balances = {b.asset: b for b in account.balances}
        assert balances["BTC"].free == local.sim.balance("alice", "BTC")[0]
        nonzero = await client.get_account(omit_zero_balances=True)
        assert all(b.free or b.locked for b in nonzero.balances)
        trades = await client.get_my_trades("BTCUSDT", order_id=bought.order_id)
        assert [t.qty for t in trades] == [D("0.01")] and trades[0].is_buyer
        assert len(await client.get_my_trades("BTCUSDT", limit=2)) == 2

        with pytest.raises(InsufficientBalance):
            await client.place_spot_order(limit(Side.BUY, "100", "50000"))
        stats = client.stats()
        assert stats.used_weight_1m > 0 and abs(stats.clock_offset_ms) < 5_000


async def test_stream_delivers_the_events_of_client_orders(local: Local) -> None:
    async with local.client() as client:
        stream = Collector(client)
        await stream.wait_for(lambda items: len(items) >= 1)
        assert isinstance(stream.items[0], StreamGap) and stream.items[0].since_ms is None
        await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="s-lim"))
        await client.place_spot_order(order(quantity=D("0.01"), client_order_id="s-mkt"))
        await client.cancel_spot_order(CancelOrder(symbol="BTCUSDT", orig_client_order_id="s-lim"))
        await stream.wait_for(
            lambda _: len(stream.reports("s-lim")) == 2 and len(stream.reports("s-mkt")) == 2
        )
        await stream.stop()
    lim, mkt = stream.reports("s-lim"), stream.reports("s-mkt")
    assert [r.status for r in lim] == [OrderStatus.NEW, OrderStatus.CANCELED]
    assert [r.status for r in mkt] == [OrderStatus.NEW, OrderStatus.FILLED]
    assert mkt[1].last_quantity == D("0.01") and mkt[1].last_price == D("60000")
    assert any(isinstance(i, OutboundAccountPosition) for i in stream.items)
    assert len(stream.gaps()) == 1


async def test_ed25519_logon_stream(local: Local) -> None:
    config = local.config(
        api_key=Secret(ED_KEY), signer=Ed25519Signer(ED_PRIVATE), stream_auth=StreamAuth.LOGON
    )
    async with BinanceClient(config) as client:
        stream = Collector(client)
        await stream.wait_for(lambda items: len(items) >= 1)
        placed = await client.place_spot_order(
            limit(Side.BUY, "0.001", "50000", client_order_id="ed-1")
        )
        assert placed.client_order_id == "ed-1"
        await stream.wait_for(lambda _: len(stream.reports("ed-1")) == 1)
        await stream.stop()


async def test_5xx_after_execution_is_outcome_unknown_and_the_order_exists(
    aiohttp_server: ServerFactory,
) -> None:
    local = await serve(
        aiohttp_server, ServerOptions(faults=FaultConfig(error_after_execution=1.0))
    )
    async with local.client() as client:
        for n in range(4):  # the fault answers 503 or -1007, both UNKNOWN
            with pytest.raises(OutcomeUnknown) as info:
                await client.place_spot_order(
                    limit(Side.BUY, "0.01", "50000", client_order_id=f"u-{n}")
                )
            assert info.value.request_time_ms is not None and info.value.recv_window_ms == 5000
            found = await client.get_order(
                QueryOrder(symbol="BTCUSDT", orig_client_order_id=f"u-{n}")
            )
            assert found.status is OrderStatus.NEW


async def test_no_answer_after_execution_times_out_as_outcome_unknown(
    aiohttp_server: ServerFactory,
) -> None:
    options = ServerOptions(faults=FaultConfig(timeout_after_execution=1.0), request_timeout=5.0)
    local = await serve(aiohttp_server, options)
    async with local.client(request_timeout_s=0.4) as client:
        await client.sync_clock()
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown, match="no answer"):
            await client.place_spot_order(order(quantity=D("0.01"), client_order_id="t-1"))
        assert time.monotonic() - started < 2
        found = await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="t-1"))
        assert found.status is OrderStatus.FILLED


async def test_dropped_stream_reconnects_and_signals_the_gap(aiohttp_server: ServerFactory) -> None:
    local = await serve(aiohttp_server, ServerOptions(faults=FaultConfig(disconnect_every=3)))
    async with local.client() as client:
        stream = Collector(client)
        await stream.wait_for(lambda items: len(items) >= 1)
        # A market order makes 3 events (NEW, TRADE, account position): the server drops.
        await client.place_spot_order(order(quantity=D("0.01"), client_order_id="d-1"))
        await stream.wait_for(lambda _: len(stream.gaps()) >= 2)
        # Reconnected and subscribed again: a deposit's two events get through.
        local.sim.deposit("alice", "BTC", D("0.5"))
        await stream.wait_for(lambda items: any(isinstance(i, BalanceUpdate) for i in items))
        assert len(stream.gaps()) == 2
        await stream.stop()
        assert client.stats().reconnects >= 1
    second = stream.gaps()[1]
    assert second.since_ms is not None and second.at_ms >= second.since_ms
    assert "connection closed" in second.reason


async def test_429_stops_traffic_for_retry_after(aiohttp_server: ServerFactory) -> None:
    local = await serve(aiohttp_server, ServerOptions(faults=FaultConfig(orders_per_10s=1)))
    async with local.client(max_rate_wait_s=0.1) as client:
        await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="r-1"))
        with pytest.raises(RateLimited) as info:
            await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="r-2"))
        assert info.value.retry_after >= 1 and info.value.code == -1015
        assert client.governor.blocked_for_s() == pytest.approx(info.value.retry_after, abs=0.5)
        opened_before = local.sim.open_orders("alice")
        # Every request is held now, not just orders; nothing reaches the server.
        with pytest.raises(RateLimited, match="held by the rate governor"):
            await client.get_account()
        with pytest.raises(RateLimited, match="held by the rate governor"):
            await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="r-3"))
        assert local.sim.open_orders("alice") == opened_before
        assert [o.client_order_id for o in opened_before] == ["r-1"]


async def test_a_wrong_clock_gets_minus_1021_once_then_remeasures(local: Local) -> None:
    # A clock that believes it is synced but is 90 s behind: the first signed request is
    # refused with -1021 (it did not execute), the client re-measures and retries once.
    clock = ServerClock(samples=3, refresh_s=3600)
    now = time.time() * 1000
    clock.apply([TimeSample(now, int(now) - 90_000, now)])
    async with BinanceClient(local.config(), clock=clock) as client:
        placed = await client.place_spot_order(
            limit(Side.BUY, "0.01", "50000", client_order_id="k-1")
        )
        assert placed.client_order_id == "k-1"
        assert abs(client.stats().clock_offset_ms) < 5_000
    assert [o.client_order_id for o in local.sim.open_orders("alice")] == ["k-1"]


async def test_exchange_clock_skew_is_measured_away(aiohttp_server: ServerFactory) -> None:
    local = await serve(aiohttp_server, ServerOptions(faults=FaultConfig(clock_skew_ms=30_000)))
    async with local.client() as client:
        await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="sk-1"))
        assert client.stats().clock_offset_ms == pytest.approx(30_000, abs=2_000)


async def test_no_secret_in_any_log_line_of_a_full_run(
    local: Local, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with local.client() as client:
        stream = Collector(client)
        await stream.wait_for(lambda items: len(items) >= 1)
        await client.place_spot_order(order(quantity=D("0.01"), client_order_id="log-1"))
        await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="log-2"))
        await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="log-2"))
        await client.cancel_open_orders("BTCUSDT")
        with pytest.raises(CancelRejected):
            await client.cancel_spot_order(
                CancelOrder(symbol="BTCUSDT", orig_client_order_id="log-2")
            )
        await client.get_account()
        await stream.wait_for(lambda _: len(stream.reports("log-2")) == 2)
        await stream.stop()
        # Everything the client side logged; the local server's own access log (aiohttp's
        # default, which prints request lines) is the exchange's business, not ours.
        ours = [r for r in caplog.records if not r.name.startswith(SERVER_LOGGERS)]
        text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
        text += repr(client) + repr(client.stats())
    assert any(r.name.startswith("transports.binance") for r in ours), "the client logged nothing"
    assert KEY not in text and SECRET not in text
    assert "signature=" not in text
    assert not re.search(r"\b[0-9a-f]{64}\b", text), "an HMAC signature leaked"
    assert msgspec.json.encode(text)  # the captured text is plain data


async def test_allocations_of_an_sor_order(aiohttp_server: ServerFactory) -> None:
    # rest-api.md, Query Allocations: an order placed with SOR (here directly on the simulated
    # exchange, as another client of the account would) is filled by allocations, listed by
    # myAllocations and not by myTrades.
    sim = SimExchange(clock=wall_ms, config=default_markets())
    sim.create_account("maker", {"BTC": D("10")})
    sim.create_account("alice", {"USDT": D("100000")})
    for symbol, price in (("BTCUSDC", "28000"), ("BTCUSDT", "30500")):
        sim.place_order("maker", limit(Side.SELL, "1", price, symbol=symbol))
    server = await aiohttp_server(make_app(sim, accounts()))
    placed = sim.place_sor_order("alice", limit(Side.BUY, "2", "31000"))
    async with Local(sim, server).client() as client:
        rows = await client.get_my_allocations("BTCUSDT", order_id=placed.order_id)
        assert [(r.allocation_id, r.price, r.qty, r.allocation_type) for r in rows] == [
            (0, D("28000"), D("1"), "SOR"),
            (1, D("30500"), D("1"), "SOR"),
        ]
        assert all(r.is_buyer and not r.is_maker for r in rows)
        paged = await client.get_my_allocations("BTCUSDT", from_allocation_id=1, limit=5)
        assert [r.allocation_id for r in paged] == [1]
        assert await client.get_my_trades("BTCUSDT", order_id=placed.order_id) == []
