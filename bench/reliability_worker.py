"""A trading process for the SIGKILL campaign of ``bench/reliability.py``.

It runs an ``OrderManager`` over ``BinanceClient`` against the local server, with a file
journal, and places, cancels and buys in a seeded loop until it is killed. A test-only
hook kills it at a named point of its N-th order (``--crash-at``):

- ``before-send``: the intent is journaled and marked sent; the request never leaves;
- ``after-send``: the exchange executed the order; its answer is never applied.

The hook wraps the real client (it delegates every call); nothing in oms is patched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
from decimal import Decimal
from typing import Any

from oms.errors import OmsError
from oms.runtime.journal import Journal
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.runtime.ports import NewOrderResponse
from oms.wire.requests import NewOrder
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment
from transports.binance.signing import HmacSigner, Secret

D = Decimal
KEY = "benchReliabilityKey000000000000000000000000000000000000000000001"
SECRET = "benchReliabilitySecret0000000000000000000000000000000000000001"


def config(rest: str, ws: str) -> BinanceConfig:
    return BinanceConfig(
        environment=Environment.LOCAL,
        rest_url=rest,
        ws_api_url=ws,
        api_key=Secret(KEY),
        signer=HmacSigner(Secret(SECRET)),
        recv_window_ms=1000,
        time_samples=1,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
    )


MANAGER = ManagerConfig(
    id_prefix="bench",
    resolve_initial_delay=0.02,
    resolve_max_delay=0.2,
    not_found_margin_ms=200,
    # No rate limit and one-sample clock syncs here: a request is stamped within ~2 s
    # of its order's creation (the 15 s default covers a governor wait and slow syncs).
    unstamped_margin_ms=2000,
    stream_start_timeout=5.0,
)


class CrashAt:
    """Delegates to the real client; SIGKILLs this process at the named point."""

    def __init__(self, inner: BinanceClient, point: str | None, nth: int) -> None:
        self._inner = inner
        self._point = point
        self._nth = nth
        self._orders = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse:
        self._orders += 1
        due = self._orders == self._nth
        if due and self._point == "before-send":
            os.kill(os.getpid(), signal.SIGKILL)
        answer = await self._inner.place_spot_order(order)
        if due and self._point == "after-send":
            os.kill(os.getpid(), signal.SIGKILL)
        return answer


async def trade(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    client = CrashAt(BinanceClient(config(args.rest, args.ws)), args.crash_at, args.nth)
    manager = OrderManager(client, journal=Journal(args.journal), config=MANAGER)
    async with manager:
        print("ready", flush=True)
        for _ in range(args.actions):
            await one_action(manager, rng)


async def one_action(manager: OrderManager, rng: random.Random) -> None:
    qty = D(rng.randint(1, 20)) / 1000
    roll = rng.random()
    try:
        if roll < 0.3:
            await manager.execute_spot_buy("BTCUSDT", qty)
        elif roll < 0.5:
            await manager.execute_spot_sell("BTCUSDT", qty)
        elif roll < 0.7:
            await manager.execute_spot_buy("BTCUSDT", qty, D(59990 - rng.randint(0, 20)))
        elif roll < 0.85:
            await manager.execute_spot_sell("BTCUSDT", qty, D(60010 + rng.randint(0, 20)))
        else:
            open_orders = sorted(manager.open_orders(), key=lambda o: o.client_order_id)
            if open_orders:
                await manager.cancel(rng.choice(open_orders))
    except OmsError:
        pass  # a refusal (funds, filters) is an answer too
    await asyncio.sleep(rng.random() * 0.01)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rest", required=True)
    parser.add_argument("--ws", required=True)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--crash-at", choices=["before-send", "after-send"])
    parser.add_argument("--nth", type=int, default=1)
    asyncio.run(trade(parser.parse_args()))


if __name__ == "__main__":
    main()
