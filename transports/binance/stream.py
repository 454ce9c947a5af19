"""The user-data stream over the WebSocket API, with a formal connection lifecycle.

Rules (user-data-stream.md; web-socket-api.md, "General API Information"):
- Subscribe with ``userDataStream.subscribe.signature`` (any key type, no logon) or with
  ``session.logon`` + ``userDataStream.subscribe`` (Ed25519 only). WS API signing is its own
  rule: sorted params, not percent-encoded (web-socket-api.md, "SIGNED request security").
  Responses are matched by ``id``.
- Events arrive as ``{"subscriptionId": N, "event": {...}}`` and decode through
  ``oms.wire.decoding.decode_user_data``; a frame that does not decode becomes a ``BadFrame`` and
  the stream goes on.
- Every reconnect is a gap: Binance replays nothing, so a ``StreamGap`` is yielded after
  *every* successful subscription, the first included.
- Reconnect with capped exponential backoff and jitter after a drop, ``serverShutdown``,
  ``eventStreamTerminated`` or a failed subscribe; rotate before the 24 h connection limit;
  with no frame for ``stream_silence_s``, ask ``session.status`` and reconnect if that gets
  no answer either. A watchdog task does both (no timeout per frame); an event frame is
  parsed once. Pings are answered by aiohttp (``autoping``).
- The lifecycle DISCONNECTED -> CONNECTING -> SUBSCRIBING -> SUBSCRIBED -> BACKOFF -> ...
  -> CLOSED is declared as data for ``transitions`` (``LIFECYCLE``); an illegal move raises.
  Every state but CLOSED has a way out on every failure: ``lost`` (a drop, a timeout, a
  transient refusal) leads to BACKOFF and a reconnect; ``ended`` (a refused key, -1022 /
  -2015, or the consumer stopping) leads back to DISCONNECTED, so the next ``items()``
  starts afresh once the key is valid again.
- Randomness (jitter) is injected; logs never carry the key, the signature or a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

import aiohttp
import msgspec
from transitions import Machine

from oms.errors import (
    AuthError,
    ClockSkewError,
    DecodeError,
    LocalError,
    OmsError,
    remote_error,
)
from oms.wire.decoding import decode_user_data
from oms.wire.events import EventStreamTerminated, ServerShutdown
from oms.wire.stream import BadFrame, StreamGap, StreamItem
from transports.binance.clock import ServerClock
from transports.binance.config import BinanceConfig, StreamAuth
from transports.binance.errors import WsError, redact, ws_retry_after_s
from transports.binance.governor import WEIGHTS, RateGovernor
from transports.binance.signing import ws_payload
from transports.wire import encode_json

__all__ = [
    "FAILURES",
    "LIFECYCLE",
    "ConnState",
    "ConnectionLifecycle",
    "UserDataStream",
    "backoff_delay",
    "lifecycle_machine",
]

log = logging.getLogger(__name__)


class ConnState(StrEnum):
    DISCONNECTED = "DISCONNECTED"
    CONNECTING = "CONNECTING"
    SUBSCRIBING = "SUBSCRIBING"
    SUBSCRIBED = "SUBSCRIBED"
    BACKOFF = "BACKOFF"
    CLOSED = "CLOSED"


S = ConnState
# The connection lifecycle as data: (trigger, sources, destination).
LIFECYCLE: tuple[tuple[str, tuple[ConnState, ...], ConnState], ...] = (
    ("connect", (S.DISCONNECTED, S.BACKOFF), S.CONNECTING),
    ("connected", (S.CONNECTING,), S.SUBSCRIBING),
    ("subscribed", (S.SUBSCRIBING,), S.SUBSCRIBED),
    ("lost", (S.DISCONNECTED, S.CONNECTING, S.SUBSCRIBING, S.SUBSCRIBED, S.BACKOFF), S.BACKOFF),
    ("ended", tuple(s for s in ConnState if s is not S.CLOSED), S.DISCONNECTED),
    ("close", tuple(s for s in ConnState if s is not S.CLOSED), S.CLOSED),
)
# The triggers a failure may fire; each is allowed from every state but CLOSED.
FAILURES = ("lost", "ended")


class _Model:
    state: ConnState


def lifecycle_machine(
    model: object, states: type[StrEnum], lifecycle: Sequence[tuple[str, Sequence[Any], Any]]
) -> Any:
    """The ``transitions`` machine of a lifecycle declared as (trigger, sources, destination),
    on ``model``, starting in the first state, with no implicit ``to_*`` triggers."""
    return Machine(
        model=model,
        states=list(states),
        transitions=[{"trigger": t, "source": list(src), "dest": dst} for t, src, dst in lifecycle],
        initial=next(iter(states)),
        auto_transitions=False,
    )


class ConnectionLifecycle:
    """The stream's connection state, moved only by the ``LIFECYCLE`` triggers."""

    def __init__(self) -> None:
        self._model = _Model()
        self._machine: Any = lifecycle_machine(self._model, ConnState, LIFECYCLE)

    @property
    def state(self) -> ConnState:
        return self._model.state

    def fire(self, trigger: str) -> ConnState:
        """Apply one trigger; ``transitions.MachineError`` if the current state forbids it."""
        self._machine.events[trigger].trigger(self._model)
        return self._model.state


def backoff_delay(
    attempt: int, *, initial_s: float, max_s: float, rng: Callable[[], float]
) -> float:
    """Capped exponential backoff with "equal jitter": half fixed, half random."""
    ceiling = min(max_s, initial_s * (1 << min(attempt, 30)))
    return ceiling / 2 + rng() * ceiling / 2


class _Peek(msgspec.Struct, frozen=True):
    """Enough of a frame to tell a response (``id``/``status``) from an event (``event``)."""

    id: str | int | None = None
    status: int | None = None
    error: WsError | None = None
    event: msgspec.Raw | None = None


_PEEK = msgspec.json.Decoder(_Peek)
# How Binance opens every WS API event frame: ``{"subscriptionId":N,"event":{...}}``.
_EVENT_PREFIX = b'{"subscriptionId":'


class _LostError(Exception):
    """The connection ended or could not be used; ``reason`` says why (no secrets)."""

    def __init__(self, reason: str, *, immediate: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.immediate = immediate


def _check_ending(item: StreamItem) -> None:
    """After an event that ends the subscription (user-data-stream.md, "Event Stream
    Terminated"; web-socket-api.md, "serverShutdown"), the connection is over."""
    if isinstance(item, ServerShutdown):
        raise _LostError("serverShutdown")
    if isinstance(item, EventStreamTerminated):
        raise _LostError("eventStreamTerminated")


class UserDataStream:
    """Yields ``StreamItem``s from the user-data stream until ``close()``."""

    def __init__(
        self,
        config: BinanceConfig,
        session: Callable[[], aiohttp.ClientSession],
        clock: ServerClock,
        sync_clock: Callable[..., Awaitable[None]],
        governor: RateGovernor,
        *,
        rng: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._session = session
        self._clock = clock
        self._sync_clock = sync_clock
        self._governor = governor
        self._rng = rng
        self._monotonic = monotonic
        self.lifecycle = ConnectionLifecycle()
        self._ids = itertools.count(1)
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closed = False
        self._consuming = False
        self._connected_at = 0.0
        self._clock_stale = False
        self._frames = 0  # frames received on the current connection (the watchdog's view)
        self._last_frame_s: float | None = None  # when the last one came (``monotonic``)
        self._watch_lost: _LostError | None = None  # why the watchdog closed the connection
        self.reconnects = 0
        self.subscriptions = 0

    @property
    def connected(self) -> bool:
        return self.lifecycle.state is S.SUBSCRIBED

    async def close(self) -> None:
        self._closed = True
        if self.lifecycle.state is not S.CLOSED:
            self.lifecycle.fire("close")
        if self._ws is not None:
            await self._ws.close()

    async def items(self) -> AsyncIterator[StreamItem]:
        """Subscribe, yield a ``StreamGap``, then events; reconnect on every loss.

        Raises:
            AuthError: the key, its permissions or the signature were refused; retrying
                cannot help, so the stream ends.
            LocalError: another task is already consuming this stream.
        """
        async with contextlib.aclosing(self.frames()) as pairs:  # closed with this one
            async for item, _ in pairs:
                yield item

    async def frames(self) -> AsyncGenerator[tuple[StreamItem, bytes | None], None]:
        """``items()``, each event with the frame it was decoded from (None for a gap).

        One generator from the socket to the consumer: a frame is received, decoded and
        handed on in one step (no generator in between).

        Raises:
            The same as ``items()``.
        """
        if self._consuming:
            raise LocalError("user_data() already has a consumer; iterate it from one task")
        self._consuming = True
        try:
            attempt = 0
            since_ms: int | None = None
            reason = "first subscription"
            while not self._closed:
                immediate = False
                self._fire("connect")
                try:
                    async with await self._connect() as ws:
                        self._ws = ws
                        early = await self._subscribe(ws)
                        attempt = 0
                        gap = StreamGap(
                            reason=reason, since_ms=since_ms, at_ms=self._clock.now_ms()
                        )
                        since_ms = gap.at_ms  # this subscription is good from here on
                        yield gap, None
                        for item in early:
                            yield item, None
                        # No timeout per frame (an ``asyncio`` timer set and cancelled for
                        # every frame cost more than the decode): the watchdog task asks
                        # ``session.status`` on silence and rotates old connections by
                        # closing ``ws``, which ends this loop.
                        watchdog = self._start_watch(ws)
                        monotonic = self._monotonic
                        try:
                            while True:
                                msg = await ws.receive()
                                self._frames += 1  # any frame proves the connection is alive
                                self._last_frame_s = monotonic()
                                pair = self._message(ws, msg)
                                if pair is None:
                                    continue  # a response, handled
                                yield pair
                                _check_ending(pair[0])
                        finally:
                            watchdog.cancel()
                            since_ms = self._last_good_ms(since_ms)
                except _LostError as lost:
                    reason, immediate = lost.reason, lost.immediate
                finally:
                    self._ws = None
                if self._closed:
                    break
                await self._lost(reason, 0.0 if immediate else self._backoff(attempt))
                attempt += 1
        finally:
            # However the run ended (a refused key, the consumer stopping, a bug), the
            # machine leaves its state: the next ``items()`` starts from DISCONNECTED.
            self._fire("ended")
            self._consuming = False

    async def _lost(self, reason: str, delay: float) -> None:
        self._fire("lost")
        log.info("user data stream lost: %s", reason)
        await asyncio.sleep(delay)

    def _last_good_ms(self, since_ms: int | None) -> int | None:
        """When the connection was last known good: its last frame, on the server clock."""
        last = self._last_frame_s
        if last is None:
            return since_ms
        return self._clock.now_ms() - int((self._monotonic() - last) * 1000)

    def _fire(self, trigger: str) -> None:
        # close() may run while a step is under way: once CLOSED, the machine stays there.
        if not self._closed:
            self.lifecycle.fire(trigger)

    def _backoff(self, attempt: int) -> float:
        c = self._config
        return backoff_delay(
            attempt, initial_s=c.backoff_initial_s, max_s=c.backoff_max_s, rng=self._rng
        )

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        await self._governed(WEIGHTS["WS connect"])
        try:
            ws = await self._session().ws_connect(
                self._config.ws_api_url,
                autoping=True,
                timeout=aiohttp.ClientWSTimeout(ws_close=self._config.stream_status_timeout_s),
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _LostError(f"cannot connect ({type(exc).__name__})") from None
        self._connected_at = self._monotonic()
        self._fire("connected")
        return ws

    async def _governed(self, weight: int) -> None:
        while (delay := self._governor.delay_s(weight)) > 0:
            await asyncio.sleep(min(delay, self._config.backoff_max_s))
        self._governor.reserve(weight)
        self._governor.settle(weight)

    # --- subscribe --------------------------------------------------------------------------

    async def _subscribe(self, ws: aiohttp.ClientWebSocketResponse) -> list[StreamItem]:
        try:
            # After a -1021 the offset is wrong: re-measure before signing again
            # (web-socket-api.md, "Timing security").
            await self._sync_clock(force=self._clock_stale)
            self._clock_stale = False
        except OmsError as exc:
            raise _LostError(f"cannot measure the server clock ({type(exc).__name__})") from None
        early: list[StreamItem] = []
        if self._config.stream_auth is StreamAuth.LOGON:
            await self._request(ws, "session.logon", self._signed_params, early)
            await self._request(ws, "userDataStream.subscribe", None, early)
        else:
            await self._request(
                ws, "userDataStream.subscribe.signature", self._signed_params, early
            )
        self._fire("subscribed")
        self.subscriptions += 1
        if self.subscriptions > 1:
            self.reconnects += 1
        return early

    def _signed_params(self) -> dict[str, str | int]:
        config = self._config
        if config.api_key is None or config.signer is None:
            raise AuthError(0, "the user data stream needs OMS_API_KEY and a secret or key")
        params: dict[str, str | int] = {
            "apiKey": config.api_key.reveal(),
            "recvWindow": config.recv_window_ms,
            "timestamp": self._clock.now_ms(),
        }
        params["signature"] = config.signer.sign(ws_payload(params))
        return params

    async def _request(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        method: str,
        sign: Callable[[], dict[str, str | int]] | None,
        early: list[StreamItem],
    ) -> None:
        await self._governed(WEIGHTS["WS request"])
        request_id = f"oms-{next(self._ids)}"
        message: dict[str, object] = {"id": request_id, "method": method}
        if sign is not None:
            # Stamped and signed only now, after the governor's wait
            # (web-socket-api.md, "Timing security").
            message["params"] = sign()
        try:
            await ws.send_str(encode_json(message).decode())
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise _LostError(f"{method}: send failed ({type(exc).__name__})") from None
        deadline = self._monotonic() + self._config.stream_status_timeout_s
        while True:
            raw = await self._next_frame(ws, deadline - self._monotonic(), method)
            peek = self._peek(raw)
            if peek is None or peek.status is None or peek.event is not None:
                early.append(self._event(raw))
                continue
            if peek.id != request_id:
                continue
            if peek.error is None and peek.status == 200:
                log.info("%s: ok", method)
                return
            self._refused(method, peek)

    def _refused(self, method: str, peek: _Peek) -> None:
        error = peek.error or WsError(code=0, msg=f"HTTP {peek.status}")
        # The answer may echo the signed request: never let the key or signature through.
        error = WsError(code=error.code, msg=self._scrub(error.msg), data=error.data)
        log.warning("%s refused: %s %s", method, error.code, error.msg)
        if peek.status in (429, 418):
            wait_s = ws_retry_after_s(error, self._clock.now_ms())
            if wait_s is not None:
                self._governor.block(wait_s, banned=peek.status == 418)
        exc = remote_error(error.code, error.msg, http_status=peek.status)
        if isinstance(exc, AuthError):
            raise exc
        if isinstance(exc, ClockSkewError):
            self._clock_stale = True
        raise _LostError(f"{method} refused ({error.code} {error.msg})")

    async def _next_frame(
        self, ws: aiohttp.ClientWebSocketResponse, timeout: float, what: str
    ) -> bytes:
        try:
            msg = await ws.receive(timeout=max(timeout, 0.001))
        except TimeoutError:
            raise _LostError(
                f"{what}: no answer within {self._config.stream_status_timeout_s:g} s"
            ) from None
        if msg.type is aiohttp.WSMsgType.TEXT:
            return str(msg.data).encode("utf-8")
        if msg.type is aiohttp.WSMsgType.BINARY:
            return bytes(msg.data)
        raise _LostError(f"connection closed ({msg.type.name}, code {ws.close_code})")

    # --- receive ----------------------------------------------------------------------------

    def _start_watch(self, ws: aiohttp.ClientWebSocketResponse) -> asyncio.Future[None]:
        self._frames = 0
        self._last_frame_s = None
        self._watch_lost = None
        return asyncio.ensure_future(self._watch(ws))

    def _message(
        self, ws: aiohttp.ClientWebSocketResponse, msg: aiohttp.WSMessage
    ) -> tuple[StreamItem, bytes | None] | None:
        """One received message: an event with the frame it came in (journaled as
        received), or None for a response (handled here).

        Raises:
            _LostError: the connection ended (closed, or closed by the watchdog).
        """
        if msg.type is aiohttp.WSMsgType.TEXT:
            raw = msg.data.encode()
            if not raw.startswith(_EVENT_PREFIX):
                # Not the event envelope's opening (user-data-stream.md, "User Data Stream
                # Events"): a response, or a frame decode_user_data judges.
                peek = self._peek(raw)
                if peek is not None and peek.status is not None and peek.event is None:
                    self._response(peek)
                    return None
            return self._event(raw), raw  # one parse per event frame
        if msg.type is aiohttp.WSMsgType.BINARY:
            return BadFrame(raw=bytes(msg.data), error="binary frame on a JSON session"), None
        lost = self._watch_lost
        if lost is not None:
            raise lost
        raise _LostError(f"connection closed ({msg.type.name}, code {ws.close_code})")

    async def _watch(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """The receive loop's watchdog: with no frame for ``stream_silence_s`` (checked once
        per that interval, so noticed within twice it), ask ``session.status``; with no frame
        ``stream_status_timeout_s`` after that, or at the connection's maximum age, note why
        and close ``ws`` (the receive loop raises that reason)."""
        config = self._config
        try:
            while True:
                left = config.stream_max_age_s - (self._monotonic() - self._connected_at)
                if left <= 0:
                    # web-socket-api.md, "General API Information": a connection lives at
                    # most 24 h; rotate before Binance cuts it.
                    raise _LostError("rotating before the 24 h connection limit", immediate=True)
                seen = self._frames
                await asyncio.sleep(min(config.stream_silence_s, left))
                if self._frames != seen or (
                    self._monotonic() - self._connected_at >= config.stream_max_age_s
                ):
                    continue
                seen = self._frames
                await self._ask_status(ws)
                await asyncio.sleep(config.stream_status_timeout_s)
                if self._frames == seen:
                    raise _LostError("silent stream: session.status got no answer")
        except _LostError as lost:
            self._watch_lost = lost
            await ws.close()

    async def _ask_status(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        request_id = f"oms-{next(self._ids)}"
        log.info(
            "user data stream silent for %.0f s: asking session.status",
            self._config.stream_silence_s,
        )
        self._governor.reserve(WEIGHTS["WS request"])
        self._governor.settle(WEIGHTS["WS request"])
        try:
            await ws.send_str(encode_json({"id": request_id, "method": "session.status"}).decode())
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise _LostError(f"session.status: send failed ({type(exc).__name__})") from None
        return request_id

    def _response(self, peek: _Peek) -> None:
        if peek.status == 200:
            return
        error = peek.error or WsError(code=0, msg=f"HTTP {peek.status}")
        error = WsError(code=error.code, msg=self._scrub(error.msg), data=error.data)
        # e.g. {"id":null,"status":401,"error":{"code":-2015,...}}: the session was revoked
        # (web-socket-api.md, "Session Authentication"); a fresh subscribe will tell whether
        # the key works.
        raise _LostError(f"server answered {peek.status} ({error.code} {error.msg})")

    def _scrub(self, text: str) -> str:
        key = self._config.api_key
        return redact(text, (key.reveal(),) if key is not None else ())

    @staticmethod
    def _peek(raw: bytes) -> _Peek | None:
        try:
            return _PEEK.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
            return None  # not a response: decode_user_data says what is wrong with it

    @staticmethod
    def _event(raw: bytes) -> StreamItem:
        try:
            return decode_user_data(raw)
        except DecodeError as exc:
            log.warning("user data stream: bad frame (%s)", exc.reason)
            return BadFrame.from_error(exc)
