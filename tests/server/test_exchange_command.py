"""``oms exchange`` as a stand-in: configured markets (one not ASCII), a market that moves and
never runs dry, and the test-control API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from oms.wire.enums import OrderStatus, OrderType, Side
from oms.wire.requests import NewOrder
from tests.server.conftest import RestClient
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import UNICODE_SYMBOL, default_markets, markets_from_config
from transports.sim.server.control import TOKEN_HEADER
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.market_maker import MakerOptions, MarketMaker
from transports.sim.server.rest import STATE_KEY
from transports.sim.server.serve import _parser, build
from transports.sim.trade_replay import read_trades, sample_trades_path

TOKEN = "test-control-token"
CONFIG = """
[[accounts]]
name = "alice"
api_key = "aliceKey1"
secret = "aliceSecret1"
balances = { USDT = "10000000", BTC = "100", "456" = "1000" }

[[markets]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
reference_price = "60000"

[[markets]]
symbol = "这是测试币456"
base = "这是测试币"
quote = "456"
reference_price = "1.0000"
tick = "0.0001"
step = "0.01"
min_notional = "1"

[commission]
maker = "0.001"
taker = "0.001"
"""


def market_buy(qty: str, symbol: str = "BTCUSDT") -> NewOrder:
    return NewOrder(
        symbol=symbol, side=Side.BUY, order_type=OrderType.MARKET, quantity=Decimal(qty)
    )


def test_market_orders_keep_filling_as_the_maker_replenishes() -> None:
    clock = ManualClock()
    exchange = SimExchange(clock=clock, config=default_markets())
    exchange.create_account("alice", {"USDT": Decimal(10) ** 9})
    maker = MarketMaker(exchange, MakerOptions(seed=3, walk_every=0.5))
    maker.quote_all()
    statuses = []
    for _ in range(300):  # 60 BTC of market buys: ~0.5 BTC emptied the old static ladder
        statuses.append(exchange.place_order("alice", market_buy("0.2")).status)
        clock.advance(100)
        maker.step(0.1)
    assert set(statuses) == {OrderStatus.FILLED}
    assert exchange.balance("alice", "BTC")[0] == Decimal("60")
    prices = {t.price for t in exchange.market_data("BTCUSDT").trades}
    assert len(prices) > 20  # the price walked


def test_replayed_trades_move_the_mid() -> None:
    clock = ManualClock(1_700_000_000_000)
    exchange = SimExchange(clock=clock, config=default_markets())
    trades = read_trades(sample_trades_path())
    maker = MarketMaker(exchange, MakerOptions(speed=100.0), replay=trades)
    maker.quote_all()
    maker.step(1.0)  # 100 s of the file
    passed = [t for t in trades if t.time <= trades[0].time + 100_000]
    bids, asks = exchange.book("BTCUSDT")
    assert bids[0][0] < passed[-1].price < asks[0][0]
    assert exchange.reference_price("BTCUSDT") == passed[-1].price


def test_markets_config() -> None:
    config = markets_from_config(tomllib.loads(CONFIG))
    assert [s.symbol for s in config.symbols] == ["BTCUSDT", UNICODE_SYMBOL]
    assert config.reference_prices[UNICODE_SYMBOL] == Decimal("1.0000")
    assert config.maker_commission == Decimal("0.001")
    with pytest.raises(ValueError, match="missing 'reference_price'"):
        markets_from_config({"markets": [{"symbol": "X", "base": "A", "quote": "B"}]})
    with pytest.raises(ValueError, match="unknown keys"):
        markets_from_config(
            {
                "markets": [
                    {"symbol": "X", "base": "A", "quote": "B", "reference_price": "1", "x": 1}
                ]
            }
        )
    raw = markets_from_config(
        {
            "markets": [
                {
                    "symbol": "XY",
                    "base": "X",
                    "quote": "Y",
                    "reference_price": "2",
                    "filters": [
                        {
                            "filterType": "PRICE_FILTER",
                            "minPrice": "0.1",
                            "maxPrice": "10",
                            "tickSize": "0.1",
                        },
                        {
                            "filterType": "LOT_SIZE",
                            "minQty": "1",
                            "maxQty": "10",
                            "stepSize": "1",
                        },
                    ],
                }
            ]
        }
    )
    assert [f["filterType"] for f in raw.symbols[0].filters] == ["PRICE_FILTER", "LOT_SIZE"]


class WallClock:
    def __call__(self) -> int:
        return wall_clock_ms()


async def served(aiohttp_server: Any, tmp_path: Path, *extra: str) -> tuple[Any, Any]:
    path = tmp_path / "exchange.toml"
    path.write_text(CONFIG, encoding="utf-8")
    args = _parser().parse_args(
        ["--config", str(path), "--control-token", TOKEN, "--walk-every", "0.2", *extra]
    )
    app, _ = build(args)
    return app, await aiohttp_server(app)


async def test_unicode_symbol_trades_over_rest_and_streams(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    _, server = await served(aiohttp_server, tmp_path)
    async with aiohttp.ClientSession() as session:
        client = RestClient(
            session, str(server.make_url("/api")), WallClock(), "aliceKey1", "aliceSecret1"
        )  # type: ignore[arg-type]
        stream_url = str(server.make_url("/ws/" + quote(f"{UNICODE_SYMBOL}@trade")))
        ws = await session.ws_connect(stream_url.replace("http", "ws", 1))
        reply = await client.signed(
            "POST",
            "/v3/order",
            {"symbol": UNICODE_SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "10"},
        )
        assert reply.status == 200, reply.json()
        assert reply.json()["status"] == "FILLED"
        trade = json.loads((await ws.receive(timeout=3)).data)
        assert trade["s"] == UNICODE_SYMBOL and trade["q"] == "10.00000000"
        depth = await client.public("/v3/depth", {"symbol": UNICODE_SYMBOL, "limit": "5"})
        assert len(depth.json()["asks"]) == 5
        info = await client.public("/v3/exchangeInfo", {"symbol": UNICODE_SYMBOL})
        assert info.json()["symbols"][0]["baseAsset"] == "这是测试币"
        await ws.close()


async def control(
    session: aiohttp.ClientSession, server: Any, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with session.request(
        method, server.make_url(path), json=body, headers={TOKEN_HEADER: TOKEN}
    ) as reply:
        return reply.status, await reply.json()


def eth(amount: str) -> dict[str, str]:
    return {"account": "alice", "asset": "ETH", "amount": amount}


async def test_control_api(aiohttp_server: Any, tmp_path: Path) -> None:
    _, server = await served(aiohttp_server, tmp_path)
    async with aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/_oms/deposit"), json={}) as reply:
            assert reply.status == 401
        ws_url = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
        ws = await session.ws_connect(ws_url)
        params: dict[str, Any] = {"apiKey": "aliceKey1", "timestamp": wall_clock_ms()}
        payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
        params["signature"] = hmac.new(
            b"aliceSecret1", payload.encode(), hashlib.sha256
        ).hexdigest()
        await ws.send_json(
            {"id": 1, "method": "userDataStream.subscribe.signature", "params": params}
        )
        assert (await ws.receive_json(timeout=3))["status"] == 200

        async def event() -> dict[str, Any]:
            frame = await ws.receive_json(timeout=3)
            return frame["event"]  # type: ignore[no-any-return]

        status, body = await control(
            session,
            server,
            "POST",
            "/_oms/deposit",
            {"account": "alice", "asset": "ETH", "amount": "2.5"},
        )
        assert (status, body["free"]) == (200, "2.50000000")
        assert (await event())["e"] == "balanceUpdate"
        assert (await event())["e"] == "outboundAccountPosition"
        status, body = await control(
            session,
            server,
            "POST",
            "/_oms/lock",
            {"account": "alice", "asset": "ETH", "amount": "1"},
        )
        assert body == {"asset": "ETH", "free": "1.50000000", "locked": "1.00000000"}
        lock = await event()
        assert (lock["e"], lock["d"]) == ("externalLockUpdate", "1.00000000")
        await event()
        status, body = await control(
            session,
            server,
            "POST",
            "/_oms/withdraw",
            {"account": "alice", "asset": "ETH", "amount": "9"},
        )
        assert status == 400 and "free balance" in body["error"]
        status, _ = await control(
            session, server, "POST", "/_oms/price", {"symbol": "BTCUSDT", "price": "65000"}
        )
        assert status == 200
        _, book = await control(session, server, "GET", "/_oms/book?symbol=BTCUSDT")
        assert Decimal(book["best"][0]) < Decimal(65000) < Decimal(book["best"][1])
        status, _ = await control(
            session, server, "POST", "/_oms/faults", {"seed": 1, "clock_skew_ms": 5000}
        )
        assert status == 200
        async with session.get(server.make_url("/api/v3/time")) as reply:
            skewed = (await reply.json())["serverTime"]
        assert skewed - wall_clock_ms() > 4000
        await control(session, server, "DELETE", "/_oms/faults")
        streams = await session.ws_connect(
            str(server.make_url("/stream?streams=btcusdt@trade")).replace("http", "ws", 1)
        )
        await control(session, server, "POST", "/_oms/shutdown")
        assert (await ws.receive_json(timeout=3))["event"]["e"] == "serverShutdown"
        shutdown = await streams.receive_json(timeout=3)
        assert shutdown["stream"] == "!serverShutdown"
        await asyncio.sleep(0)


async def test_replay_option_moves_the_served_market(aiohttp_server: Any, tmp_path: Path) -> None:
    path = sample_trades_path()
    args = _parser().parse_args(["--replay", str(path), "--speed", "1000", "--port", "0"])
    app, _ = build(args)
    await aiohttp_server(app)
    exchange = app[STATE_KEY].exchange
    prices = {t.price for t in read_trades(path)}
    for _ in range(100):
        await asyncio.sleep(0.05)
        if exchange.reference_price("BTCUSDT") in prices:
            break
    assert exchange.reference_price("BTCUSDT") in prices
    bids, asks = exchange.book("BTCUSDT")
    assert bids[0][0] < exchange.reference_price("BTCUSDT") < asks[0][0]


async def test_connection_attempts_limit_is_an_option(aiohttp_server: Any) -> None:
    """``--connections-per-5m`` sets the WebSocket connection attempts allowed per IP in 5
    minutes (Binance's 300 by default; web-socket-api.md, Connection limits)."""
    with pytest.raises(SystemExit):
        _parser().parse_args(["--connections-per-5m", "0"])
    app, _ = build(_parser().parse_args(["--no-liquidity", "--connections-per-5m", "2"]))
    server = await aiohttp_server(app)
    url = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            ws = await session.ws_connect(url)
            await ws.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url)
        assert refused.value.status == 429
