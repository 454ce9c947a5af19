"""What only the manager tests share: a venue (the simulated exchange in process, or served on
127.0.0.1 to ``BinanceClient``) and the exchange's own view to compare with. The funded
exchange with a market maker, the fast manager configuration and ``settle`` are public
(``oms.testing.sim``).

Rules:
- The exchange is always a real ``SimExchange``; the manager reaches it either through
  ``SimTransport`` or through ``BinanceClient`` and the local server (``make_app``). Tests
  assert against the exchange's state, read directly, never against a copy.
- The market maker trades on the exchange directly (another client of the same exchange).
- Network traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestServer

from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.order import Order
from oms.core.positions import PositionBook
from oms.core.state import OrderState
from oms.errors import OutcomeUnknown
from oms.runtime.dispatch import Dispatcher
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.runtime.metrics import Metrics
from oms.runtime.ports import Transport
from oms.testing.sim import (
    SYMBOL,
    TRADER,
    exchange_balances,
    fast_config,
    new_exchange,
)
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import (
    CancelResponse,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
)
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment
from transports.binance.signing import HmacSigner, Secret
from transports.sim.errors import SimError
from transports.sim.exchange import SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.server.app import ApiAccount, ServerOptions, make_app
from transports.sim.transport import SimTransport

D = Decimal
ZERO = Decimal(0)
KEY = "omsManagerTestKey000000000000000000000000000000000000000000000001"
SECRET = "omsManagerTestSecret0000000000000000000000000000000000000000001"
ServerFactory = Callable[..., Awaitable[TestServer]]
KINDS = ("sim", "server")


def exchange_orders(
    ex: SimExchange, account: str, symbol: str = SYMBOL
) -> list[QueryOrderResponse]:
    """Every order of ``account`` on ``symbol``, open or closed, read from the exchange.

    Order ids are assigned per symbol from 1 upwards, across accounts; the walk stops after a
    run of ids no account knows.
    """
    found: list[QueryOrderResponse] = []
    misses, order_id = 0, 0
    while misses < 20:
        order_id += 1
        owner = None
        for name in ex.accounts():
            try:
                answer = ex.query_order(name, QueryOrder(symbol=symbol, order_id=order_id))
            except SimError:
                continue
            owner = name
            if name == account:
                found.append(answer)
        misses = 0 if owner is not None else misses + 1
    return found


def orders_per_client_id(ex: SimExchange, account: str = TRADER) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in exchange_orders(ex, account):
        counts[answer.client_order_id] = counts.get(answer.client_order_id, 0) + 1
    return counts


def manager_balances(manager: OrderManager) -> dict[str, tuple[Decimal, Decimal]]:
    return {a: fl for a, fl in manager.balances().items() if a in ("BTC", "USDT", "ETH", "BNB")}


def assert_matches_exchange(manager: OrderManager, ex: SimExchange) -> None:
    """The manager's orders, fills and balances equal the exchange's."""
    remote = {o.client_order_id: o for o in exchange_orders(ex, TRADER)}
    ours = {o.client_order_id: o for o in manager.orders() if o.order_id is not None}
    assert set(remote) <= set(ours), f"orders missing: {set(remote) - set(ours)}"
    for cid, answer in remote.items():
        order = ours[cid]
        assert order.order_id == answer.order_id, cid
        assert order.state.name == answer.status.value, (cid, order.state, answer.status)
        assert order.filled == answer.executed_qty, (cid, order.filled, answer.executed_qty)
    trades = ex.my_trades(TRADER, SYMBOL, limit=1000)
    fills = {(f.symbol, tid): f for o in manager.orders() for tid, f in o.fills.items()}
    assert set(fills) == {(t.symbol, t.id) for t in trades}
    for trade in trades:
        fill = fills[(trade.symbol, trade.id)]
        assert (fill.quantity, fill.price, fill.commission) == (
            trade.qty,
            trade.price,
            trade.commission,
        )
    for asset, (free, locked) in exchange_balances(ex).items():
        assert manager.balances().get(asset, (ZERO, ZERO)) == (free, locked), asset


class LostSend(SimTransport):
    """A ``SimTransport`` over a network that loses the next ``lose`` order requests (and
    the next ``lose_cancels`` cancel requests).

    The request never reaches the exchange and the client sees what it sees on Binance
    when a connection dies after sending: an unknown outcome, stamped with the request's
    ``timestamp`` and ``recvWindow`` (rest-api.md, Timing security, errors.md).
    """

    lose = 0
    lose_cancels = 0

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse:
        if self.lose_cancels > 0:
            self.lose_cancels -= 1
            await asyncio.sleep(0)
            raise OutcomeUnknown(
                "connection reset after sending; outcome unknown",
                request_time_ms=self.server_time_ms(),
                recv_window_ms=self.recv_window_ms,
            )
        return await super().cancel_spot_order(cancel)

    async def place_spot_order(
        self, order: NewOrder
    ) -> NewOrderAck | NewOrderResult | NewOrderFull:
        if self.lose > 0:
            self.lose -= 1
            await asyncio.sleep(0)
            raise OutcomeUnknown(
                "connection reset after sending; outcome unknown",
                request_time_ms=self.server_time_ms(),
                recv_window_ms=self.recv_window_ms,
            )
        return await super().place_spot_order(order)


class Venue:
    """The exchange and a way to reach it: ``sim`` (in process) or ``server`` (127.0.0.1)."""

    def __init__(self, kind: str, ex: SimExchange, server: TestServer | None = None) -> None:
        self.kind = kind
        self.ex = ex
        self.server = server
        self.managers: list[OrderManager] = []

    def client_config(self, **overrides: Any) -> BinanceConfig:
        assert self.server is not None
        base: dict[str, Any] = {
            "environment": Environment.LOCAL,
            "rest_url": str(self.server.make_url("/api")),
            "ws_api_url": str(self.server.make_url("/ws-api/v3")).replace("http", "ws", 1),
            "api_key": Secret(KEY),
            "signer": HmacSigner(Secret(SECRET)),
            "time_samples": 1,
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.05,
            "stream_status_timeout_s": 2.0,
            "request_timeout_s": 2.0,
        }
        base.update(overrides)
        return BinanceConfig(**base)

    def transport(self, faults: FaultConfig | None = None) -> Transport:
        if self.kind == "sim":
            return SimTransport(self.ex, TRADER, faults=faults, request_timeout_s=0.05)
        return BinanceClient(self.client_config(), rng=lambda: 0.5)

    async def manager(
        self,
        *,
        faults: FaultConfig | None = None,
        journal: Journal | None = None,
        transport: Transport | None = None,
        **config: Any,
    ) -> OrderManager:
        """A started manager (closed by the fixture's teardown)."""
        manager = OrderManager(
            transport or self.transport(faults), journal=journal, config=fast_config(**config)
        )
        self.managers.append(manager)
        await manager.start()
        return manager

    async def close(self) -> None:
        for manager in self.managers:
            await manager.close()  # idempotent


async def open_venue(
    kind: str,
    aiohttp_server: ServerFactory,
    *,
    ex: SimExchange | None = None,
    faults: FaultConfig | None = None,
    **options: Any,
) -> Venue:
    """A venue over ``ex`` (a fresh funded exchange by default). ``faults`` apply to the
    server run for ``server``; for ``sim`` pass them to ``Venue.manager``."""
    ex = ex if ex is not None else new_exchange()
    if kind == "sim":
        return Venue(kind, ex)
    accounts = [ApiAccount(account=TRADER, api_key=KEY, secret=SECRET)]
    server_options = ServerOptions(faults=faults, delayed_event_flush=0.05, **options)
    server = await aiohttp_server(make_app(ex, accounts, server_options))
    return Venue(kind, ex, server)


def state(order: Order) -> OrderState:
    """The order's state, read through a call (mypy would narrow ``order.state``)."""
    return order.state


def fills_of(order: Order) -> list[tuple[int, Decimal, Decimal]]:
    return sorted((tid, f.quantity, f.price) for tid, f in order.fills.items())


@contextlib.contextmanager
def bare_dispatcher(metrics: Metrics | None = None) -> Iterator[Dispatcher]:
    """A dispatcher of its own (fresh engine, in-memory journal, no symbol rules); its
    journal is closed on leaving."""
    with Journal(":memory:") as journal:
        yield Dispatcher(
            Engine(clock=lambda: 0, new_client_order_id=SequentialIds()),
            journal,
            metrics=metrics or Metrics(),
            positions=PositionBook(),
            rules={},
            clock=lambda: 0,
        )
