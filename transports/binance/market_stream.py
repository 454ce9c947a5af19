"""A client of Binance's market data streams: trades, klines and book tops for a strategy.

Rules (web-socket-streams.md):
- One combined connection, ``<base>/stream?streams=a/b/c``; each event arrives wrapped as
  ``{"stream": name, "data": payload}`` ("General WSS information"). Stream names use the
  lowercase symbol; at most 1024 streams on one connection ("WebSocket Limits").
- Decoded to ``oms.sim.market`` events, amounts as ``Decimal`` straight from Binance's
  strings (a number that is not a string is refused, never passed through float):
  ``<symbol>@trade`` -> ``Trade`` ("Trade Streams"; ``T`` is the trade time);
  ``<symbol>@kline_<interval>`` -> ``Kline`` once the candle is closed (``k.x``), timed at
  its close ("Kline/Candlestick Streams ... for UTC"); ``<symbol>@bookTicker`` -> ``BookTop``
  ("Individual Symbol Book Ticker Streams": it has no event time, so it is stamped with the
  time it was received).
- Every reconnect is a gap: Binance replays nothing, so after any drop the first thing
  queued from the new connection is a ``MarketGap`` (from when it broke to now).
  Reconnects back off exponentially (``backoff_s`` doubling up to ``max_backoff_s``); the
  delay starts over once a connection has delivered an event.
- A frame that does not decode is kept (``rejected``, bounded) and skipped: the stream goes
  on. A connection silent for ``silence_s`` is taken as dead. The server's pings are
  answered by aiohttp (``autoping``; "General WSS information": pong within a minute).
- Memory is bounded: events wait in a queue of ``queue_size``; when the reader falls that
  far behind, what does not fit is dropped and the reader is told with a ``MarketGap``.
- Market data is public: no key is sent, none is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec

from oms.sim.market import BookTop, Kline, MarketEvent, MarketGap, Subscription, Trade
from transports.binance.config import BinanceConfig, Environment

__all__ = [
    "MarketFrameError",
    "MarketStream",
    "decode_market_frame",
    "market_stream_url",
]

# web-socket-streams.md, "General WSS information" (production); the testnet's base is
# wss://stream.testnet.binance.vision (testnet/web-socket-streams.md, "General WSS information").
DEFAULT_STREAM_URLS = {
    Environment.PRODUCTION: "wss://stream.binance.com:9443",
    Environment.TESTNET: "wss://stream.testnet.binance.vision",
}
# web-socket-streams.md, "WebSocket Limits": 1024 streams per connection.
MAX_STREAMS = 1024
_DECODER = msgspec.json.Decoder()


class MarketFrameError(ValueError):
    """A market data frame that is not one of the streams asked for."""


def market_stream_url(config: BinanceConfig, override: str | None = None) -> str:
    """The streams' base URL: ``override`` (``OMS_MARKET_STREAM_URL``) if given; for
    ``local``, the host of ``oms exchange``'s WebSocket API (it serves both)."""
    if override:
        parts = urlsplit(override)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ValueError(f"OMS_MARKET_STREAM_URL {override!r} is not a ws(s):// URL")
        return override.rstrip("/")
    if config.environment is Environment.LOCAL:
        parts = urlsplit(config.ws_api_url)
        return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_STREAM_URLS[config.environment]


def _amount(value: object) -> Decimal:
    if not isinstance(value, str):
        raise MarketFrameError(f"amount {value!r} is not a decimal string")
    try:
        out = Decimal(value)
    except InvalidOperation:
        raise MarketFrameError(f"amount {value!r} is not a decimal") from None
    if not out.is_finite():
        raise MarketFrameError(f"amount {value!r} is not finite")
    return out


def _int(value: object) -> int:
    if type(value) is not int:
        raise MarketFrameError(f"{value!r} is not an integer")
    return value


def decode_market_frame(frame: str | bytes, received_us: int) -> MarketEvent | None:
    """One frame -> an event, or None for what carries none (an open kline, a reply to a
    request). Raises ``MarketFrameError`` for anything else."""
    try:
        obj = _DECODER.decode(frame)
    except msgspec.DecodeError as exc:
        raise MarketFrameError(f"not JSON: {exc}") from None
    if isinstance(obj, dict) and "stream" in obj and "data" in obj:
        obj = obj["data"]
    if not isinstance(obj, dict):
        raise MarketFrameError("not a JSON object")
    try:
        return _event(obj, received_us)
    except (KeyError, TypeError) as exc:
        raise MarketFrameError(f"missing or bad field {exc}") from None


def _event(obj: dict[str, Any], received_us: int) -> MarketEvent | None:
    kind = obj.get("e")
    if kind == "trade":
        return Trade(
            symbol=str(obj["s"]),
            time_us=_int(obj["T"]) * 1000,
            trade_id=_int(obj["t"]),
            price=_amount(obj["p"]),
            qty=_amount(obj["q"]),
            is_buyer_maker=obj["m"] is True,
        )
    if kind == "kline":
        k = obj["k"]
        if k["x"] is not True:
            return None  # still open: a strategy hears of a candle once it is closed
        return Kline(
            symbol=str(k["s"]),
            time_us=_int(k["T"]) * 1000,
            open_time_us=_int(k["t"]) * 1000,
            open=_amount(k["o"]),
            high=_amount(k["h"]),
            low=_amount(k["l"]),
            close=_amount(k["c"]),
            volume=_amount(k["v"]),
            trades=_int(k["n"]),
        )
    if kind is None and "u" in obj and "b" in obj and "a" in obj:
        return BookTop(
            symbol=str(obj["s"]),
            time_us=received_us,
            bid=_amount(obj["b"]),
            bid_qty=_amount(obj["B"]),
            ask=_amount(obj["a"]),
            ask_qty=_amount(obj["A"]),
        )
    if kind is None and "id" in obj and "result" in obj:
        return None  # a reply to SUBSCRIBE and the like
    raise MarketFrameError(f"not a trade, kline or book ticker event (e={kind!r})")


class MarketStream:
    """The market data a ``Subscription`` asks for, as events with gaps marked (see the
    module rules). Use as ``async with MarketStream(...) as feed: await feed.get()``."""

    def __init__(
        self,
        base_url: str,
        subscription: Subscription,
        *,
        backoff_s: float = 0.1,
        max_backoff_s: float = 5.0,
        silence_s: float = 60.0,
        queue_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        streams = subscription.streams()
        if not streams:
            raise ValueError("the subscription names no stream")
        if len(streams) > MAX_STREAMS:
            raise ValueError(f"{len(streams)} streams: at most {MAX_STREAMS} on one connection")
        self.url = f"{base_url.rstrip('/')}/stream?streams={'/'.join(streams)}"
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.silence_s = silence_s
        self._clock = clock
        self._queue: asyncio.Queue[MarketEvent | MarketGap] = asyncio.Queue(queue_size)
        self.rejected: deque[tuple[str, str | bytes]] = deque(maxlen=100)
        self.connects = 0
        self.gaps = 0
        self.events = 0
        self.connected = asyncio.Event()
        self._behind_since: int | None = None
        self._last_reason = "disconnected"
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> MarketStream:
        self._session = aiohttp.ClientSession()
        self._task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self) -> MarketEvent | MarketGap:
        """The next event or gap (waits; safe to cancel)."""
        return await self._queue.get()

    def _now_us(self) -> int:
        return int(self._clock() * 1_000_000)

    async def _run(self) -> None:
        attempt = 0
        down_since: int | None = None
        while True:
            reason, delivered = await self._connect_once(down_since, attempt)
            self.connected.clear()
            if delivered:
                attempt = 0
            attempt += 1
            if down_since is None or delivered:
                down_since = self._now_us()
            self._last_reason = reason
            await asyncio.sleep(min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s))

    async def _connect_once(self, down_since: int | None, attempt: int) -> tuple[str, bool]:
        """One connection, read to its end: (why it ended, whether it delivered events)."""
        assert self._session is not None
        delivered = False
        try:
            async with self._session.ws_connect(
                self.url,
                timeout=aiohttp.ClientWSTimeout(ws_receive=self.silence_s, ws_close=5.0),
                autoping=True,
            ) as ws:
                self.connects += 1
                self.connected.set()
                if down_since is not None:
                    self.gaps += 1
                    gap = MarketGap(self._now_us(), down_since, self._last_reason, attempt)
                    self._put(gap)
                async for msg in ws:
                    if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                        delivered = self._frame(msg.data) or delivered
                    elif msg.type is aiohttp.WSMsgType.ERROR:
                        return f"connection error: {ws.exception()}", delivered
                return f"closed by the server (code {ws.close_code})", delivered
        except TimeoutError:
            return f"no data for {self.silence_s:g} s", delivered
        except (aiohttp.ClientError, OSError) as exc:
            return f"cannot connect: {type(exc).__name__}: {exc}", delivered

    def _frame(self, data: str | bytes) -> bool:
        now = self._now_us()
        try:
            event = decode_market_frame(data, now)
        except MarketFrameError as exc:
            self.rejected.append((str(exc), data))
            return False
        if event is None:
            return False
        self.events += 1
        self._put(event)
        return True

    def _put(self, item: MarketEvent | MarketGap) -> None:
        queue = self._queue
        if self._behind_since is not None and queue.qsize() < queue.maxsize - 1:
            since, self._behind_since = self._behind_since, None
            queue.put_nowait(MarketGap(self._now_us(), since, "the reader fell behind"))
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull:
            if self._behind_since is None:
                self._behind_since = self._now_us()
