"""The real Binance transport against the local exchange: what `oms exchange` serves, started
here in-process on a free port of 127.0.0.1, and reached over HTTP and WebSocket exactly as
Binance's Spot testnet would be.

Run: python examples/local_exchange.py   (loopback only; no keys of yours)
"""

import asyncio
from decimal import Decimal

from aiohttp import web

from oms import OrderManager
from transports.binance import BinanceClient, load_config
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET
from transports.sim.server.serve import _parser, build


async def main() -> None:
    app, _accounts = build(_parser().parse_args([]))  # the demo account and key, liquidity
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]

    config = load_config(
        {
            "OMS_ENV": "local",
            "OMS_REST_URL": f"http://127.0.0.1:{port}/api",
            "OMS_WS_API_URL": f"ws://127.0.0.1:{port}/ws-api/v3",
            "OMS_API_KEY": DEMO_API_KEY,
            "OMS_API_SECRET": DEMO_API_SECRET,
        },
        env_file=None,
    )
    try:
        async with OrderManager(BinanceClient(config)) as oms:
            order = await oms.execute_spot_buy("BTCUSDT", Decimal("0.01"))
            print(order.state.name, order.filled, "BTC at", order.avg_price)
            # Balances are the exchange's word: its balance event follows the fill.
            await oms.wait_for(lambda: oms.balances()["BTC"][0] == Decimal("1.01"))
            print("BTC free:", oms.balances()["BTC"][0])
    finally:
        await runner.cleanup()


asyncio.run(main())
