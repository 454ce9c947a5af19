"""An order's client cost by level, for profiling section 4's "order: client CPU" row.

```
python -m bench.order_levels LEVEL N [--server URL]
```

Runs ``N`` orders (after 30 of warm-up) at one level against the bench server of
``bench.wire`` (started here unless ``--server`` names a running one,
``python -m bench.wire --serve``), and prints the client process's CPU per order:
- ``signed``: the minimal signed POST (``bench.wire.signed_order``), the baseline;
- ``transport``: ``BinanceClient.place_spot_order`` alone (the minimal client's account);
- ``rest``: ``OrderManager.execute_spot_buy`` with the stream off (the REST path);
- ``manager``: ``OrderManager.execute_spot_buy`` with its stream, as section 4 runs it;
- ``ws-transport``: ``BinanceClient.place_spot_order`` alone over the WebSocket API
  (``order_api="websocket"``, the minimal client's account);
- ``ws``: ``OrderManager.execute_spot_buy`` with its stream, orders over the WebSocket API
  (section 4's "order over WS API" rows).

Instructions per order, steady under load: run each level under
``valgrind --tool=callgrind`` with N=200 and with N=0 against one ``--server``, and divide
the difference by 200 (the setup is identical, so it cancels).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

import aiohttp

from bench.wire import MIN_KEY, MIN_SECRET, ROOT, _config, _manager, signed_order
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.binance.client import BinanceClient
from transports.binance.config import OrderApi

LEVELS = ("signed", "transport", "rest", "manager", "ws-transport", "ws")
QTY, PRICE = Decimal("0.001"), Decimal("50000.00")


async def run(base: str, level: str, n: int) -> float:
    """CPU seconds of this process per order at ``level``."""
    closing: list[Callable[[], Awaitable[None]]] = []
    session = aiohttp.ClientSession()
    closing.append(session.close)
    one: Callable[[], Awaitable[object]]
    if level in ("rest", "manager", "ws"):
        manager, _ = await _manager(base, stream=level != "rest", ws_api=level == "ws")
        closing.append(manager.close)

        def one() -> Awaitable[object]:
            return manager.execute_spot_buy("BTCUSDT", QTY, PRICE, time_in_force=TimeInForce.IOC)

    elif level in ("transport", "ws-transport"):
        api = OrderApi.WEBSOCKET if level == "ws-transport" else OrderApi.REST
        client = BinanceClient(_config(base, MIN_KEY, MIN_SECRET, api))
        closing.append(client.close)
        await client.get_exchange_info()  # the server's lifted rate limits
        seq = [0]
        stamp = time.time_ns()

        def one() -> Awaitable[object]:
            seq[0] += 1
            return client.place_spot_order(
                NewOrder(symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT,
                         quantity=QTY, price=PRICE, time_in_force=TimeInForce.IOC,
                         client_order_id=f"lvl-{stamp}-{seq[0]}")
            )  # fmt: skip

    else:
        one = signed_order(session, base)
    for _ in range(30):
        await one()
    await asyncio.sleep(0.2)  # the warm-up's stream events are applied
    started = time.process_time()
    for _ in range(n):
        await one()
    await asyncio.sleep(0.2)  # the manager's: its orders' stream events are its cost too
    spent = time.process_time() - started
    for close in reversed(closing):
        await close()
    return spent / max(n, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("level", choices=LEVELS)
    parser.add_argument("n", type=int)
    parser.add_argument("--server", help="the URL of a running `python -m bench.wire --serve`")
    args = parser.parse_args()
    server = None
    base = args.server
    if base is None:
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.wire", "--serve"], cwd=ROOT, stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
    try:
        per_order = asyncio.run(run(base.rstrip("/"), args.level, args.n))
        print(f"{args.level}: {per_order * 1e6:.0f} us of client CPU per order ({args.n} orders)")
    finally:
        if server is not None:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
