"""``symbolStatus`` and ``symbols`` on the market data endpoints (rest-api.md, Order book, 24hr
ticker price change statistics, Trading Day Ticker, Symbol price ticker, Symbol order book
ticker, Rolling window price change statistics; errors.md, -1122, -1151, -1220): one symbol
whose status does not match is -1220, several or all symbols are filtered; a symbol listed
twice is -1151. Every simulated symbol is TRADING."""

from __future__ import annotations

from tests.server.conftest import Harness

TWO = '["BTCUSDT","ETHUSDT"]'
TICKERS = (
    "/v3/ticker/price",
    "/v3/ticker/bookTicker",
    "/v3/ticker/24hr",
    "/v3/ticker",
    "/v3/ticker/tradingDay",
)


async def test_status_filters_many_symbols_and_refuses_one(harness: Harness) -> None:
    client = harness.rest()
    for path in TICKERS:
        trading = await client.public(path, {"symbols": TWO, "symbolStatus": "TRADING"})
        assert [t["symbol"] for t in trading.json()] == ["BTCUSDT", "ETHUSDT"], path
        for status in ("HALT", "BREAK"):
            none = await client.public(path, {"symbols": TWO, "symbolStatus": status})
            assert (none.status, none.json()) == (200, []), path
        one = await client.public(path, {"symbol": "BTCUSDT", "symbolStatus": "HALT"})
        assert (one.status, one.code) == (400, -1220), path
        bad = await client.public(path, {"symbol": "BTCUSDT", "symbolStatus": "OPEN"})
        assert bad.code == -1122, path
    for path in ("/v3/ticker/price", "/v3/ticker/bookTicker", "/v3/ticker/24hr"):
        every = await client.public(path, {"symbolStatus": "HALT"})
        assert every.json() == [], path
    depth = await client.public("/v3/depth", {"symbol": "BTCUSDT", "symbolStatus": "BREAK"})
    assert depth.code == -1220


async def test_a_symbol_listed_twice_is_refused(harness: Harness) -> None:
    client = harness.rest()
    twice = '["BTCUSDT","BTCUSDT"]'
    for path in (*TICKERS, "/v3/exchangeInfo", "/v3/executionRules"):
        reply = await client.public(path, {"symbols": twice})
        assert (reply.status, reply.json()) == (
            400,
            {"code": -1151, "msg": "Symbol is present multiple times in the list."},
        ), path
