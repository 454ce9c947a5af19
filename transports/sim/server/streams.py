"""Market data streams on the local server: ``/ws/<stream>``, ``/stream?streams=a/b``, live
SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY.

Rules (web-socket-streams.md):
- Stream names use the lowercase symbol; raw connections get the payload, combined ones
  ``{"stream": name, "data": payload}`` ("General WSS information").
- Real-time streams (``trade``, ``aggTrade``, ``bookTicker``) go out when the action that made
  them completes. Inside ``batch()`` (the liquidity provider replacing its ladder: a cancel of
  every quote, then new ones) ``bookTicker`` goes out once, after the batch, with the best bid
  and ask it left: the empty book between the cancel and the new quotes is never shown.
  The diff depth stream (``@depth``, ``@depth@100ms``) collects each action's
  changed levels and is sent every 1000 ms / 100 ms with ``U`` the first and ``u`` the last
  update id of what it holds; consecutive events chain (``U`` = previous ``u`` + 1), so the
  "How to manage a local order book correctly" procedure keeps an exact book (spot events
  have no ``pu``; that field is futures-only).
- Periodic streams (``depth<5|10|20>[@100ms]``, ``kline_<i>[@+08:00]``, ``ticker``,
  ``ticker_<1h|4h|1d>``, ``miniTicker``, ``avgPrice``, ``!miniTicker@arr``,
  ``!ticker_<1h|4h|1d>@arr``) are computed once per tick per stream, encoded once and sent to
  every subscriber. The all-market arrays hold only the symbols whose ticker changed since the
  stream's last array (the first array holds every symbol); nothing changed, nothing is sent.
  A kline stream pushes its current kline every tick of a second, also before the symbol's
  first trade (a kline at the reference price, no trade).
- Limits ("WebSocket Limits"): more than 5 incoming messages a second (text, ping and pong
  frames) closes the connection;
  at most 1024 streams per connection (``max_streams_per_connection``); a connection lives
  ``max_connection_age`` (24 h); a ping frame every ``ping_interval``, a pong due within
  ``pong_timeout``. A subscriber that stops reading is disconnected once its
  bounded send queue (``stream_queue_frames``) is full, so the server's memory stays flat.
- Before the server shuts down every connection gets ``serverShutdown`` ("Server Shutdown").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from collections import deque
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import orjson
from aiohttp import WSMsgType, web

from oms.wire.enums import Side
from transports.sim.errors import SimError
from transports.sim.market_data import (
    INTERVALS,
    KlineBucket,
    MarketData,
    MarketUpdate,
    interval_close,
    interval_open,
)
from transports.sim.server.core import ServerState
from transports.sim.server.envelope import valid_id
from transports.sim.server.handshake import BinanceWebSocket, error_response, time_unit_refusal
from transports.sim.server.market import (
    agg_body,
    d8,
    kline_body,
    mini,
    stats_24h,
    ticker_event,
)
from transports.sim.server.outbox import Outbox, text_frame
from transports.sim.server.stream_control import bad_json, missing_method, unknown_variant
from transports.sim.server.time_unit import micro, parse_time_unit
from transports.wire import encode_json

__all__ = ["StreamHub", "add_stream_routes"]

_MAX_INCOMING_PER_SECOND = 5
_TICK = 0.1
# ``blockTrade`` and ``referencePrice`` (web-socket-streams.md, Block Trade Streams, Reference
# Price Streams) can be subscribed and stay silent: the simulator has no block trades and no
# reference price (transports/sim/server/reference.py).
_STREAM = re.compile(
    r"^(?P<symbol>[^@]+)@(?P<kind>trade|aggTrade|bookTicker|ticker|miniTicker|avgPrice"
    r"|blockTrade|referencePrice"
    r"|ticker_(?P<window>1h|4h|1d)"
    r"|depth(?P<levels>5|10|20)?(?P<fast>@100ms)?|kline_(?P<interval>\w+)(?:@(?P<zone>\+08:00))?)$"
)
# web-socket-streams.md, Individual Symbol Rolling Window Statistics Streams.
_WINDOWS = {"1h": 3_600_000, "4h": 4 * 3_600_000, "1d": 86_400_000}
_MINUTE_MS = 60_000
# web-socket-streams.md, Kline/Candlestick Streams with timezone offset: UTC+8 only.
_ZONES = {None: 0, "+08:00": 8 * 3_600_000}
# web-socket-streams.md, All Market Mini Tickers Stream and All Market Rolling Window
# Statistics Streams: one array a second of the symbols whose ticker changed. Also
# "!miniTicker@arr@1000ms", the name python-binance's miniticker_socket asks for: not in
# web-socket-streams.md, but Binance has long answered it at the documented 1000 ms
# (sammchardy/python-binance#267); it is the same stream at its only speed.
_ALL_MARKET = re.compile(r"^!(?:miniTicker@arr(?:@1000ms)?|ticker_(?P<window>1h|4h|1d)@arr)$")
# Fields that move with the clock alone, not with the market: left out of "changed".
_CLOCK_FIELDS = ("E", "C")


class _DiffBuffer:
    """Changed levels of one symbol since the last diff event, with their id range."""

    __slots__ = ("asks", "bids", "first", "last")

    def __init__(self) -> None:
        self.first = 0
        self.last = 0
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def add(self, update: MarketUpdate) -> None:
        if not self.first:
            self.first = update.update_id
        self.last = update.update_id
        self.bids.update(update.bids)
        self.asks.update(update.asks)

    def take(self, symbol: str, now: int) -> dict[str, object] | None:
        if not self.first:
            return None
        event = {
            "e": "depthUpdate",
            "E": now,
            "s": symbol,
            "U": self.first,
            "u": self.last,
            "b": [[d8(p), d8(q)] for p, q in sorted(self.bids.items(), reverse=True)],
            "a": [[d8(p), d8(q)] for p, q in sorted(self.asks.items())],
        }
        self.first = self.last = 0
        self.bids = {}
        self.asks = {}
        return event


class StreamConn(Outbox):
    """One market stream connection: its streams, mode and bounded send queue."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, *, combined: bool, queue_frames: int
    ) -> None:
        super().__init__(ws, request, queue_frames)
        self.combined = combined
        self.streams: list[str] = []
        self.micros = parse_time_unit(request.query.get("timeUnit")) is True
        self.incoming: deque[float] = deque()


class StreamHub:
    """Every stream connection of one server run, fed by the exchange's market updates."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.by_name = {s.lower(): s for s in state.symbols}
        self.subs: dict[str, dict[StreamConn, None]] = {}
        self.connections: set[StreamConn] = set()
        self._diffs: dict[str, tuple[_DiffBuffer, _DiffBuffer]] = {}
        self._best: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
        # Inside batch(): each symbol whose book changed, with its last update id.
        self._held: dict[str, int] | None = None
        self._kline_open: dict[str, int] = {}
        # Per all-market stream: each symbol's last sent ticker, clock fields left out.
        self._last_arr: dict[str, dict[str, dict[str, object]]] = {}
        self._ticks = 0
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self.state.exchange.set_market_listener(self.on_update)
        self._task = asyncio.get_running_loop().create_task(self._tick_loop())

    def stop(self) -> None:
        self.state.exchange.set_market_listener(None)
        if self._task is not None:
            self._task.cancel()

    async def shutdown(self, grace: float = 0.0) -> None:
        """``serverShutdown`` to every connection, closed at once or ``grace`` seconds later
        (web-socket-streams.md, Server Shutdown: the server "is about to shut down")."""
        now = self.state.clock()
        frames = {}
        # timeUnit=MICROSECOND: the event's time too (web-socket-streams.md, General WSS
        # information: "All time and timestamp related fields").
        for micros, stamp in ((False, now), (True, now * 1000)):
            event = {"e": "serverShutdown", "E": stamp}
            frames[micros, False] = encode_json(event)
            frames[micros, True] = encode_json({"stream": "!serverShutdown", "data": event})
        loop = asyncio.get_running_loop()
        for conn in list(self.connections):
            conn.send(frames[conn.micros, conn.combined])
            if grace > 0:
                loop.call_later(grace, conn.close_after_queue)
            else:
                conn.close_after_queue()

    # --- names -----------------------------------------------------------------------

    def valid(self, name: str) -> bool:
        if _ALL_MARKET.match(name):
            return True
        found = _STREAM.match(name)
        if found is None or found["symbol"] not in self.by_name:
            return False
        interval = found["interval"]
        return interval is None or interval in INTERVALS

    def subscribe(self, conn: StreamConn, names: list[str]) -> None:
        for name in names:
            if name in conn.streams:
                continue
            conn.streams.append(name)
            self.subs.setdefault(name, {})[conn] = None

    def unsubscribe(self, conn: StreamConn, names: list[str]) -> None:
        for name in names:
            if name in conn.streams:
                conn.streams.remove(name)
                subs = self.subs.get(name, {})
                subs.pop(conn, None)
                if not subs:  # the next subscriber starts from every symbol again
                    self._last_arr.pop(name, None)

    def forget(self, conn: StreamConn) -> None:
        self.unsubscribe(conn, list(conn.streams))
        self.connections.discard(conn)

    def _publish(self, name: str, payload: object) -> None:
        subs = self.subs.get(name)
        if not subs:
            return
        frames: dict[tuple[bool, bool], bytes] = {}
        for conn in list(subs):
            kind = (conn.combined, conn.micros)
            frame = frames.get(kind)
            if frame is None:
                data = micro(payload) if conn.micros else payload
                wrapped = {"stream": name, "data": data} if conn.combined else data
                frame = frames[kind] = text_frame(encode_json(wrapped))
            conn.send_framed(frame)

    # --- real-time -------------------------------------------------------------------

    def on_update(self, update: MarketUpdate) -> None:
        """One action's public changes (called inside the exchange, synchronously)."""
        symbol = update.symbol
        low = symbol.lower()
        for trade in update.trades:
            self._publish(
                f"{low}@trade",
                {
                    "e": "trade",
                    "E": update.time,
                    "s": symbol,
                    "t": trade.id,
                    "p": d8(trade.price),
                    "q": d8(trade.qty),
                    "T": trade.time,
                    "m": trade.buyer_maker,
                    "M": True,
                },
            )
        for agg in update.agg_trades:
            body = agg_body(agg)
            self._publish(
                f"{low}@aggTrade", {"e": "aggTrade", "E": update.time, "s": symbol, **body}
            )
        if update.bids or update.asks:
            for buffer in self._buffers(symbol):
                buffer.add(update)
            self._book_ticker(symbol, update.update_id)

    def _buffers(self, symbol: str) -> tuple[_DiffBuffer, _DiffBuffer]:
        found = self._diffs.get(symbol)
        if found is None:
            found = self._diffs[symbol] = (_DiffBuffer(), _DiffBuffer())
        return found

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the book tickers of the actions run inside; send each changed symbol's once,
        at the end (the module rules). Re-entrant: the outermost batch sends."""
        if self._held is not None:
            yield
            return
        self._held = {}
        try:
            yield
        finally:
            held, self._held = self._held, None
            for symbol, update_id in held.items():
                self._book_ticker(symbol, update_id)

    def _book_ticker(self, symbol: str, update_id: int) -> None:
        if self._held is not None:
            self._held[symbol] = update_id
            return
        data = self.state.exchange.market_data(symbol)
        bid, bid_qty = data.best(Side.BUY)
        ask, ask_qty = data.best(Side.SELL)
        top = (bid, bid_qty, ask, ask_qty)
        if self._best.get(symbol) == top:
            return
        self._best[symbol] = top
        # web-socket-streams.md, Individual Symbol Book Ticker Streams: u is the book's id.
        self._publish(
            f"{symbol.lower()}@bookTicker",
            {
                "u": update_id,
                "s": symbol,
                "b": d8(bid),
                "B": d8(bid_qty),
                "a": d8(ask),
                "A": d8(ask_qty),
            },
        )

    # --- periodic --------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(_TICK)
            self._ticks += 1
            try:
                self.tick(every_second=self._ticks % 10 == 0)
            except Exception:  # pragma: no cover - a bug must not stop every stream
                continue

    def tick(self, *, every_second: bool) -> None:
        """Send the diff and periodic streams due now."""
        now = self.state.server_time()
        for symbol, (fast, slow) in self._diffs.items():
            low = symbol.lower()
            event = fast.take(symbol, now)
            if event is not None:
                self._publish(f"{low}@depth@100ms", event)
            if every_second:
                event = slow.take(symbol, now)
                if event is not None:
                    self._publish(f"{low}@depth", event)
        for name in [n for n, subs in self.subs.items() if subs]:
            self._periodic(name, now, every_second=every_second)

    def _periodic(self, name: str, now: int, *, every_second: bool) -> None:
        if name[0] == "!":
            if every_second:
                self._all_market(name, now)
            return
        found = _STREAM.match(name)
        if found is None:
            return
        symbol = self.by_name[found["symbol"]]
        kind = found["kind"]
        levels = found["levels"]
        if levels is not None and (found["fast"] or every_second):
            data = self.state.exchange.market_data(symbol)
            last, bids, asks = data.depth(int(levels))
            self._publish(
                name,
                {
                    "lastUpdateId": last,
                    "bids": [[d8(p), d8(q)] for p, q in bids],
                    "asks": [[d8(p), d8(q)] for p, q in asks],
                },
            )
        if not every_second:
            return
        if found["interval"] is not None:
            self._kline(name, symbol, found["interval"], now, _ZONES[found["zone"]])
        elif found["window"] is not None:
            self._publish(name, self._window_ticker(symbol, found["window"], now))
        elif kind == "ticker":
            data, stats = stats_24h(self.state, symbol)
            self._publish(name, ticker_event(symbol, stats, data, now))
        elif kind == "miniTicker":
            self._publish(name, self._mini(symbol, now))
        elif kind == "avgPrice":
            data = self.state.exchange.market_data(symbol)
            price, last = data.average_price(now, 5, self.state.exchange.reference_price(symbol))
            self._publish(
                name, {"e": "avgPrice", "E": now, "s": symbol, "i": "5m", "w": d8(price), "T": last}
            )

    def _all_market(self, name: str, now: int) -> None:
        found = _ALL_MARKET.match(name)
        if found is None:
            return
        window = found["window"]
        last = self._last_arr.setdefault(name, {})
        changed = []
        for symbol in sorted(self.state.symbols):
            body = (
                self._window_ticker(symbol, window, now)
                if window is not None
                else self._mini(symbol, now)
            )
            key = {k: v for k, v in body.items() if k not in _CLOCK_FIELDS}
            if last.get(symbol) != key:
                last[symbol] = key
                changed.append(body)
        if changed:
            self._publish(name, changed)

    def _mini(self, symbol: str, now: int) -> dict[str, object]:
        # web-socket-streams.md, Individual Symbol Mini Ticker Stream.
        _, stats = stats_24h(self.state, symbol)
        body = mini(symbol, stats)
        return {
            "e": "24hrMiniTicker",
            "E": now,
            "s": symbol,
            "c": body["lastPrice"],
            "o": body["openPrice"],
            "h": body["highPrice"],
            "l": body["lowPrice"],
            "v": body["volume"],
            "q": body["quoteVolume"],
        }

    def _window_ticker(self, symbol: str, window: str, now: int) -> dict[str, object]:
        # The open time starts on a minute, the close time is now (rolling window streams).
        opened = (now - _WINDOWS[window]) // _MINUTE_MS * _MINUTE_MS
        data = self.state.exchange.market_data(symbol)
        stats = data.stats(opened, now, self.state.exchange.reference_price(symbol))
        body = mini(symbol, stats)
        return {
            "e": f"{window}Ticker",
            "E": now,
            "s": symbol,
            "p": d8(stats.change),
            "P": f"{stats.change_percent:f}",
            "o": body["openPrice"],
            "h": body["highPrice"],
            "l": body["lowPrice"],
            "c": body["lastPrice"],
            "w": d8(stats.weighted_average),
            "v": body["volume"],
            "q": body["quoteVolume"],
            "O": stats.open_time,
            "C": stats.close_time,
            "F": stats.first_id,
            "L": stats.last_id,
            "n": stats.count,
        }

    def _kline(self, name: str, symbol: str, interval: str, now: int, offset: int) -> None:
        data: MarketData = self.state.exchange.market_data(symbol)
        previous = self._kline_open.get(name)
        found = (
            data.klines(interval, start=previous, end=None, limit=2, offset=offset, now=now)
            if previous
            else []
        )
        current = data.current_kline(interval, now, offset)
        if current is None:
            # No trade yet (klines run from the first one), yet the stream pushes the current
            # kline every second (web-socket-streams.md, Kline/Candlestick Streams): no trade,
            # at the reference price the tickers show as the last price; the one before, closed.
            ref = self.state.exchange.reference_price(symbol)
            current = KlineBucket.empty(interval_open(now, interval, offset), ref)
            if previous is not None and previous != current.open_time:
                closed = interval_close(previous, interval, offset)
                found = [(previous, closed, KlineBucket.empty(previous, ref))]
        for open_time, close_time, k in found:
            if open_time == previous and (current is None or current.open_time != open_time):
                body = kline_body(symbol, interval, open_time, close_time, k, closed=True)
                self._publish(name, {"e": "kline", "E": now, "s": symbol, "k": body})
        self._kline_open[name] = current.open_time
        close_time = interval_close(current.open_time, interval, offset)
        body = kline_body(symbol, interval, current.open_time, close_time, current, closed=False)
        self._publish(name, {"e": "kline", "E": now, "s": symbol, "k": body})

    # --- connections -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        combined = request.path.startswith("/stream")
        if combined:
            names = [n for n in _raw_query_value(request, "streams").split("/") if n]
        else:
            names = [n for n in request.match_info.get("streams", "").split("/") if n]
        options = self.state.options
        refused = time_unit_refusal(request.query.get("timeUnit"))
        if refused is not None:
            return refused
        try:
            self.state.limiter.connect(request.remote or "unknown")  # WebSocket Limits
        except SimError as exc:
            return error_response(exc)
        if len(names) > options.max_streams_per_connection:
            body = encode_json({"code": -1121, "msg": "Invalid symbol."})
            return web.Response(status=400, body=body, content_type="application/json")
        # A name in the URL that is no stream subscribes nothing, but the connection opens, as
        # on Binance: ccxt opens ``/ws/0`` (a connection index) and then sends SUBSCRIBE
        # ("Live Subscribing/Unsubscribing to streams"); only SUBSCRIBE validates names.
        names = [n for n in names if self.valid(n)]
        # Pings and pongs are seen here, not answered by aiohttp: they count towards the
        # 5 messages a second (web-socket-streams.md, WebSocket Limits).
        ws = BinanceWebSocket(options.ping_interval, options.pong_timeout, autoping=False)
        await ws.prepare(request)
        _limit_send_buffer(request, options.stream_socket_send_buffer)
        conn = StreamConn(ws, request, combined=combined, queue_frames=options.stream_queue_frames)
        self.connections.add(conn)
        self.subscribe(conn, names)
        writer = asyncio.create_task(conn.write_loop())
        loop = asyncio.get_running_loop()
        expiry = loop.call_later(options.max_connection_age, conn.close_after_queue)
        try:
            async for message in ws:
                kind = message.type
                if kind not in _COUNTED:
                    continue
                if not self._within_rate(conn, loop.time()):
                    conn.close_after_queue()
                    break
                if kind is WSMsgType.TEXT:
                    conn.send(encode_json(self.control(conn, message.data)))
                elif kind is WSMsgType.PING:
                    await ws.pong(message.data)  # "a copy of ping's payload"
        finally:
            expiry.cancel()
            self.forget(conn)
            conn.close_after_queue()
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(writer, 2.0)
        return ws

    def _within_rate(self, conn: StreamConn, now: float) -> bool:
        # web-socket-streams.md, WebSocket Limits: 5 incoming messages a second.
        window = conn.incoming
        window.append(now)
        while window and window[0] <= now - 1.0:
            window.popleft()
        return len(window) <= _MAX_INCOMING_PER_SECOND

    def control(self, conn: StreamConn, text: str) -> dict[str, Any]:
        """The answer to one SUBSCRIBE / UNSUBSCRIBE / ... frame ("Live Subscribing")."""
        try:
            frame = json.loads(text)
        except ValueError as exc:
            return _error(3, bad_json(text, exc), None)
        except RecursionError:
            return _error(3, bad_json(text, ValueError()), None)
        try:
            orjson.dumps(frame)  # lone surrogates and absurd nesting cannot be echoed
        except TypeError:
            return _error(3, bad_json(text, ValueError()), None)
        if not isinstance(frame, dict):
            return _error(2, "Invalid request: expected an object", None)
        request_id = frame.get("id")
        if "id" not in frame or not valid_id(request_id):
            return _error(2, "Invalid request: request ID must be an unsigned integer", None)
        method = frame.get("method")
        params = frame.get("params", [])
        if not isinstance(params, list):
            return _error(2, "Invalid request: too many parameters", request_id)
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            names = [p for p in params if isinstance(p, str)]
            if len(names) != len(params) or not all(self.valid(n) for n in names):
                return _error(2, "Invalid request: invalid stream name", request_id)
            if method == "SUBSCRIBE":
                limit = self.state.options.max_streams_per_connection
                if len(set(conn.streams) | set(names)) > limit:
                    return _error(2, "Invalid request: too many streams", request_id)
                self.subscribe(conn, names)
            else:
                self.unsubscribe(conn, names)
            return {"result": None, "id": request_id}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": list(conn.streams), "id": request_id}
        if method in ("SET_PROPERTY", "GET_PROPERTY"):
            return self._property(conn, method, params, request_id)
        if "method" not in frame:
            return _error(2, missing_method(text), request_id)
        return _error(2, unknown_variant(text, method), request_id)

    def _property(
        self, conn: StreamConn, method: str, params: list[Any], request_id: object
    ) -> dict[str, Any]:
        if not params or not isinstance(params[0], str):
            return _error(2, "Invalid request: property name must be a string", request_id)
        if params[0] != "combined":
            return _error(0, "Unknown property", request_id)
        if method == "GET_PROPERTY":
            return {"result": conn.combined, "id": request_id}
        if len(params) != 2 or not isinstance(params[1], bool):
            return _error(1, "Invalid value type: expected Boolean", request_id)
        conn.combined = params[1]
        return {"result": None, "id": request_id}


# web-socket-streams.md, WebSocket Limits: "A message is considered: A PING frame, A PONG frame,
# A JSON controlled message".
_COUNTED = frozenset({WSMsgType.TEXT, WSMsgType.PING, WSMsgType.PONG})


def _raw_query_value(request: web.Request, name: str) -> str:
    """A query value percent-decoded but with ``+`` kept: ``kline_1m@+08:00`` is sent as is
    (web-socket-streams.md, Kline/Candlestick Streams with timezone offset)."""
    for pair in request.rel_url.raw_query_string.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return unquote(value)
    return ""


def _limit_send_buffer(request: web.Request, size: int | None) -> None:
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    if size is not None and sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def _error(code: int, msg: str, request_id: object) -> dict[str, Any]:
    # web-socket-streams.md, Error Messages.
    return {"error": {"code": code, "msg": msg}, "id": request_id}


def add_stream_routes(app: web.Application, hub: StreamHub) -> None:
    """``/ws``, ``/ws/<streams>`` and ``/stream?streams=...`` (the app starts and stops
    ``hub`` with the rest of the server)."""
    app.router.add_get("/ws", hub.handle)
    app.router.add_get("/ws/{streams:.*}", hub.handle)
    app.router.add_get("/stream", hub.handle)
