"""Opt-in: the seed scenario against the real Binance Spot testnet.

Skipped unless keys are in the environment (or ``.env``):
``OMS_API_KEY`` plus ``OMS_API_SECRET`` or ``OMS_PRIVATE_KEY_PATH``, with ``OMS_ENV`` unset or
``testnet``. It never runs against production. Scenario: market buy, limit sell (resting),
cancel, and the balances after the fill, with the stream reporting the orders.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_UP, Decimal

import pytest

from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.wire.events import ExecutionReport
from oms.wire.money import round_to_step
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import LotSizeFilter, NewOrderFull, PriceFilter
from oms.wire.stream import StreamGap, StreamItem
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment, load_config

SYMBOL = "BTCUSDT"


def _config_or_skip() -> BinanceConfig:
    config = load_config()
    if config.api_key is None:
        pytest.skip("testnet keys not set (OMS_API_KEY and OMS_API_SECRET / OMS_PRIVATE_KEY_PATH)")
    if config.environment is not Environment.TESTNET:
        pytest.skip("the testnet scenario only runs with OMS_ENV=testnet")
    return config


@pytest.mark.testnet
@pytest.mark.timeout(120)
async def test_seed_scenario_on_testnet() -> None:
    config = _config_or_skip()
    tag = uuid.uuid4().hex[:10]
    async with BinanceClient(config) as client:
        info = await client.get_exchange_info([SYMBOL])
        symbol = info.symbols[0]
        lot, price_filter = symbol.filter(LotSizeFilter), symbol.filter(PriceFilter)
        assert lot is not None and price_filter is not None
        items: list[StreamItem] = []

        async def listen() -> None:
            async for item in client.user_data():
                items.append(item)

        listener = asyncio.create_task(listen())
        await _until(lambda: any(isinstance(i, StreamGap) for i in items))
        before = {b.asset: b.free for b in (await client.get_account()).balances}

        bought = await client.place_spot_order(
            NewOrder(
                symbol=SYMBOL,
                side=Side.BUY,
                order_type=OrderType.MARKET,
                quote_order_qty=Decimal("20"),
                client_order_id=f"seed-buy-{tag}",
            )
        )
        assert isinstance(bought, NewOrderFull) and bought.status is OrderStatus.FILLED
        fee_btc = sum(
            (f.commission for f in bought.fills if f.commission_asset == "BTC"), Decimal(0)
        )
        after = {b.asset: b.free for b in (await client.get_account()).balances}
        assert after["BTC"] - before["BTC"] == bought.executed_qty - fee_btc
        assert before["USDT"] - after["USDT"] >= bought.cummulative_quote_qty - Decimal("0.01")

        # A limit sell far above the fill price rests on the book; then cancel it.
        high = round_to_step(
            bought.fills[0].price * Decimal("1.5"), price_filter.tick_size, rounding=ROUND_UP
        )
        qty = round_to_step(bought.executed_qty - fee_btc, lot.step_size, rounding=ROUND_DOWN)
        sell_id = f"seed-sell-{tag}"
        placed = await client.place_spot_order(
            NewOrder(
                symbol=SYMBOL,
                side=Side.SELL,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=qty,
                price=high,
                client_order_id=sell_id,
            )
        )
        assert placed.client_order_id == sell_id
        status = await client.get_order(QueryOrder(symbol=SYMBOL, orig_client_order_id=sell_id))
        assert status.status is OrderStatus.NEW
        canceled = await client.cancel_spot_order(
            CancelOrder(symbol=SYMBOL, orig_client_order_id=sell_id)
        )
        assert canceled.status is OrderStatus.CANCELED

        def reported(cid: str) -> bool:
            return any(
                isinstance(i, ExecutionReport)
                and cid in (i.client_order_id, i.orig_client_order_id)
                for i in items
            )

        await _until(lambda: reported(f"seed-buy-{tag}") and reported(sell_id))
        listener.cancel()


async def _until(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the testnet stream did not deliver in time"
        await asyncio.sleep(0.1)
