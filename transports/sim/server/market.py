"""Market data on the local server: Binance's REST shapes, weights and parameter rules.

Rules:
- Every body is built from the exchange's ``MarketData`` (the simulated book and trade tape),
  never invented; prices and quantities are written with 8 decimals as Binance writes them.
- The same handlers answer REST (``ENDPOINTS``, registered by ``server.app``) and the
  WebSocket API market methods (``WS_METHODS``): one rule, one place.
- Weights are the documented ones (rest-api.md, Market Data endpoints), charged before anything
  is read; symbols in ``symbols=[...]`` follow exchangeInfo's rules (-1128 with ``symbol``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from oms.wire.enums import Side
from transports.sim.market_data import (
    INTERVALS,
    AggTrade,
    KlineBucket,
    MarketData,
    RecentTrade,
    Stats,
    interval_open,
    parse_time_zone,
)
from transports.sim.server.core import ServerState
from transports.sim.server.params import ApiError, Params, bad_param
from transports.sim.server.rest import Endpoint, _symbols_param

__all__ = ["ENDPOINTS", "WS_METHODS", "book_ticker", "d8", "kline_body", "mini", "ticker_event"]

_Q8 = Decimal("0.00000001")
_MINUTE = 60_000
_DAY = 86_400_000


def d8(value: Decimal) -> str:
    """Binance's 8-place decimal text: ``"4.00000200"``."""
    return f"{value.quantize(_Q8):f}"


def _levels(levels: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[d8(p), d8(q)] for p, q in levels]


def _limit(params: Params, default: int, maximum: int, *, clip: bool = False) -> int:
    value = params.integer("limit")
    if value is None:
        return default
    if value < 1:
        raise bad_param("limit")
    if value > maximum:
        if clip:
            return maximum
        raise bad_param("limit")
    return value


def _data(state: ServerState, params: Params) -> MarketData:
    return state.exchange.market_data(params.require("symbol"))


def _status_param(params: Params) -> str | None:
    status = params.text("symbolStatus")
    if status is not None and status not in ("TRADING", "HALT", "BREAK"):
        raise ApiError(-1122, "Invalid symbolStatus.")
    return status


def _status_of(state: ServerState, symbol: str) -> str:
    info = state.symbols.get(symbol)
    return info.status if info is not None else "TRADING"


def _check_status(state: ServerState, params: Params, symbol: str) -> None:
    """One symbol: a status that does not match is -1220 (rest-api.md, Order book)."""
    status = _status_param(params)
    if status is not None and _status_of(state, symbol) != status:
        raise ApiError(-1220, "The symbol's status does not match the requested symbolStatus.")


def _matching(state: ServerState, params: Params, symbols: list[str], single: bool) -> list[str]:
    """``symbolStatus`` on the tickers: "For a single symbol, a status mismatch returns error
    -1220 ... For multiple or all symbols, non-matching ones are simply excluded from the
    response." (rest-api.md, Symbol price ticker, and the other tickers)."""
    if single:
        _check_status(state, params, symbols[0])
        return symbols
    status = _status_param(params)
    if status is None:
        return symbols
    return [symbol for symbol in symbols if _status_of(state, symbol) == status]


# --- trades and the book -----------------------------------------------------------------


def depth_weight(params: Params) -> int:
    # rest-api.md, Order book: weight by limit 1-100: 5, 101-500: 25, 501-1000: 50, else 250.
    raw = params.raw("limit")
    limit = int(raw) if raw is not None and raw.isdigit() else 100
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def _depth(state: ServerState, params: Params, account: str | None) -> object:
    data = _data(state, params)
    # "If limit > 5000, only 5000 entries will be returned" (rest-api.md, Order book).
    limit = _limit(params, 100, 5000, clip=True)
    _check_status(state, params, data.symbol)
    params.finish()
    last, bids, asks = data.depth(limit)
    return {"lastUpdateId": last, "bids": _levels(bids), "asks": _levels(asks)}


def trade_body(trade: RecentTrade) -> dict[str, object]:
    return {
        "id": trade.id,
        "price": d8(trade.price),
        "qty": d8(trade.qty),
        "quoteQty": d8(trade.quote_qty),
        "time": trade.time,
        "isBuyerMaker": trade.buyer_maker,
        "isBestMatch": True,
    }


def _trades(state: ServerState, params: Params, account: str | None) -> object:
    data = _data(state, params)
    limit = _limit(params, 500, 1000)
    params.finish()
    return [trade_body(t) for t in data.recent_trades(limit)]


def _historical(state: ServerState, params: Params, account: str | None) -> object:
    data = _data(state, params)
    limit = _limit(params, 500, 1000)
    from_id = params.integer("fromId")
    params.finish()
    found = data.recent_trades(limit) if from_id is None else data.trades_from(from_id, limit)
    return [trade_body(t) for t in found]


def agg_body(agg: AggTrade) -> dict[str, object]:
    return {
        "a": agg.id,
        "p": d8(agg.price),
        "q": d8(agg.qty),
        "f": agg.first_id,
        "l": agg.last_id,
        "T": agg.time,
        "m": agg.buyer_maker,
        "M": True,
    }


def _agg_trades(state: ServerState, params: Params, account: str | None) -> object:
    data = _data(state, params)
    from_id = params.integer("fromId")
    start = params.integer("startTime")
    end = params.integer("endTime")
    limit = _limit(params, 500, 1000)
    params.finish()
    if from_id is not None and (start is not None or end is not None):
        # web-socket-api.md, Compressed/Aggregate trades: "``fromId`` cannot be used together
        # with ``startTime`` and ``endTime``" (REST shares the rule: one engine behind both).
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    found = data.aggregates(from_id=from_id, start=start, end=end, limit=limit)
    return [agg_body(a) for a in found]


# --- klines ------------------------------------------------------------------------------


def _interval(params: Params) -> str:
    interval = params.require("interval")
    if interval not in INTERVALS:
        raise ApiError(-1120, "Invalid interval.")
    return interval


def _zone(params: Params) -> int:
    offset = parse_time_zone(params.raw("timeZone"))
    if offset is None:
        raise ApiError(-1100, "Illegal characters found in parameter 'timeZone'.")
    return offset


def kline_row(open_time: int, close_time: int, k: KlineBucket) -> list[object]:
    return [
        open_time,
        d8(k.open),
        d8(k.high),
        d8(k.low),
        d8(k.close),
        d8(k.volume),
        close_time,
        d8(k.quote_volume),
        k.count,
        d8(k.taker_base),
        d8(k.taker_quote),
        "0",
    ]


def kline_body(
    symbol: str, interval: str, open_time: int, close_time: int, k: KlineBucket, *, closed: bool
) -> dict[str, object]:
    """The ``k`` object of a kline stream event (web-socket-streams.md, Kline/Candlestick)."""
    row = kline_row(open_time, close_time, k)
    return {
        "t": open_time,
        "T": close_time,
        "s": symbol,
        "i": interval,
        "f": k.first_id,
        "L": k.last_id,
        "o": row[1],
        "c": row[4],
        "h": row[2],
        "l": row[3],
        "v": row[5],
        "n": row[8],
        "x": closed,
        "q": row[7],
        "V": row[9],
        "Q": row[10],
        "B": "0",
    }


def _klines(state: ServerState, params: Params, account: str | None) -> object:
    data = _data(state, params)
    interval = _interval(params)
    start = params.integer("startTime")
    end = params.integer("endTime")
    offset = _zone(params)
    limit = _limit(params, 500, 1000)
    params.finish()
    if start is not None and end is not None and start > end:
        raise ApiError(-1023, "Start time is greater than end time.")
    found = data.klines(
        interval, start=start, end=end, limit=limit, offset=offset, now=state.server_time()
    )
    return [kline_row(o, c, k) for o, c, k in found]


def _avg_price(state: ServerState, params: Params, account: str | None) -> object:
    symbol = params.require("symbol")
    data = state.exchange.market_data(symbol)
    params.finish()
    now = state.server_time()
    # rest-api.md, Current average price: a 5-minute average, closeTime the last trade's time.
    price, last = data.average_price(now, 5, state.exchange.reference_price(symbol))
    return {"mins": 5, "price": d8(price), "closeTime": last}


# --- tickers -----------------------------------------------------------------------------


def _chosen(state: ServerState, params: Params, *, required: bool) -> tuple[list[str], bool]:
    """The symbols asked for, and whether the answer is one object (``symbol=``)."""
    single = "symbol" in params
    symbols = _symbols_param(params)
    if symbols is None:
        if required:
            raise ApiError(
                -1102, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!"
            )
        return sorted(state.symbols), False
    if len(symbols) > 100 and required:
        raise ApiError(
            -1101, "Too many values sent for parameter 'symbols', maximum allowed is 100."
        )
    for symbol in symbols:
        state.exchange.market_data(symbol)  # -1121 for an unknown one
    return symbols, single


def _ticker_type(params: Params) -> bool:
    kind = params.text("type")
    if kind is not None and kind not in ("FULL", "MINI"):
        raise bad_param("type")
    return kind == "MINI"


def mini(symbol: str, stats: Stats) -> dict[str, object]:
    return {
        "symbol": symbol,
        "openPrice": d8(stats.open),
        "highPrice": d8(stats.high),
        "lowPrice": d8(stats.low),
        "lastPrice": d8(stats.last),
        "volume": d8(stats.volume),
        "quoteVolume": d8(stats.quote_volume),
        "openTime": stats.open_time,
        "closeTime": stats.close_time,
        "firstId": stats.first_id,
        "lastId": stats.last_id,
        "count": stats.count,
    }


def _full(symbol: str, stats: Stats) -> dict[str, object]:
    return {
        "symbol": symbol,
        "priceChange": d8(stats.change),
        "priceChangePercent": f"{stats.change_percent:f}",
        "weightedAvgPrice": d8(stats.weighted_average),
        **{k: v for k, v in mini(symbol, stats).items() if k != "symbol"},
    }


def _with_book(data: MarketData, stats: Stats, body: dict[str, object]) -> dict[str, object]:
    bid, bid_qty = data.best(Side.BUY)
    ask, ask_qty = data.best(Side.SELL)
    out = {k: body[k] for k in ("symbol", "priceChange", "priceChangePercent", "weightedAvgPrice")}
    out.update(
        prevClosePrice=d8(stats.prev_close),
        lastPrice=d8(stats.last),
        lastQty=d8(stats.last_qty),
        bidPrice=d8(bid),
        bidQty=d8(bid_qty),
        askPrice=d8(ask),
        askQty=d8(ask_qty),
    )
    out.update({k: v for k, v in body.items() if k not in out})
    return out


def stats_24h(state: ServerState, symbol: str) -> tuple[MarketData, Stats]:
    data = state.exchange.market_data(symbol)
    now = state.server_time()
    return data, data.stats(now - _DAY, now, state.exchange.reference_price(symbol))


def ticker_24h(state: ServerState, symbol: str, *, is_mini: bool) -> dict[str, object]:
    data, stats = stats_24h(state, symbol)
    if is_mini:
        return mini(symbol, stats)
    return _with_book(data, stats, _full(symbol, stats))


def _ticker_24hr(state: ServerState, params: Params, account: str | None) -> object:
    symbols, single = _chosen(state, params, required=False)
    is_mini = _ticker_type(params)
    symbols = _matching(state, params, symbols, single)
    params.finish()
    out = [ticker_24h(state, s, is_mini=is_mini) for s in symbols]
    return out[0] if single else out


def weight_24hr(params: Params) -> int:
    # rest-api.md, 24hr ticker: symbol 2; 1-20 symbols 2, 21-100: 40, more or none: 80.
    if "symbol" in params:
        return 2
    count = _count_symbols(params)
    if count is None:
        return 80
    return 2 if count <= 20 else 40 if count <= 100 else 80


def _count_symbols(params: Params) -> int | None:
    raw = params.raw("symbols")
    if raw is None:
        return None
    return max(1, raw.count(",") + 1)


def weight_per_symbol(params: Params) -> int:
    # rest-api.md, Trading Day Ticker / Rolling window: 4 per symbol, capped at 200 past 50.
    count = 1 if "symbol" in params else _count_symbols(params) or 1
    return min(4 * count, 200)


def _window(params: Params) -> int:
    raw = params.text("windowSize") or "1d"
    unit = raw[-1:]
    number = raw[:-1]
    limits = {"m": (59, _MINUTE), "h": (23, 60 * _MINUTE), "d": (7, _DAY)}
    if unit not in limits or not number.isdigit() or not 1 <= int(number) <= limits[unit][0]:
        raise ApiError(-1100, "Illegal characters found in parameter 'windowSize'.")
    return int(number) * limits[unit][1]


def _ticker_rolling(state: ServerState, params: Params, account: str | None) -> object:
    symbols, single = _chosen(state, params, required=True)
    window = _window(params)
    is_mini = _ticker_type(params)
    symbols = _matching(state, params, symbols, single)
    params.finish()
    now = state.server_time()
    # rest-api.md, Rolling window: openTime starts on a minute, closeTime is now.
    open_time = (now - window) // _MINUTE * _MINUTE
    return _windowed(
        state, symbols, single=single, open_time=open_time, close_time=now, is_mini=is_mini
    )


def _windowed(
    state: ServerState,
    symbols: list[str],
    *,
    single: bool,
    open_time: int,
    close_time: int,
    is_mini: bool,
) -> object:
    out = []
    for symbol in symbols:
        data = state.exchange.market_data(symbol)
        stats = data.stats(open_time, close_time, state.exchange.reference_price(symbol))
        out.append(mini(symbol, stats) if is_mini else _full(symbol, stats))
    return out[0] if single else out


def _ticker_trading_day(state: ServerState, params: Params, account: str | None) -> object:
    symbols, single = _chosen(state, params, required=True)
    offset = _zone(params)
    is_mini = _ticker_type(params)
    symbols = _matching(state, params, symbols, single)
    params.finish()
    now = state.server_time()
    day_open = interval_open(now, "1d", offset)
    close = day_open + _DAY - 1
    return _windowed(
        state, symbols, single=single, open_time=day_open, close_time=close, is_mini=is_mini
    )


def _ticker_price(state: ServerState, params: Params, account: str | None) -> object:
    symbols, single = _chosen(state, params, required=False)
    symbols = _matching(state, params, symbols, single)
    params.finish()
    out = []
    for symbol in symbols:
        data = state.exchange.market_data(symbol)
        last = data.trades[-1].price if data.trades else state.exchange.reference_price(symbol)
        out.append({"symbol": symbol, "price": d8(last)})
    return out[0] if single else out


def book_ticker(data: MarketData) -> dict[str, object]:
    bid, bid_qty = data.best(Side.BUY)
    ask, ask_qty = data.best(Side.SELL)
    return {
        "symbol": data.symbol,
        "bidPrice": d8(bid),
        "bidQty": d8(bid_qty),
        "askPrice": d8(ask),
        "askQty": d8(ask_qty),
    }


def _book_ticker(state: ServerState, params: Params, account: str | None) -> object:
    symbols, single = _chosen(state, params, required=False)
    symbols = _matching(state, params, symbols, single)
    params.finish()
    out = [book_ticker(state.exchange.market_data(s)) for s in symbols]
    return out[0] if single else out


def _one_or_all(weight: int, all_weight: int) -> Callable[[Params], int]:
    # rest-api.md, Symbol price ticker / order book ticker: symbol 2, otherwise 4.
    return lambda p: weight if "symbol" in p else all_weight


def ticker_event(symbol: str, stats: Stats, data: MarketData, now: int) -> dict[str, object]:
    """``<symbol>@ticker`` (web-socket-streams.md, Individual Symbol Ticker Streams)."""
    bid, bid_qty = data.best(Side.BUY)
    ask, ask_qty = data.best(Side.SELL)
    return {
        "e": "24hrTicker",
        "E": now,
        "s": symbol,
        "p": d8(stats.change),
        "P": f"{stats.change_percent:f}",
        "w": d8(stats.weighted_average),
        "x": d8(stats.prev_close),
        "c": d8(stats.last),
        "Q": d8(stats.last_qty),
        "b": d8(bid),
        "B": d8(bid_qty),
        "a": d8(ask),
        "A": d8(ask_qty),
        "o": d8(stats.open),
        "h": d8(stats.high),
        "l": d8(stats.low),
        "v": d8(stats.volume),
        "q": d8(stats.quote_volume),
        "O": stats.open_time,
        "C": stats.close_time,
        "F": stats.first_id,
        "L": stats.last_id,
        "n": stats.count,
    }


def _fixed(weight: int) -> Callable[[Params], int]:
    return lambda params: weight


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/depth"): Endpoint(_depth, depth_weight, signed=False),
    ("GET", "/api/v3/trades"): Endpoint(_trades, _fixed(25), signed=False),
    ("GET", "/api/v3/historicalTrades"): Endpoint(_historical, _fixed(25), signed=False),
    ("GET", "/api/v3/aggTrades"): Endpoint(_agg_trades, _fixed(4), signed=False),
    ("GET", "/api/v3/klines"): Endpoint(_klines, _fixed(2), signed=False),
    ("GET", "/api/v3/uiKlines"): Endpoint(_klines, _fixed(2), signed=False),
    ("GET", "/api/v3/avgPrice"): Endpoint(_avg_price, _fixed(2), signed=False),
    ("GET", "/api/v3/ticker/24hr"): Endpoint(_ticker_24hr, weight_24hr, signed=False),
    ("GET", "/api/v3/ticker/tradingDay"): Endpoint(
        _ticker_trading_day, weight_per_symbol, signed=False
    ),
    ("GET", "/api/v3/ticker/price"): Endpoint(_ticker_price, _one_or_all(2, 4), signed=False),
    ("GET", "/api/v3/ticker/bookTicker"): Endpoint(_book_ticker, _one_or_all(2, 4), signed=False),
    ("GET", "/api/v3/ticker"): Endpoint(_ticker_rolling, weight_per_symbol, signed=False),
}

# web-socket-api.md, Market data requests: the same parameters and weights as REST.
WS_METHODS: dict[str, Endpoint] = {
    "depth": ENDPOINTS[("GET", "/api/v3/depth")],
    "trades.recent": ENDPOINTS[("GET", "/api/v3/trades")],
    "trades.historical": ENDPOINTS[("GET", "/api/v3/historicalTrades")],
    "trades.aggregate": ENDPOINTS[("GET", "/api/v3/aggTrades")],
    "klines": ENDPOINTS[("GET", "/api/v3/klines")],
    "uiKlines": ENDPOINTS[("GET", "/api/v3/uiKlines")],
    "avgPrice": ENDPOINTS[("GET", "/api/v3/avgPrice")],
    "ticker.24hr": ENDPOINTS[("GET", "/api/v3/ticker/24hr")],
    "ticker.tradingDay": ENDPOINTS[("GET", "/api/v3/ticker/tradingDay")],
    "ticker": ENDPOINTS[("GET", "/api/v3/ticker")],
    "ticker.price": ENDPOINTS[("GET", "/api/v3/ticker/price")],
    "ticker.book": ENDPOINTS[("GET", "/api/v3/ticker/bookTicker")],
}
